// The listeners sync --watch can open next to its loop: --webhook-listen
// (push webhooks start the next round at once) and --metrics-listen
// (Prometheus metrics of the watcher). Both run on net::HttpServer, the
// server cara-server uses, with its deadlines and limits.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "gitops/source_spec.h"

// Declared only: the flag parser includes this header (via cli/commands.h).
namespace cara::gitops {
class SyncWatch;
}
namespace cara::net {
class HttpServer;
}

namespace cara::cli {

class WatchMetrics;

struct WatchEndpointOptions {
  std::string webhook_listen;       // HOST:PORT; "" for no webhook listener
  std::string webhook_secret_file;  // else CARA_WEBHOOK_SECRET
  std::string webhook_tls_cert;     // PEM files: the listener serves HTTPS
  std::string webhook_tls_key;
  std::string metrics_listen;  // HOST:PORT; "" for no metrics listener
};

// The shared webhook secret: the file's first line (--webhook-secret-file),
// else CARA_WEBHOOK_SECRET. Invalid, naming the flag, when it is missing,
// unreadable or empty.
Result<std::string> WebhookSecret(const WatchEndpointOptions& o);

// Flag checks before anything runs (exit 2): the listeners need --watch,
// addresses are IP:PORT, TLS takes cert and key together, webhooks need a
// Git --repo and a secret.
Status CheckWatchEndpointFlags(const WatchEndpointOptions& o, bool watch,
                               const gitops::SourceSpec& source);

class WatchEndpoints {
 public:
  WatchEndpoints();
  ~WatchEndpoints();  // stops the listeners
  WatchEndpoints(const WatchEndpoints&) = delete;
  WatchEndpoints& operator=(const WatchEndpoints&) = delete;

  // Starts the listeners `o` asks for; webhooks poke `watch`, metrics
  // observe it. Must be destroyed before `watch`.
  Status Start(const WatchEndpointOptions& o, const gitops::SourceSpec& source,
               gitops::SyncWatch& watch);

 private:
  Status StartWebhooks(const WatchEndpointOptions& o, const gitops::SourceSpec& source,
                       gitops::SyncWatch& watch);
  Status StartMetrics(const WatchEndpointOptions& o);

  std::unique_ptr<WatchMetrics> metrics_;
  std::unique_ptr<net::HttpServer> webhook_server_;
  std::unique_ptr<net::HttpServer> metrics_server_;
};

}  // namespace cara::cli
