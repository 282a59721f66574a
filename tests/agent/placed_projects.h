// A node with a reachable agent and projects placed on it, written straight
// into a test server's store, for the routes that reach an agent through
// the server (logs, port-forward).
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "api/types.h"
#include "store/store.h"

namespace cara::testing {

// Node `name` whose agent listens on 127.0.0.1:agent_port.
inline void StoreAgentNode(store::Store& store, const std::string& name, int agent_port) {
  api::Node node;
  node.metadata.name = name;
  node.status.network.ip = "127.0.0.1";
  node.status.network.agent_port = agent_port;
  REQUIRE(store.CreateNode(node).ok());
}

// Project `name` with one service "web", in `phase` on `node` ("" for none).
inline void StorePlacedProject(store::Store& store, const std::string& name,
                               const std::string& phase, const std::string& node) {
  api::Project project;
  project.metadata.name = name;
  api::ServiceDef web;
  web.name = "web";
  web.image = "nginx";
  project.spec.services.push_back(web);
  REQUIRE(store.CreateProject(project).ok());
  REQUIRE(store
              .UpdateProject(name,
                             [&](api::Project& p) {
                               p.status.phase = phase;
                               p.status.node_ref = node;
                               return Status::Ok();
                             })
              .ok());
}

}  // namespace cara::testing
