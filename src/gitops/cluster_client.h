// The GitOps pipeline's view of cara-server: list, read, write and delete
// objects. The CLI implements it over HTTP (cli/api_cluster_client.h); tests
// use an in-memory fake (tests/gitops/fake_cluster.h), so listing the live
// state, executing a plan, waiting for a rollout and the watch loop are
// unit-tested without a server.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/sync_run.h"
#include "api/types.h"
#include "common/status.h"

namespace cara::gitops {

// Errors follow the server's answer: NotFound (no such object), Conflict (a
// stale resourceVersion, a name or host already taken), Invalid (refused by
// the rules), Unavailable (transport); their messages are ready to show.
// `kind` is api::kKindNode, kKindProject or kKindSecret.
class ClusterClient {
 public:
  virtual ~ClusterClient() = default;

  // Every object of the kind, in the server's list order.
  virtual Result<std::vector<api::Node>> ListNodes() = 0;
  virtual Result<std::vector<api::Project>> ListProjects() = 0;
  // Secrets carry digests, never values. NotFound when the server does not
  // show this client its Secrets (a server without them, or a role such as
  // preview that may not read them).
  virtual Result<std::vector<api::Secret>> ListSecrets() = 0;

  // The object as the server stores it (JSON).
  virtual Result<std::string> Get(const std::string& kind, const std::string& name) = 0;

  // Writes return the server's response body: the object as stored (create,
  // replace) or as it is being removed (delete).
  virtual Result<std::string> Create(const std::string& kind, const std::string& json) = 0;
  virtual Result<std::string> Replace(const std::string& kind, const std::string& name,
                                      const std::string& json) = 0;
  virtual Result<std::string> Delete(const std::string& kind, const std::string& name) = 0;

  // The sync history: records a run (the server sets its id and who) and
  // returns it as stored; lists runs oldest first (one source's, or all
  // when `source` is empty).
  virtual Result<api::SyncRun> RecordSyncRun(const api::SyncRun& run) = 0;
  virtual Result<std::vector<api::SyncRun>> ListSyncRuns(const std::string& source) = 0;
  // Whether a source is suspended. A server that keeps no suspension (an
  // older one) reports every source as not suspended.
  virtual Result<api::SourceState> GetSourceState(const std::string& id) = 0;
  // Suspends or resumes (state.suspended, state.reason); returns the stored state.
  virtual Result<api::SourceState> PutSourceState(const api::SourceState& state) = 0;
};

// Opens a client on a connection of its own: plan execution runs one per
// worker thread.
using ClusterConnector = std::function<std::unique_ptr<ClusterClient>()>;

}  // namespace cara::gitops
