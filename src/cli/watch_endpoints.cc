#include "cli/watch_endpoints.h"

#include <arpa/inet.h>

#include <cstdlib>
#include <fstream>

#include "cli/watch_metrics.h"
#include "cli/webhook_receiver.h"
#include "common/log.h"
#include "gitops/manifest_source.h"
#include "gitops/sync_watch.h"
#include "net/host_port.h"
#include "net/http_server.h"

namespace cara::cli {
namespace {

constexpr char kSecretEnv[] = "CARA_WEBHOOK_SECRET";

// IP:PORT or :PORT (every interface): net::HttpServer binds IP literals only.
Result<net::HostPort> ListenAddress(const std::string& flag, const std::string& value) {
  auto address = net::SplitHostPort(value);
  if (!address.ok()) return Status::Invalid(flag + ": " + address.status().message());
  unsigned char ip[16];
  const std::string& host = address->host;
  if (!host.empty() && inet_pton(AF_INET, host.c_str(), ip) != 1 &&
      inet_pton(AF_INET6, host.c_str(), ip) != 1) {
    return Status::Invalid(flag + ": want IP:PORT or :PORT (e.g. 127.0.0.1:9000), not " + value);
  }
  return address;
}

net::HttpServerOptions ListenerOptions(const net::HostPort& address) {
  net::HttpServerOptions http;
  http.host = address.host.empty() ? "0.0.0.0" : address.host;
  http.port = address.port;
  // A few requests at a time: one Git host, one Prometheus.
  http.handler_threads = 4;
  // Push payloads list at most 20 commits (GitHub, GitLab): a few hundred
  // KB at worst. A larger one gets 413; the next interval round covers it.
  http.max_body_bytes = 5 << 20;
  return http;
}

Status StartServer(std::unique_ptr<net::HttpServer>& server, net::HttpServerOptions options,
                   net::HttpHandler handler, const char* what) {
  const std::string host = options.host;
  const bool tls = options.tls.enabled();
  server = std::make_unique<net::HttpServer>(std::move(options), std::move(handler));
  if (Status st = server->Start(); !st.ok()) {
    return Status::Invalid(std::string(what) + ": " + st.message());
  }
  LOG_INFO(std::string(what) + " listening")
      .Kv("address", net::JoinHostPort(host, server->port()))
      .Kv("tls", tls ? "true" : "false");
  return Status::Ok();
}

// GET /metrics, as Prometheus scrapes it.
void ServeMetrics(const WatchMetrics& metrics, const net::HttpRequest& req,
                  net::HttpResponse& res) {
  if (req.method != "GET" && req.method != "HEAD") {
    res.status = 405;
    res.SetHeader("Allow", "GET, HEAD");
    return;
  }
  if (req.target != "/metrics" && req.target.rfind("/metrics?", 0) != 0) {
    res.status = 404;
    res.SetHeader("Content-Type", "text/plain");
    res.body = "metrics are at /metrics\n";
    return;
  }
  res.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  res.body = metrics.Render();
}

}  // namespace

Result<std::string> WebhookSecret(const WatchEndpointOptions& o) {
  std::string secret;
  if (!o.webhook_secret_file.empty()) {
    std::ifstream in(o.webhook_secret_file);
    if (!in) return Status::Invalid("--webhook-secret-file: cannot read " + o.webhook_secret_file);
    std::getline(in, secret);
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
    if (secret.empty()) return Status::Invalid("--webhook-secret-file: the first line is empty");
    return secret;
  }
  if (const char* env = std::getenv(kSecretEnv); env != nullptr) secret = env;
  if (secret.empty()) {
    return Status::Invalid(std::string("--webhook-listen needs a secret: set ") + kSecretEnv +
                           " or --webhook-secret-file");
  }
  return secret;
}

Status CheckWatchEndpointFlags(const WatchEndpointOptions& o, bool watch,
                               const gitops::SourceSpec& source) {
  const bool webhook = !o.webhook_listen.empty();
  if ((webhook || !o.metrics_listen.empty()) && !watch) {
    return Status::Invalid(std::string(webhook ? "--webhook-listen" : "--metrics-listen") +
                           " needs --watch");
  }
  if (!webhook && (!o.webhook_secret_file.empty() || !o.webhook_tls_cert.empty() ||
                   !o.webhook_tls_key.empty())) {
    return Status::Invalid("--webhook-secret-file and --webhook-tls-* need --webhook-listen");
  }
  if (!o.metrics_listen.empty()) {
    CARA_RETURN_IF_ERROR(ListenAddress("--metrics-listen", o.metrics_listen).status());
  }
  if (!webhook) return Status::Ok();
  CARA_RETURN_IF_ERROR(ListenAddress("--webhook-listen", o.webhook_listen).status());
  if (source.repo.empty()) return Status::Invalid("--webhook-listen needs a Git --repo");
  if (o.webhook_tls_cert.empty() != o.webhook_tls_key.empty()) {
    return Status::Invalid("--webhook-tls-cert and --webhook-tls-key go together");
  }
  return WebhookSecret(o).status();
}

WatchEndpoints::WatchEndpoints() = default;

WatchEndpoints::~WatchEndpoints() {
  if (webhook_server_) webhook_server_->Stop();
  if (metrics_server_) metrics_server_->Stop();
}

Status WatchEndpoints::Start(const WatchEndpointOptions& o, const gitops::SourceSpec& source,
                             gitops::SyncWatch& watch) {
  if (!o.metrics_listen.empty()) {
    metrics_ = std::make_unique<WatchMetrics>(gitops::DeriveSourceId(source));
    watch.AddObserver([m = metrics_.get()](const gitops::RoundReport& r) { m->Observe(r); });
    CARA_RETURN_IF_ERROR(StartMetrics(o));
  }
  if (!o.webhook_listen.empty()) CARA_RETURN_IF_ERROR(StartWebhooks(o, source, watch));
  return Status::Ok();
}

Status WatchEndpoints::StartWebhooks(const WatchEndpointOptions& o,
                                     const gitops::SourceSpec& source, gitops::SyncWatch& watch) {
  auto secret = WebhookSecret(o);
  if (!secret.ok()) return secret.status();
  auto address = ListenAddress("--webhook-listen", o.webhook_listen);
  if (!address.ok()) return address.status();
  net::HttpServerOptions options = ListenerOptions(*address);
  options.tls.cert_file = o.webhook_tls_cert;
  options.tls.key_file = o.webhook_tls_key;
  if (!options.tls.enabled()) {
    // GitHub and Gitea sign each body, but GitLab sends the secret itself.
    LOG_WARN(
        "webhook listener without TLS: GitLab's X-Gitlab-Token crosses the network in "
        "clear; use --webhook-tls-cert/--webhook-tls-key or a TLS proxy in front");
  }
  auto receiver = std::make_shared<WebhookReceiver>(
      std::move(secret).value(), source, [&watch] { watch.Poke(); },
      [m = metrics_.get()](WebhookResult result) {
        if (m != nullptr) m->CountWebhook(WebhookResultName(result));
      });
  return StartServer(
      webhook_server_, std::move(options),
      [receiver](net::HttpRequest& req, net::HttpResponse& res) { receiver->Handle(req, res); },
      "webhook listener");
}

Status WatchEndpoints::StartMetrics(const WatchEndpointOptions& o) {
  auto address = ListenAddress("--metrics-listen", o.metrics_listen);
  if (!address.ok()) return address.status();
  net::HttpServerOptions options = ListenerOptions(*address);
  options.max_body_bytes = 64 << 10;
  const WatchMetrics* metrics = metrics_.get();
  return StartServer(
      metrics_server_, std::move(options),
      [metrics](net::HttpRequest& req, net::HttpResponse& res) {
        ServeMetrics(*metrics, req, res);
      },
      "metrics listener");
}

}  // namespace cara::cli
