#include "gitops/plan_executor.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/types.h"
#include "common/shutdown_signal.h"

namespace cara::gitops {
namespace {

const char* DoneVerb(ActionType type) {
  switch (type) {
    case ActionType::kCreate:
      return "created";
    case ActionType::kUpdate:
    case ActionType::kDrift:
      return "configured";
    case ActionType::kDrain:
      return "drained";
    case ActionType::kUndrain:
      return "undrained";
    case ActionType::kDelete:
      return "deleted";
    case ActionType::kExpire:
      return "expired";
    default:
      return "done";
  }
}

int64_t GenerationOf(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("metadata")) return 0;
  return j["metadata"].value("generation", int64_t{0});
}

ActionOutcome Failed(const Status& st) { return {false, st.message(), 0, ""}; }

Result<std::string> Send(ClusterClient& client, const Action& a, const nlohmann::json& body) {
  switch (a.type) {
    case ActionType::kCreate:
      return client.Create(a.kind, body.dump());
    case ActionType::kUpdate:
    case ActionType::kDrift:
    case ActionType::kDrain:
    case ActionType::kUndrain:
      return client.Replace(a.kind, a.name, body.dump());
    case ActionType::kDelete:
    case ActionType::kExpire:
      return client.Delete(a.kind, a.name);
    default:
      return Status::Internal("not an executable action");
  }
}

bool IsWrite(const Action& a) {
  return a.type == ActionType::kUpdate || a.type == ActionType::kDrift ||
         a.type == ActionType::kDrain || a.type == ActionType::kUndrain;
}

enum class Rebase {
  kResend,    // only the version moved: *body carries the fresh one
  kEdited,    // somebody changed what was planned: give up
  kNotStale,  // the version we sent is current: the 409 is about something
              // else (an ingress host another project holds, say)
};

// An update that lost a race (409) is sent again with the fresh
// resourceVersion, but only when the object still has the labels,
// annotations and spec it was planned against: a heartbeat or a status
// report moved the version, not somebody's edit.
Rebase RebaseOnConflict(ClusterClient& client, const Action& a, nlohmann::json* body) {
  auto fresh = client.Get(a.kind, a.name);
  if (!fresh.ok()) return Rebase::kEdited;
  std::string version;
  if (a.kind == api::kKindNode) {
    auto node = api::ParseNode(*fresh);
    if (!node.ok() || !StillAsPlanned(a, *node)) return Rebase::kEdited;
    version = node->metadata.resource_version;
  } else if (a.kind == api::kKindSecret) {
    auto secret = api::ParseSecret(*fresh);
    if (!secret.ok() || !StillAsPlanned(a, *secret)) return Rebase::kEdited;
    version = secret->metadata.resource_version;
  } else {
    auto project = api::ParseProject(*fresh);
    if (!project.ok() || !StillAsPlanned(a, *project)) return Rebase::kEdited;
    version = project->metadata.resource_version;
  }
  const nlohmann::json& sent = (*body)["metadata"]["resourceVersion"];
  if (sent.is_string() && sent == version) return Rebase::kNotStale;
  (*body)["metadata"]["resourceVersion"] = version;
  return Rebase::kResend;
}

bool LostRace(const Result<std::string>& response) {
  return response.status().code() == Code::kConflict;
}

ActionOutcome Execute(ClusterClient& client, const Action& a) {
  nlohmann::json body = a.body;
  Result<std::string> response = Send(client, a, body);
  Rebase rebase = Rebase::kResend;
  for (int retry = 0; retry < 3 && IsWrite(a) && LostRace(response); ++retry) {
    rebase = RebaseOnConflict(client, a, &body);
    if (rebase != Rebase::kResend) break;
    response = Send(client, a, body);
  }
  // Someone else deleted it first: the goal is reached all the same.
  if (!IsWrite(a) && a.type != ActionType::kCreate && response.status().code() == Code::kNotFound) {
    return {true, DoneVerb(a.type), 0, ""};
  }
  Status st = response.status();
  if (!st.ok()) {
    if (st.code() == Code::kConflict && IsWrite(a) && rebase != Rebase::kNotStale) {
      return Failed(Status::Conflict(st.message() + " (edited since it was planned; sync again)"));
    }
    return Failed(st);
  }
  return {true, DoneVerb(a.type), GenerationOf(*response), std::move(*response)};
}

}  // namespace

void ExecuteStages(const ClusterConnector& connect, const Plan& plan, int first, int last,
                   int parallelism, const OutcomeCallback& on_done, const std::atomic<bool>* stop,
                   std::vector<std::optional<ActionOutcome>>* outcomes) {
  std::mutex mu;
  for (int stage = first; stage <= last && !(stop && stop->load()); ++stage) {
    std::vector<size_t> todo;
    for (size_t i = 0; i < plan.actions.size(); ++i) {
      if (plan.actions[i].mutates && plan.actions[i].stage == stage) todo.push_back(i);
    }
    std::atomic<size_t> next{0};
    auto worker = [&] {
      BlockShutdownSignalsInThisThread();
      std::unique_ptr<ClusterClient> client = connect();
      for (size_t k = next++; k < todo.size() && !(stop && stop->load()); k = next++) {
        ActionOutcome outcome = Execute(*client, plan.actions[todo[k]]);
        std::lock_guard<std::mutex> lock(mu);
        (*outcomes)[todo[k]] = outcome;
        if (on_done) on_done(todo[k], outcome);
      }
    };
    size_t threads = std::min<size_t>(std::max(parallelism, 1), todo.size());
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
}

std::vector<std::optional<ActionOutcome>> ExecutePlan(const ClusterConnector& connect,
                                                      const Plan& plan, int parallelism,
                                                      const OutcomeCallback& on_done,
                                                      const std::atomic<bool>* stop) {
  std::vector<std::optional<ActionOutcome>> outcomes(plan.actions.size());
  int last_stage = 0;
  for (const Action& a : plan.actions) last_stage = std::max(last_stage, a.stage);
  ExecuteStages(connect, plan, 0, last_stage, parallelism, on_done, stop, &outcomes);
  return outcomes;
}

}  // namespace cara::gitops
