#include "server/api_server.h"

#include <httplib.h>

#include <map>

#include <nlohmann/json.hpp>

#include "api/event.h"
#include "api/types.h"
#include "common/log.h"
#include "common/version.h"
#include "net/problem.h"
#include "server/access_control.h"
#include "server/audit_log.h"
#include "server/dashboard_assets.h"
#include "server/handler_context.h"
#include "server/httplib_adapter.h"
#include "server/metrics.h"
#include "server/response.h"
#include "server/router.h"
#include "server/token_cache.h"
#include "server/token_issuer.h"
#include "server/watch_hub.h"

namespace cara::server {

net::HttpServerOptions HttpServerOptionsFor(const ServerOptions& options) {
  net::HttpServerOptions http;
  http.host = options.host;
  http.port = options.port;
  http.handler_threads = options.threads;
  http.max_body_bytes = options.max_body_bytes;
  http.keep_alive_max_requests = options.keep_alive_max_count;
  http.idle_timeout = std::chrono::seconds(options.keep_alive_timeout_seconds);
  http.header_timeout = options.header_timeout;
  http.body_timeout = options.body_timeout;
  http.limits.max_connections = options.max_connections;
  http.limits.max_per_client = options.max_connections_per_client;
  http.limits.reserved_for_new_clients = options.reserved_connections;
  http.tls = options.tls;
  return http;
}

namespace {

void AddStoreGauges(Metrics& metrics, store::Store* store) {
  metrics.AddCollector([store](std::string& out) {
    // Counted in the database: a scrape of 100,000 projects reads no body.
    auto node_states = store->CountByPhase(api::kKindNode);
    auto project_phases = store->CountByPhase(api::kKindProject);
    if (!node_states.ok() || !project_phases.ok()) return;
    std::map<std::string, int64_t> by_state = {
        {api::kNodeReady, 0}, {api::kNodeNotReady, 0}, {api::kNodeDraining, 0}};
    for (const auto& [state, n] : *node_states) by_state[state] += n;
    std::map<std::string, int64_t> by_phase = {
        {api::kPhasePending, 0}, {api::kPhaseScheduled, 0},   {api::kPhaseRunning, 0},
        {api::kPhaseFailed, 0},  {api::kPhaseTerminating, 0}, {api::kPhaseTerminated, 0}};
    for (const auto& [phase, n] : *project_phases) by_phase[phase] += n;
    out += "# HELP cara_nodes Nodes by state.\n# TYPE cara_nodes gauge\n";
    for (const auto& [state, n] : by_state) {
      out += "cara_nodes{state=\"" + PromLabel(state) + "\"} " + std::to_string(n) + "\n";
    }
    out += "# HELP cara_projects Projects by phase.\n# TYPE cara_projects gauge\n";
    for (const auto& [phase, n] : by_phase) {
      out += "cara_projects{phase=\"" + PromLabel(phase) + "\"} " + std::to_string(n) + "\n";
    }
  });
}

// GET /api/v1/whoami, from what the access control found (the empty
// fields of other roles left out).
nlohmann::ordered_json WhoAmIJson(const PathParams& caller) {
  nlohmann::ordered_json body = {{"apiVersion", "caravanserai/v1"}, {"kind", "WhoAmI"}};
  const std::pair<const char*, const char*> fields[] = {{"role", kCallerRoleParam},
                                                        {"tokenId", kCallerTokenIdParam},
                                                        {"description", kCallerDescriptionParam},
                                                        {"namePrefix", kCallerNamePrefixParam},
                                                        {"maxTTL", kCallerMaxTtlParam},
                                                        {"node", kCallerNodeParam}};
  for (const auto& [field, param] : fields) {
    auto it = caller.find(param);
    if (it != caller.end() && !it->second.empty()) body[field] = it->second;
  }
  return body;
}

}  // namespace

struct ApiServer::Impl {
  Impl(store::Store* store, Clock* clock, ServerOptions options)
      : store(store),
        clock(clock),
        options(options),
        router(&metrics),
        ctx{store, clock, options},
        tokens(store),
        audit(store, clock, options.audit_retention),
        access(store, clock, options.require_auth ? &tokens : nullptr, &audit),
        watch_hub(store, clock, {api::kKindNode, api::kKindProject, api::kKindEvent}) {
    ctx.watch_hub = &watch_hub;
  }

