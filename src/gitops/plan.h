// The plan engine shared by `caractrl diff`, `sync` and `apply`: desired
// objects (validated manifests) and live objects (one list per kind) in, an
// ordered list of actions out. Pure data: no HTTP, no clock, no files, so the
// same inputs always give the same plan and the same plan hash.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/label_selector.h"
#include "api/types.h"
#include "common/clock.h"
#include "gitops/field_diff.h"
#include "gitops/project_health.h"

namespace cara::gitops {

// Ownership metadata written by `caractrl sync`.
inline constexpr char kManagedByLabel[] = "caravanserai.io/managed-by";
inline constexpr char kManagedByValue[] = "caractrl";
inline constexpr char kSourceAnnotation[] = "caravanserai.io/source";
inline constexpr char kPruneAnnotation[] = "caravanserai.io/prune";
inline constexpr char kPruneDisabled[] = "disabled";

// One validated manifest.
struct DesiredObject {
  std::string kind;         // api::kKindNode | kKindProject | kKindSecret
  std::string name;         // metadata.name
  nlohmann::json document;  // the manifest as written (status is ignored)
  std::string origin;       // where it was defined, "projects/web.yaml:3"
};

// The cluster as listed from the server.
struct LiveState {
  std::vector<api::Node> nodes;
  std::vector<api::Project> projects;
  std::vector<api::Secret> secrets;  // digests, never values
};

struct PlanOptions {
  Timestamp now;  // decides which manifests have expired
  // Empty: no ownership (caractrl apply). Otherwise every written object is
  // labelled managed-by=caractrl and annotated with this source id, and only
  // objects carrying the same id are ever pruned.
  std::string source_id;
  bool prune = true;         // delete owned objects missing from the source
  bool prune_nodes = false;  // nodes are pruned only when asked for
  bool allow_empty = false;  // an empty source is refused otherwise
  int max_delete = -1;       // < 0: max(10, 25% of the owned objects)
  // A partial sync (--selector): only manifests whose labels match are
  // planned, and only owned live objects that match are pruned (an object
  // still in the source is never pruned, whatever its labels).
  api::LabelSelector selector;
  // Threads that plan the manifests (0: every core). The plan is the same
  // whatever the number.
  size_t threads = 0;
};

// kDrift is an update that reverts a live edit: the source has not changed
// since sync last applied the object (gitops/applied_hash.h).
enum class ActionType {
  kCreate,
  kUpdate,
  kDrift,
  kDrain,
  kUndrain,
  kDelete,
  kExpire,
  kNoop,
  kSkip
};

// "create", "update", ... as used in reports.
const char* ActionName(ActionType type);

struct Action {
  ActionType type = ActionType::kNoop;
  std::string kind;
  std::string name;
  std::string origin;  // the manifest's location; empty for prunes
  std::string reason;  // why, for delete/expire/skip/noop; empty otherwise
  // Actions run stage by stage (0, 1, ...); those of one stage may run in
  // parallel. Writes come first, by sync wave (ascending), then deletes, by
  // wave (descending); within a wave: node writes, secret writes, project
  // writes, or project deletes, secret deletes, node deletes.
  int stage = 0;
  int wave = 0;  // caravanserai.io/sync-wave (sync_wave.h); of the live object for prunes
  // The object is declared in the source (false for prunes). A skip of such
  // an object leaves it unapplied (Plan::Unapplied).
  bool in_source = false;
  // The source declares an object that another sync source owns: it cannot
  // converge, so diff reports a difference and sync a failure.
  bool conflict = false;
  // True when executing the action writes to the server: create, update,
  // drain, undrain, delete, and expire of an object that still exists.
  bool mutates = false;
  std::vector<FieldChange> changes;
  // Projects that exist: their live phase and health, whatever the action.
  std::optional<ProjectHealth> health;
  // The comparable views (metadata.labels, metadata.annotations, spec, with
  // defaults applied): null where the object does not exist on that side.
  nlohmann::json before;
  nlohmann::json after;
  // What to send: the full object for POST (create) or PUT (update, drain,
  // undrain; carries the live resourceVersion so a concurrent edit is a
  // conflict, not a lost update). Null for the other actions.
  nlohmann::json body;
};

struct Plan {
  // Deterministic order, the order of the stages: per wave (ascending) node
  // creates/updates/drains, secret creates/updates, project
  // creates/updates; then per wave (descending) project deletes/expires,
  // secret deletes, node deletes; by name within each group, with skips and
  // noops in the group they belong to.
  std::vector<Action> actions;
  // Prune guards that fired ("the source is empty ..."): sync refuses to run
  // the plan (exit 3); diff shows them.
  std::vector<std::string> refusals;
  int owned = 0;     // live objects carrying this source id
  std::string hash;  // hex SHA-256 over the mutating actions and their bodies

  int Count(ActionType type) const;
  int Mutating() const;
  int Conflicts() const;
  // Projects of the source that are Failed or unhealthy, in sync or not
  // (not those being pruned or expired: they are going away).
  int Degraded() const;
  // Objects of the source that the plan does not write (skipped: terminating,
  // owned by another source, or not decodable): the cluster does not match
  // the source, so diff reports a difference and sync fails.
  int Unapplied() const;
  bool InSync() const { return Mutating() == 0 && Unapplied() == 0; }
};

Plan ComputePlan(const std::vector<DesiredObject>& desired, const LiveState& live,
                 const PlanOptions& options);

// ComputePlan a chunk of manifests at a time, so a large source need not be
// held whole (diff and sync plan each chunk as it is checked and let it go):
// Add the chunks in source order, then Finish once; the plan is
// ComputePlan's of all of them together. `live` must outlive the builder.
class PlanBuilder {
 public:
  PlanBuilder(const LiveState& live, PlanOptions options);
  ~PlanBuilder();
  PlanBuilder(const PlanBuilder&) = delete;
  PlanBuilder& operator=(const PlanBuilder&) = delete;

  void Add(const std::vector<DesiredObject>& desired);
  // The same, freeing each document once it is planned.
  void Add(std::vector<DesiredObject>&& desired);
  Plan Finish();

 private:
  struct State;
  void AddChunk(const std::vector<DesiredObject>& desired, std::vector<DesiredObject>* release);
  std::unique_ptr<State> state_;
};

// For retrying an update that lost a race with a status write (a heartbeat,
// an agent's phase report): true when `fresh` still has the labels,
// annotations and spec the action was planned against, so sending the same
// body with fresh's resourceVersion overwrites nothing new.
bool StillAsPlanned(const Action& action, const api::Node& fresh);
bool StillAsPlanned(const Action& action, const api::Project& fresh);
bool StillAsPlanned(const Action& action, const api::Secret& fresh);

}  // namespace cara::gitops
