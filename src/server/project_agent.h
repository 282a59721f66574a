// Which agent serves a project's containers: the routes that reach into
// them (logs, port-forward) find the node the project is placed on and that
// node's agent address, or answer why there is none to reach.
#pragma once

#include <string>

#include "common/status.h"
#include "server/httplib_fwd.h"
#include "store/store.h"

namespace cara::server {

struct ProjectAgent {
  std::string node;     // the project's status.nodeRef
  std::string address;  // "ip:port" of that node's agent API
};

// NotFound when the project does not exist, Conflict when it is not placed
// on a node (or the node is gone or has no address); other store failures
// as they are.
Result<ProjectAgent> LocateProjectAgent(store::Store& store, const std::string& project);

// The problem for a failed LocateProjectAgent: 404, 409, else WriteError's.
void WriteLocateProblem(httplib::Response& res, const Status& status);

// Why an agent could not be reached, naming its node and address (logged).
std::string AgentUnreachable(const ProjectAgent& agent, const std::string& error);

// 502 with AgentUnreachable's detail.
void WriteAgentUnreachable(httplib::Response& res, const ProjectAgent& agent,
                           const std::string& error);

}  // namespace cara::server
