#include "cli/plan_executor.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/types.h"
#include "cli/api_client.h"

namespace cara::cli {
namespace {

using gitops::Action;
using gitops::ActionType;

std::string Collection(const Action& a) {
  return a.kind == api::kKindNode ? "/api/v1/nodes" : "/api/v1/projects";
}

std::string Item(const Action& a) { return Collection(a) + "/" + PathEscape(a.name); }

const char* DoneVerb(ActionType type) {
  switch (type) {
    case ActionType::kCreate:
      return "created";
    case ActionType::kUpdate:
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

ActionOutcome Execute(ApiClient& client, const Action& a) {
  Result<ApiResponse> response = Status::Internal("not sent");
  switch (a.type) {
    case ActionType::kCreate:
      response = client.Post(Collection(a), a.body.dump());
      break;
    case ActionType::kUpdate:
    case ActionType::kDrain:
    case ActionType::kUndrain:
      response = client.Put(Item(a), a.body.dump());
      break;
    case ActionType::kDelete:
    case ActionType::kExpire:
      response = client.Delete(Item(a));
      // Someone else deleted it first: the goal is reached all the same.
      if (response.ok() && response->status == 404) return {true, DoneVerb(a.type), 0, ""};
      break;
    default:
      return {false, "not an executable action", 0, ""};
  }
  Status st = ExpectSuccess(response);
  if (!st.ok()) {
    if (st.code() == Code::kConflict && a.type != ActionType::kCreate) {
      return Failed(Status::Conflict(st.message() + " (changed since it was planned; sync again)"));
    }
    return Failed(st);
  }
  return {true, DoneVerb(a.type), GenerationOf(response->body), std::move(response->body)};
}

}  // namespace

std::vector<std::optional<ActionOutcome>> ExecutePlan(const std::string& server,
                                                      const gitops::Plan& plan, int parallelism,
                                                      const OutcomeCallback& on_done) {
  std::vector<std::optional<ActionOutcome>> outcomes(plan.actions.size());
  std::mutex mu;
  int last_stage = 0;
  for (const Action& a : plan.actions) last_stage = std::max(last_stage, a.stage);
  for (int stage = 0; stage <= last_stage; ++stage) {
    std::vector<size_t> todo;
    for (size_t i = 0; i < plan.actions.size(); ++i) {
      if (plan.actions[i].mutates && plan.actions[i].stage == stage) todo.push_back(i);
    }
    std::atomic<size_t> next{0};
    auto worker = [&] {
      ApiClient client(server);
      for (size_t k = next++; k < todo.size(); k = next++) {
        ActionOutcome outcome = Execute(client, plan.actions[todo[k]]);
        std::lock_guard<std::mutex> lock(mu);
        outcomes[todo[k]] = outcome;
        if (on_done) on_done(todo[k], outcome);
      }
    };
    size_t threads = std::min<size_t>(std::max(parallelism, 1), todo.size());
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  return outcomes;
}

}  // namespace cara::cli
