#include "server/api_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/types.h"
#include "common/log.h"
#include "common/version.h"
#include "server/handler_context.h"
#include "server/metrics.h"
#include "server/response.h"
#include "server/router.h"

namespace cara::server {

void ConfigureHttpServer(httplib::Server& http, const ServerOptions& options,
                         std::function<void(int listen_fd)> on_listen_socket) {
  size_t threads = options.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_tcp_nodelay(true);
  http.set_keep_alive_max_count(options.keep_alive_max_count);
  http.set_keep_alive_timeout(options.keep_alive_timeout_seconds);
  http.set_payload_max_length(options.max_body_bytes);
  http.set_socket_options([on_listen_socket = std::move(on_listen_socket)](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (on_listen_socket) on_listen_socket(sock);
  });
}
namespace {

// cpp-httplib compiles a listen backlog of 5 into the library; bursts of
// connects (many agents, wrk) then stall. Linux lets a second listen() raise it.
constexpr int kListenBacklog = 1024;

void AddStoreGauges(Metrics& metrics, store::Store* store) {
  metrics.AddCollector([store](std::string& out) {
    auto nodes = store->ListNodes();
    auto projects = store->ListProjects();
    if (!nodes.ok() || !projects.ok()) return;
    std::map<std::string, int> by_state = {
        {api::kNodeReady, 0}, {api::kNodeNotReady, 0}, {api::kNodeDraining, 0}};
    for (const auto& n : *nodes) by_state[n.status.state]++;
    std::map<std::string, int> by_phase = {{api::kPhasePending, 0},     {api::kPhaseScheduled, 0},
                                           {api::kPhaseRunning, 0},     {api::kPhaseFailed, 0},
                                           {api::kPhaseTerminating, 0}, {api::kPhaseTerminated, 0}};
    for (const auto& p : *projects) by_phase[p.status.phase]++;
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

}  // namespace

struct ApiServer::Impl {
  Impl(store::Store* store, Clock* clock, ServerOptions options)
      : store(store), options(options), router(&metrics), ctx{store, clock, options} {}

  void RegisterRoutes() {
    RegisterNodeRoutes(router, ctx);
    RegisterProjectRoutes(router, ctx);
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
    router.Add("GET", "/metrics", [this](const auto&, auto& res, const PathParams&) {
      res.set_content(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    AddStoreGauges(metrics, store);
  }

  void ConfigureHttp() {
    ConfigureHttpServer(http, options, [this](int fd) { listen_fd = fd; });
    auto dispatch = [this](const httplib::Request& req, httplib::Response& res) {
      router.Dispatch(req, res);
    };
    http.Get(".*", dispatch);
    http.Post(".*", dispatch);
    http.Put(".*", dispatch);
    http.Patch(".*", dispatch);
    http.Delete(".*", dispatch);
    http.Options(".*", dispatch);
    // Errors raised inside httplib itself (oversized body, malformed request)
    // still answer in problem+json; our own error responses already have a body.
    httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request&,
                                                           httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      if (res.status == 413) {
        WriteProblem(res, 413,
                     "request body exceeds the limit of " + std::to_string(options.max_body_bytes) +
                         " bytes");
      } else {
        WriteProblem(res, res.status, StatusTitle(res.status));
      }
      return httplib::Server::HandlerResponse::Handled;
    };
    http.set_error_handler(on_error);
    http.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "unknown exception";
          try {
            if (ep) std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          LOG_ERROR("handler panicked").Kv("error", what);
          WriteProblem(res, 500, "Internal server error");
        });
  }

  store::Store* store;
  ServerOptions options;
  Metrics metrics;
  Router router;
  HandlerContext ctx;
  httplib::Server http;
  std::atomic<int> listen_fd{-1};
  int bound_port = 0;
  std::thread thread;
};

ApiServer::ApiServer(store::Store* store, Clock* clock, ServerOptions options)
    : impl_(std::make_unique<Impl>(store, clock, options)) {
  impl_->RegisterRoutes();
  impl_->ConfigureHttp();
}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::AddMetricsCollector(std::function<void(std::string& out)> collector) {
  impl_->metrics.AddCollector(std::move(collector));
}

Status ApiServer::Start() {
  const ServerOptions& o = impl_->options;
  int port = o.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(o.host);
    if (port < 0) return Status::Unavailable("cannot bind " + o.host + ": no free port");
  } else if (!impl_->http.bind_to_port(o.host, port)) {
    return Status::Unavailable("cannot listen on " + o.host + ":" + std::to_string(port) +
                               ": address in use or not permitted");
  }
  impl_->bound_port = port;
  if (impl_->listen_fd >= 0) ::listen(impl_->listen_fd, kListenBacklog);
  impl_->thread = std::thread([this] { impl_->http.listen_after_bind(); });
  return Status::Ok();
}

int ApiServer::port() const { return impl_->bound_port; }

void ApiServer::Stop() {
  if (!impl_->thread.joinable()) return;
  impl_->http.stop();
  impl_->thread.join();
}

}  // namespace cara::server
