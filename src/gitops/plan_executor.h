// Executing a plan against cara-server: stage by stage (nodes, projects,
// project deletes, node deletes), up to `parallelism` requests at once within
// a stage, each worker on its own connection (from `connect`). Only mutating actions are sent.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gitops/action_outcome.h"
#include "gitops/cluster_client.h"
#include "gitops/plan.h"

namespace cara::gitops {

// Called as each action finishes (from a worker thread, one call at a time).
using OutcomeCallback = std::function<void(size_t index, const ActionOutcome& outcome)>;

// Returns one entry per plan action; nullopt for actions that were not sent.
// Once *stop is set (SIGINT/SIGTERM), no new action is started: those in
// flight finish, the rest stay nullopt. Workers block SIGINT and SIGTERM so
// the signal lands on the calling thread and never interrupts a request.
// Runs only the stages first..last (inclusive) of `plan`, filling their
// entries of *outcomes (one per plan action): sync waves run one at a time.
void ExecuteStages(const ClusterConnector& connect, const Plan& plan, int first, int last,
                   int parallelism, const OutcomeCallback& on_done, const std::atomic<bool>* stop,
                   std::vector<std::optional<ActionOutcome>>* outcomes);

std::vector<std::optional<ActionOutcome>> ExecutePlan(const ClusterConnector& connect,
                                                      const Plan& plan, int parallelism,
                                                      const OutcomeCallback& on_done,
                                                      const std::atomic<bool>* stop = nullptr);

}  // namespace cara::gitops
