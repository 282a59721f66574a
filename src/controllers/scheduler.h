// project-scheduler: places Pending projects on nodes.
// A node is a candidate when it passes every check below, in this order; a
// node that fails counts in the Unschedulable message under the first check
// it fails (so the counts add up to the number of nodes):
//   1. not Draining (spec.unschedulable or state Draining)  "N Draining"
//   2. Ready, Docker answering, heartbeat fresh             "N NotReady"
//   3. every spec.nodeSelector label on the node, equal     "N didn't match nodeSelector"
//   4. none of the project's host ports held there by a
//      Scheduled/Running/Terminating project                "N port 8080/tcp in use"
//   5. free cpu (allocatable minus the requests of its
//      Scheduled/Running projects) fits the requests        "N insufficient cpu"
//   6. free memory likewise                                 "N insufficient memory"
// The candidate with the most free memory wins, creation order breaking ties.
// When nothing fits the project stays Pending with a Phase condition
// Unschedulable: "0/4 nodes available: 1 NotReady, 1 Draining, ..." (reasons
// in the order NotReady, Draining, then 3 to 6; ports in the project's order).
// Before any of that, a project referencing a missing Secret or key stays
// Pending with reason SecretNotFound (api/secret_rules.h).
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "api/secret_rules.h"
#include "api/types.h"
#include "controllers/config.h"
#include "controllers/controller.h"
#include "controllers/node_usage.h"
#include "controllers/scheduler_cache.h"

namespace cara::store {
class NodeLeases;
}

namespace cara::controllers {

struct Placement {
  std::string node;     // empty when nothing fits
  std::string message;  // "0/3 nodes available: 1 NotReady, ..." when nothing fits
};

// The pure placement decision, separated from the store for tests and benchmarks.
Placement ChooseNode(const api::Project& project, const std::vector<api::Node>& nodes,
                     const std::vector<api::Project>& placed, Timestamp now,
                     Duration heartbeat_timeout);
// The same, given what is already held on each node (the project's own load
// must not be in `used`). A node's heartbeat is fresh by its stored time or
// by its lease in `leases` (heartbeats that change nothing else are not
// writes: store/node_leases.h).
Placement ChooseNodeByUsage(const api::Project& project, const std::vector<api::Node>& nodes,
                            const NodeUsage& used, Timestamp now, Duration heartbeat_timeout,
                            const store::NodeLeases* leases = nullptr);

// The same, with each node's allocatable parsed already (NodeAllocatable,
// index for index): what the scheduler's view keeps, so a decision parses
// nothing.
Placement ChooseNodeAmong(const api::Project& project, const std::vector<api::Node>& nodes,
                          const std::vector<Resources>& allocatable, const NodeUsage& used,
                          Timestamp now, Duration heartbeat_timeout,
                          const store::NodeLeases* leases = nullptr);

// True when every label of `selector` is on the node with the same value.
bool MatchesNodeSelector(const api::Node& node, const api::StringMap& selector);

// A lookup that finds no Secret (for a store that holds none).
api::SecretLookup NoSecrets();

// Decisions are made in batches: up to kMaxBatch Pending projects at a
// time, in queue order, on the cache's view, each decision counting the room
// of those before it; then ONE store transaction (Store::UpdateProjects)
// writes them all, re-checking for each that the project is unchanged since
// it was decided and its node still exists and is schedulable (under the
// node's lock). A write refused there skips only that project, which is
// looked at again at once on a refreshed view.
class SchedulerController final : public StoreController {
 public:
  static constexpr size_t kMaxBatch = 256;

  // `secrets` tells whether the Secrets a project references exist (a
  // project whose references do not resolve stays Pending, SecretNotFound).
  SchedulerController(store::Store* store, Clock* clock, ControllerConfig config,
                      api::SecretLookup secrets = NoSecrets(),
                      std::shared_ptr<EventRecorder> events = nullptr)
      : StoreController(store, clock, config, std::move(events)),
        cache_(store),
        secrets_(std::move(secrets)) {}

  const char* Name() const override { return "project-scheduler"; }
  Result<ReconcileResult> Reconcile(const std::string& name) override;
  size_t MaxBatch() const override { return kMaxBatch; }
  std::vector<Result<ReconcileResult>> ReconcileBatch(
      const std::vector<std::string>& names) override;
  Result<std::vector<std::string>> ResyncKeys() override;
  void OnEvent(const store::Event& event, Enqueuer& enqueuer) override;

 private:
  struct Batch;
  // Decides one Pending project into the batch.
  void Decide(size_t index, const api::Project& project, Batch& batch);
  // Writes the batch and turns each write's outcome into its key's result.
  void Write(Batch& batch, std::vector<Result<ReconcileResult>>& results);
  Result<ReconcileResult> Placed(Batch& batch, size_t w, const Result<api::Project>& written);
  Result<ReconcileResult> Held(Batch& batch, size_t w, const Result<api::Project>& written);

  // One batch at a time: two workers deciding on the same view could both
  // fill the last room on a node.
  std::mutex decide_mu_;
  SchedulerCache cache_;
  api::SecretLookup secrets_;
};

}  // namespace cara::controllers
