// The store: typed, transactional access to Nodes and Projects over a Backend.
// Every write sets updatedAt and a new resourceVersion, bumps generation when
// the spec changes, and notifies subscribers after it commits.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "api/types.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/backend.h"

namespace cara::store {

enum class EventType { kCreated, kUpdated, kDeleted };

struct Event {
  EventType type;
  std::string kind;  // api::kKindNode | api::kKindProject
  std::string name;
  std::string old_phase;  // Node state / Project phase before the write ("" on create)
  std::string new_phase;  // after the write ("" on delete)
  // Nodes and Projects: the write's revision and the object as written (on
  // delete: its last state, with the deletion's revision), so watchers see
  // every state, not only the latest. From another replica the body is
  // left out when it would not fit in a notification (then 0 and "").
  int64_t revision = 0;
  int64_t create_revision = 0;
  std::string body = {};
};

using Listener = std::function<void(const Event&)>;

struct ProjectFilter {
  std::vector<std::string> phases;  // empty = all; an entry may be "" (exact match)
  std::string node_ref;             // empty = any node
  std::string name_prefix = {};     // empty = any name
};

// Return kOk to write the (possibly changed) object, any error to abort. An
// unchanged object is not written at all.
using NodeMutator = std::function<Status(api::Node&)>;
using ProjectMutator = std::function<Status(api::Project&)>;
// Like ProjectMutator, but may ask for the record to be removed.
using ProjectMutation = std::function<Status(api::Project&, bool& remove)>;
// Sees the projects whose nodeRef names the node; an error vetoes the delete.
using NodeDeleteGuard = std::function<Status(const std::vector<api::Project>& on_node)>;

// One write of Store::UpdateProjects.
struct ProjectWrite {
  std::string name;
  // Written only while the project is still at this resourceVersion (empty: any).
  std::string resource_version;
  // When set, written only while this node exists and passes the batch's
  // NodeCheck, holding the node's lock (as UpdateProjectOnNode).
  std::string node;
  // Changes the status only: a spec change is refused (Invalid).
  ProjectMutator mutate;
};
// Whether a project may be put on `node` now; an error refuses it.
using NodeCheck = std::function<Status(const api::Node& node)>;

// Errors: NotFound / AlreadyExists with the sentinel texts "resource not found" /
// "resource already exists"; Unavailable when the database cannot be reached.
class Store {
 public:
  Store(std::unique_ptr<Backend> backend, Clock* clock);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& BackendName() const { return backend_name_; }
  Status Ping();

  // Listeners run on the writer's thread after commit (or on the remote-event
  // thread), for the events of `kinds` only. Unsubscribe waits for calls in
  // flight, so the listener's owner may be destroyed right after it returns.
  int Subscribe(Listener listener,
                std::vector<std::string> kinds = {api::kKindNode, api::kKindProject});
  void Unsubscribe(int id);

  // Also deliver the changes other processes make to the same database (a
  // PostgreSQL replica's API writes) to the listeners, on a background thread.
  // Later calls do nothing.
  Status EnableRemoteEvents();

  // See Backend::TryAcquireLeadership.
  Result<std::unique_ptr<LeaderLease>> TryAcquireLeadership();

  Result<api::Node> CreateNode(api::Node node);
  Result<api::Node> GetNode(const std::string& name);
  Result<std::vector<api::Node>> ListNodes();
  Result<api::Node> UpdateNode(const std::string& name, const NodeMutator& mutate);
  // UpdateNode for many nodes in one transaction (a fleet's transitions
  // after a restart are one commit per batch, not per node): one result
  // per name, in order; a node that is gone is NotFound in its slot, any
  // other failure fails them all. Nodes are locked in name order.
  std::vector<Result<api::Node>> UpdateNodes(
      const std::vector<std::string>& names,
      const std::function<Status(const std::string& name, api::Node&)>& mutate);
  Status DeleteNode(const std::string& name, const NodeDeleteGuard& guard = nullptr);

  Result<api::Project> CreateProject(api::Project project);
  Result<api::Project> GetProject(const std::string& name);
  Result<std::vector<api::Project>> ListProjects(const ProjectFilter& filter = {});
  Result<api::Project> UpdateProject(const std::string& name, const ProjectMutator& mutate);
  // Returns the object as written, or nullopt if the mutation removed it.
  Result<std::optional<api::Project>> MutateProject(const std::string& name,
                                                    const ProjectMutation& mutate);
  Status DeleteProject(const std::string& name);
  // UpdateProject while holding the lock of `node` (which must exist), so a
  // concurrent DeleteNode either sees the assignment or happens first.
  Result<api::Project> UpdateProjectOnNode(const std::string& name, const std::string& node,
                                           const ProjectMutator& mutate);

  // Many status writes in ONE transaction (the scheduler's batch): each
  // write is checked and applied on its own, as UpdateProjectOnNode (or
  // UpdateProject when it names no node) would, and one that fails its
  // checks is skipped with the reason, never aborting the others: NotFound
  // (the project, or "node X: ..." the node, is gone), Conflict (the project
  // changed since `resource_version`), the NodeCheck's or the mutator's
  // error. An unchanged project is not written. An error of the database
  // aborts them all. One event per written project, after the commit.
  Result<std::vector<Result<api::Project>>> UpdateProjects(const std::vector<ProjectWrite>& writes,
                                                           const NodeCheck& node_check = nullptr);

