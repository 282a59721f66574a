// The sync history (POST/GET /api/v1/syncruns) and the suspension of GitOps
// sources (GET/PUT /api/v1/sources/{id}). Who recorded a run or changed a
// source is the caller's token id, never a field of the body. Lists are in
// the order runs were recorded, newest last, like `kubectl rollout history`.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "api/sync_run.h"
#include "server/access_control.h"
#include "server/handler_context.h"
#include "server/response.h"
#include "server/router.h"
#include "store/sync_run_records.h"

namespace cara::server {
namespace {

using nlohmann::json;

std::string Caller(const PathParams& p) {
  auto it = p.find(kCallerTokenIdParam);
  return it == p.end() ? "" : it->second;
}

Problem InvalidBody(const std::string& what, const std::vector<api::SchemaError>& errors) {
  std::string detail = "invalid " + what + ":";
  for (const auto& e : errors) detail += " " + e.pointer + ": " + e.message + ";";
  detail.pop_back();
  return BadRequest(detail, errors);
}

Decoded<api::SyncRun> DecodeRunBody(const std::string& text) {
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return BadRequest("invalid request body: expected a JSON object");
  std::vector<api::SchemaError> errors;
  api::SyncRun run = api::DecodeSyncRunRequest(body, errors);
  if (!errors.empty()) return InvalidBody("sync run", errors);
  return run;
}

Decoded<api::SourceState> DecodeSourceBody(const std::string& text, const std::string& id) {
  if (std::string problem = api::SourceIdProblem(id); !problem.empty()) {
    return BadRequest("invalid source id: " + problem);
  }
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return BadRequest("invalid request body: expected a JSON object");
  std::vector<api::SchemaError> errors;
  api::SourceState state = api::DecodeSourceStateRequest(body, id, errors);
  if (!errors.empty()) return InvalidBody("source state", errors);
  return state;
}

class SyncRunHandlers {
 public:
  explicit SyncRunHandlers(const HandlerContext& ctx) : ctx_(ctx) {}

  void Create(const httplib::Request& req, httplib::Response& res, const PathParams& p) {
    auto run = DecodeRunBody(req.body);
    if (!run.ok()) return WriteProblem(res, run.error());
    run->who = Caller(p);
    auto stored = store::InsertSyncRun(*ctx_.store, std::move(*run));
    if (!stored.ok()) return WriteError(res, stored.status());
    WriteJson(res, 201, api::EncodeSyncRun(*stored).dump());
  }

  // ?source=ID: that source's runs. namePrefix (set for preview tokens by
  // the access control): only runs within that prefix.
  void List(const httplib::Request& req, httplib::Response& res, const PathParams&) {
    auto runs = store::ListSyncRuns(*ctx_.store, req.get_param_value("source"));
    if (!runs.ok()) return WriteError(res, runs.status());
    const bool narrowed = req.has_param("namePrefix");
    const std::string prefix = req.get_param_value("namePrefix");
    std::vector<std::string> items;
    for (const api::SyncRun& run : *runs) {
      if (narrowed && !api::RunWithinPrefix(run, prefix)) continue;
      items.push_back(api::EncodeSyncRun(run).dump());
    }
    WriteJson(res, 200, JoinListBody(api::kKindSyncRunList, items));
  }

  void Get(const httplib::Request&, httplib::Response& res, const PathParams& p) {
    auto run = store::GetSyncRun(*ctx_.store, p.at("name"));
    if (!run.ok()) return WriteError(res, run.status());
    if (!*run) return WriteProblem(res, 404, "sync run not found: " + p.at("name"));
    WriteJson(res, 200, api::EncodeSyncRun(**run).dump());
  }

  void GetSource(const httplib::Request&, httplib::Response& res, const PathParams& p) {
    if (std::string problem = api::SourceIdProblem(p.at("name")); !problem.empty()) {
      return WriteProblem(res, 400, "invalid source id: " + problem);
    }
    auto state = store::GetSourceState(*ctx_.store, p.at("name"));
    if (!state.ok()) return WriteError(res, state.status());
    WriteJson(res, 200, api::EncodeSourceState(*state).dump());
  }

  void PutSource(const httplib::Request& req, httplib::Response& res, const PathParams& p) {
    auto state = DecodeSourceBody(req.body, p.at("name"));
    if (!state.ok()) return WriteProblem(res, state.error());
    state->by = Caller(p);
    auto stored = store::PutSourceState(*ctx_.store, std::move(*state), ctx_.clock->Now());
    if (!stored.ok()) return WriteError(res, stored.status());
    WriteJson(res, 200, api::EncodeSourceState(*stored).dump());
  }

 private:
  HandlerContext ctx_;
};

}  // namespace

void RegisterSyncRunRoutes(Router& router, const HandlerContext& ctx) {
  auto h = std::make_shared<SyncRunHandlers>(ctx);
  router.Add("POST", "/api/v1/syncruns", h, &SyncRunHandlers::Create);
  router.Add("GET", "/api/v1/syncruns", h, &SyncRunHandlers::List);
  router.Add("GET", "/api/v1/syncruns/{name}", h, &SyncRunHandlers::Get);
  router.Add("GET", "/api/v1/sources/{name}", h, &SyncRunHandlers::GetSource);
  router.Add("PUT", "/api/v1/sources/{name}", h, &SyncRunHandlers::PutSource);
}

}  // namespace cara::server
