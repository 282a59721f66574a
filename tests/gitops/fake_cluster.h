// An in-memory cara-server for the GitOps pipeline's unit tests: nodes,
// projects and secrets (digests only, as the server reports them) by name, with resourceVersions
// and generations set as the store sets them, optimistic concurrency on replace and injectable
// failures. Thread-safe: the clients Connector() hands out (one per executor worker) share it.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "gitops/cluster_client.h"
#include "gitops/plan.h"

namespace cara::gitops {

class FakeCluster final : public ClusterClient {
 public:
  Result<std::vector<api::Node>> ListNodes() override;
  Result<std::vector<api::Project>> ListProjects() override;
  Result<std::vector<api::Secret>> ListSecrets() override;
  Result<std::string> Get(const std::string& kind, const std::string& name) override;
  Result<std::string> Create(const std::string& kind, const std::string& json) override;
  Result<std::string> Replace(const std::string& kind, const std::string& name,
                              const std::string& json) override;
  Result<std::string> Delete(const std::string& kind, const std::string& name) override;
  // Runs get ids run-1, run-2, ... and who "fake". GetSourceState fails
  // like the lists (FailLists).
  Result<api::SyncRun> RecordSyncRun(const api::SyncRun& run) override;
  Result<std::vector<api::SyncRun>> ListSyncRuns(const std::string& source) override;
  Result<api::SourceState> GetSourceState(const std::string& id) override;
  Result<api::SourceState> PutSourceState(const api::SourceState& state) override;
  std::vector<api::SyncRun> SyncRuns() const;

  // Clients on "connections" of their own, all talking to this cluster.
  ClusterConnector Connector();

  // Stores the object as another writer would: a new resourceVersion,
  // generation 1 for a new object, status as given.
  void Store(api::Node node);
  void Store(api::Project project);
  void Store(api::Secret secret);  // values become digests
  std::optional<api::Secret> FindSecret(const std::string& name) const;
  // The request bodies of every Secret write, as sent (values included).
  std::vector<std::string> SecretWrites() const;
  std::optional<api::Node> FindNode(const std::string& name) const;
  std::optional<api::Project> FindProject(const std::string& name) const;

  // Every list fails with `status` until it is set back to Ok.
  void FailLists(Status status);
  // Called (without the lock held) after each project list: moves a rollout
  // along between the polls of a wait.
  void OnListProjects(std::function<void()> hook);
  // Called (without the lock held) before each write: lets a test race it.
  void BeforeWrite(std::function<void(const std::string& name)> hook);
  int writes() const;

 private:
  void RunBeforeWrite(const std::string& name);

  mutable std::mutex mu_;
  std::map<std::string, api::Node> nodes_;
  std::map<std::string, api::Project> projects_;
  std::map<std::string, api::Secret> secrets_;
  std::vector<std::string> secret_writes_;
  std::vector<api::SyncRun> runs_;
  std::map<std::string, api::SourceState> sources_;
  int64_t version_ = 0;
  int writes_ = 0;
  Status list_error_;
  std::function<void()> on_list_projects_;
  std::function<void(const std::string&)> before_write_;
};

// Sync's plan options for `source_id`, at the wall clock's now.
PlanOptions SyncOptionsFor(const std::string& source_id);

// What sync plans for `desired` against the cluster as it lists now; throws
// (failing the test) when the lists fail.
Plan PlanAgainst(FakeCluster& cluster, const std::vector<DesiredObject>& desired,
                 const PlanOptions& options);

}  // namespace cara::gitops