  // Records of kinds other than Node and Project (API tokens, audit): a JSON
  // body under (kind, name), in creation order, with no generation or phase.
  // With `announce`, listeners of the kind here and in other processes
  // (EnableRemoteEvents) hear of the change.
  Status InsertRecord(const std::string& kind, const std::string& name, const std::string& body,
                      bool announce);
  Status DeleteRecord(const std::string& kind, const std::string& name, bool announce);
  // A read-modify-write of one record in one transaction, for records with
  // their own versions (Secrets). `mutate` sees the current body (nullopt
  // when absent) and the revision this write will carry, and returns the body
  // to write (an insert when there was none) or nullopt to remove the record
  // (nothing happens if it was absent); the current body unchanged writes
  // nothing and announces nothing; an error aborts the transaction. It
  // may run more than once (retried transactions). Returns what was written.
  using RecordMutation = std::function<Result<std::optional<std::string>>(
      const std::optional<std::string>& current, int64_t revision)>;
  Result<std::optional<std::string>> MutateRecord(const std::string& kind, const std::string& name,
                                                  const RecordMutation& mutate, bool announce);
  // MutateRecord of many records of `kind` in one transaction (a batch of
  // events); an error of any aborts all. Returns what was written, in order.
  Result<std::vector<std::optional<std::string>>> MutateRecords(
      const std::string& kind, const std::vector<std::pair<std::string, RecordMutation>>& mutations,
      bool announce);
  Result<std::optional<std::string>> GetRecord(const std::string& kind, const std::string& name);
  // The newest `limit` records (0 = all), oldest first.
  Result<std::vector<std::string>> ListRecords(const std::string& kind, size_t limit = 0);
  // Deletes the oldest records of `kind` beyond the newest `keep`.
  Status TrimRecords(const std::string& kind, size_t keep);

  // Watches. The Nodes, Projects and announced records of `kinds` written
  // or deleted after revision `after` (see Backend::ChangesSince); deleted
  // Nodes and Projects are remembered for the deletion retention.
  Result<ChangeBatch> ChangesSince(const std::vector<std::string>& kinds, int64_t after,
                                   size_t limit);
  // Every change up to this revision is visible (see Backend::CommittedRevision).
  Result<int64_t> CommittedRevision();
  // Objects of `kind` per phase (a node's state, a project's phase), without
  // reading them: what the /metrics gauges show.
  Result<std::map<std::string, int64_t>> CountByPhase(const std::string& kind);
  // Rows of `kind` per name prefix, in the order given, without reading
  // them (Backend::CountByNamePrefix).
  Result<std::vector<int64_t>> CountByNamePrefix(const std::string& kind,
                                                 const std::vector<std::string>& prefixes);
  // Default 1 h.
  void SetDeletionRetention(Duration retention);

  // Raw JSON bodies exactly as served by the API (no decode/encode round trip).
  Result<std::string> GetRaw(const std::string& kind, const std::string& name);
  Result<std::vector<std::string>> ListRaw(const std::string& kind, const ProjectFilter& filter);
  // The names ListRaw would list, in its order, without decoding a body (a
  // phase filter reads the indexed phase column: a node's state, a
  // project's phase). What a controller's resync needs to find its keys.
  Result<std::vector<std::string>> ListNames(const std::string& kind, const ProjectFilter& filter);
  // One page of ListRaw in list order: at most `limit` bodies (0 = all)
  // after `after`; `next` is the key of the last one when more follow.
  struct RawPage {
    std::vector<std::string> items;
    std::optional<ListKey> next;
  };
  Result<RawPage> ListRawPage(const std::string& kind, const ProjectFilter& filter,
                              const std::optional<ListKey>& after, size_t limit);

 private:
  // CreateNode/CreateProject and GetNode/GetProject, written once.
  template <typename T>
  Result<T> Create(T object);
  template <typename T>
  Result<T> Get(const std::string& name);

  void Publish(const std::vector<Event>& events);
  // Writes the event into the transaction for other processes.
  Status Announce(Txn& txn, const Event& event);
  Status AnnounceAll(Txn& txn, const std::vector<Event>& events);
  void OnRemotePayload(const std::string& payload);

  std::unique_ptr<Backend> backend_;
  std::string backend_name_;
  Clock* clock_;
  std::atomic<Duration::rep> deletion_retention_{Duration(std::chrono::hours(1)).count()};
  std::mutex remote_mu_;
  bool remote_enabled_ = false;
  std::string origin_;  // tags our own notifications so we skip their echo
  std::shared_mutex listeners_mu_;
  struct Subscription {
    std::vector<std::string> kinds;
    Listener listener;
  };
  std::map<int, Subscription> listeners_;
  int next_listener_id_ = 1;
};

// Opens the backend named by a database URL: "postgresql://..." or
// "postgres://..." → PostgreSQL; "sqlite:PATH" → SQLite at PATH; empty →
// SQLite at <data_dir>/cara.db. Runs migrations.
Result<std::unique_ptr<Backend>> OpenBackend(const std::string& database_url,
                                             const std::string& data_dir);

}  // namespace cara::store
