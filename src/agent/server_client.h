// The ControlPlane over cara-server's HTTP API: register, heartbeat, list
// assigned projects, report status. 10 s timeout per call.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/control_plane.h"
#include "api/types.h"
#include "common/clock.h"
#include "common/status.h"
#include "net/https_client.h"

namespace cara::agent {

class ServerClient final : public ControlPlane {
 public:
  // http:// or https:// (verified as `credentials.tls` says), sending
  // `credentials.token` when there is one.
  explicit ServerClient(const std::string& server_url, net::ClientCredentials credentials = {});

  // New credentials once the server rejects the current ones (401: the node
  // was deleted, which revokes its token). With a renewer set, a call
  // answered 401 renews once and is retried with the new credentials.
  using CredentialRenewer = std::function<Result<net::ClientCredentials>()>;
  ServerClient(const std::string& server_url, net::ClientCredentials credentials,
               CredentialRenewer renew, Clock* clock = SystemClock::Default());
  ~ServerClient() override;

  // POST /api/v1/nodes; 201 and 409 (already registered) are both success.
  Status Register(const std::string& node_name) override;
  // POST /api/v1/nodes/{node}/heartbeat; NotFound when the node is gone
  // (the caller re-registers).
  Status Heartbeat(const std::string& node_name, const api::NodeStatus& report) override;
  // GET /api/v1/projects?phase=..&nodeRef=node
  Result<std::vector<api::Project>> ListProjects(const std::string& node_name,
                                                 const std::vector<std::string>& phases) override;
  // PATCH /api/v1/projects/{name}/status; only 204 counts.
  Status ReportStatus(const std::string& project, const StatusReport& report) override;
  // GET /api/v1/secrets/{name}/values; the values are neither logged nor
  // kept.
  Result<SecretValues> GetSecretValues(const std::string& name) override;
  // POST /api/v1/events; 201 (new) and 200 (a folded repeat) count.
  Status PostEvent(const api::Event& event) override;
  // GET /api/v1/projects?watch=true&nodeRef=node, resumed across breaks
  // (net/watch_stream.h) with the credentials current at each connection.
  // Its back-offs wait on the clock given at construction.
  std::unique_ptr<AssignmentWatch> WatchAssignments(const std::string& node_name) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cara::agent
