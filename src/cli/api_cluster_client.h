// The GitOps pipeline's ClusterClient over cara-server's REST API.
#pragma once

#include <memory>
#include <string>

#include "cli/api_client.h"
#include "gitops/cluster_client.h"

namespace cara::cli {

class ApiClusterClient final : public gitops::ClusterClient {
 public:
  explicit ApiClusterClient(ApiClient& client) : client_(&client) {}
  explicit ApiClusterClient(const ApiConnection& connection)
      : owned_(std::make_unique<ApiClient>(connection)), client_(owned_.get()) {}

  // Lists page through the server's continue tokens and decode each item as
  // it is parsed (cli/list_all.h).
  Result<std::vector<api::Node>> ListNodes() override;
  Result<std::vector<api::Project>> ListProjects() override;
  // NotFound for 403 and 404 (not served to this client).
  Result<std::vector<api::Secret>> ListSecrets() override;
  Result<std::string> Get(const std::string& kind, const std::string& name) override;
  Result<std::string> Create(const std::string& kind, const std::string& json) override;
  Result<std::string> Replace(const std::string& kind, const std::string& name,
                              const std::string& json) override;
  // Any 404 is NotFound: the object is gone, whoever removed it.
  Result<std::string> Delete(const std::string& kind, const std::string& name) override;
  Result<api::SyncRun> RecordSyncRun(const api::SyncRun& run) override;
  Result<std::vector<api::SyncRun>> ListSyncRuns(const std::string& source) override;
  // A 404 from a server without the route: not suspended.
  Result<api::SourceState> GetSourceState(const std::string& id) override;
  Result<api::SourceState> PutSourceState(const api::SourceState& state) override;

 private:
  std::unique_ptr<ApiClient> owned_;
  ApiClient* client_;
};

// A connector that opens a new connection for each client, with the same
// server, token and TLS settings.
gitops::ClusterConnector ConnectTo(const ApiConnection& connection);

}  // namespace cara::cli