  // Tokens are checked against the cache, which other replicas' changes
  // reach through the store's remote events.
  Status LoadTokens() {
    if (!options.require_auth) return Status::Ok();
    CARA_RETURN_IF_ERROR(store->EnableRemoteEvents());
    if (!options.admin_token.empty()) {
      CARA_RETURN_IF_ERROR(EnsureAdminToken(*store, options.admin_token, clock->Now()));
    }
    return tokens.Load();
  }

  void RegisterRoutes() {
    router.SetGuard(
        [this](const auto& req, auto& res, const std::string& pattern, const PathParams& params,
               const RouteHandler& handler) { access.Serve(req, res, pattern, params, handler); });
    RegisterNodeRoutes(router, ctx);
    RegisterProjectRoutes(router, ctx);
    RegisterTokenRoutes(router, ctx);
    RegisterJoinRoutes(router, ctx);
    RegisterProjectLogRoutes(router, ctx);
    RegisterProjectForwardRoutes(router, ctx);
    RegisterSecretRoutes(router, ctx);
    RegisterSyncRunRoutes(router, ctx);
    RegisterEventRoutes(router, ctx);
    router.Add("GET", "/api/healthz", [](const auto&, auto& res, const PathParams&) {
      res.set_content("OK", "text/plain; charset=utf-8");
    });
    // Open like healthz: `caractrl version` shows it.
    router.Add("GET", "/api/version", [](const auto&, auto& res, const PathParams&) {
      nlohmann::ordered_json body = {
          {"version", Version()}, {"commit", Commit()}, {"built", BuildTime()}};
      WriteJson(res, 200, body.dump());
    });
    router.Add("GET", "/api/readyz", [this](const auto&, auto& res, const PathParams&) {
      Status st = store->Ping();
      if (!st.ok()) {
        LOG_WARN("readiness check failed").Kv("error", st.ToString());
        return WriteProblem(res, 503, "store unreachable");
      }
      res.set_content("OK", "text/plain; charset=utf-8");
    });
    router.Add("GET", kWhoAmIPattern, [](const auto&, auto& res, const PathParams& caller) {
      WriteJson(res, 200, WhoAmIJson(caller).dump());
    });
    RegisterDashboardRoutes(router);
    router.Add("GET", "/metrics", [this](const auto&, auto& res, const PathParams&) {
      res.set_content(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    AddStoreGauges(metrics, store);
  }

  // Requests go through the router as cpp-httplib structs (the handlers'
  // vocabulary); errors the HTTP layer raises itself (malformed request,
  // too large, over capacity) answer in problem+json like the handlers'.
  void Handle(net::HttpRequest& in, net::HttpResponse& out) {
    httplib::Request req = ToHttplibRequest(in);
    httplib::Response res;
    try {
      router.Dispatch(req, res);
    } catch (const std::exception& e) {
      LOG_ERROR("handler panicked").Kv("error", e.what());
      res = httplib::Response();
      WriteProblem(res, 500, "Internal server error");
    }
    ToNetResponse(res, &out);
  }

  static void WriteHttpError(int status, const std::string& detail, net::HttpResponse& out) {
    out.status = status;
    out.headers = {{"Content-Type", net::kProblemContentType}};
    out.body = net::ProblemBody(status, detail);
  }

  store::Store* store;
  Clock* clock;
  ServerOptions options;
  Metrics metrics;
  Router router;
  HandlerContext ctx;
  TokenCache tokens;
  AuditLog audit;
  AccessControl access;
  // Outlives the HTTP server (declared before it): watches unregister from
  // it when their responses end.
  WatchHub watch_hub;
  net::HttpServer http{HttpServerOptionsFor(options),
                       [this](net::HttpRequest& req, net::HttpResponse& res) { Handle(req, res); },
                       WriteHttpError};
};

ApiServer::ApiServer(store::Store* store, Clock* clock, ServerOptions options)
    : impl_(std::make_unique<Impl>(store, clock, options)) {
  impl_->RegisterRoutes();
}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::AddMetricsCollector(std::function<void(std::string& out)> collector) {
  impl_->metrics.AddCollector(std::move(collector));
}

Status ApiServer::Start() {
  CARA_RETURN_IF_ERROR(impl_->LoadTokens());
  // Watches see the other replicas' writes through the store's remote events.
  CARA_RETURN_IF_ERROR(impl_->store->EnableRemoteEvents());
  CARA_RETURN_IF_ERROR(impl_->watch_hub.Start());
  return impl_->http.Start();
}

int ApiServer::port() const { return impl_->http.port(); }

void ApiServer::Stop() {
  impl_->http.Stop();
  impl_->watch_hub.Stop();
}

}  // namespace cara::server
