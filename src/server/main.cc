// cara-server: the Caravanserai control plane.
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/log.h"
#include "common/shutdown_signal.h"
#include "common/time_format.h"
#include "common/version.h"
#include "controllers/leader_election.h"
#include "controllers/standard_controllers.h"
#include "net/host_port.h"
#include "security/client_config_file.h"
#include "security/pki.h"
#include "server/admin_token.h"
#include "server/api_server.h"
#include "server/data_dir_backup.h"
#include "server/join_setup.h"
#include "server/node_lease_metrics.h"
#include "server/secret_keys.h"
#include "server/serving_tls.h"
#include "store/cached_backend.h"
#include "store/node_leases.h"
#include "store/store.h"

namespace {

using cara::Duration;

// Controller timings; the controller manager consumes them.
struct ControllerTimings {
  std::string heartbeat_timeout = "90s";
  std::string heartbeat_flush_interval = "1s";
  std::string resync_interval = "30s";
  std::string requeue_delay = "10s";
  std::string error_backoff = "5s";
  std::string running_grace_period = "3m";
  std::string terminating_timeout = "10m";
  std::string leader_retry_interval = "2s";
  std::string event_ttl = "1h";
};

struct Config {
  std::string host = "0.0.0.0";
  int port = 8080;
  std::string database_url;
  std::string data_dir = "./cara-data";
  bool no_controllers = false;
  bool debug = false;
  bool no_auth = false;
  std::string admin_token_file;
  std::string secrets_key_file;
  size_t threads = 64;
  size_t max_body_bytes = 1 << 20;
  std::string header_timeout = "10s";
  std::string body_timeout = "30s";
  size_t max_connections = 10000;
  size_t max_connections_per_client = 256;
  size_t reserved_connections = 64;
  size_t events_per_object = 100;
  bool insecure_http = false;
  cara::server::ServingTlsFlags tls;
  ControllerTimings timings;
};

void AddDuration(CLI::App& app, const std::string& flag, const std::string& env, std::string& value,
                 const std::string& help) {
  app.add_option(flag, value, help + " (Go duration)")
      ->envname(env)
      ->capture_default_str()
      ->check([](const std::string& v) {
        auto d = cara::ParseDuration(v);
        if (!d.ok()) return d.status().message();
        if (d->count() <= 0) return std::string("must be positive");
        return std::string();
      });
}

// A duration already checked by AddDuration.
std::chrono::milliseconds Millis(const std::string& value) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(*cara::ParseDuration(value));
}

// Every flag with its environment variable; the defaults are cfg's.
void AddFlags(CLI::App& app, Config& cfg) {
  app.set_version_flag("--version", cara::VersionLine("cara-server"));
  app.add_option("--host", cfg.host, "Listen address")->envname("HOST")->capture_default_str();
  app.add_option("--port", cfg.port, "Listen port")
      ->envname("PORT")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  app.add_option("--database-url", cfg.database_url,
                 "postgresql://... for PostgreSQL, sqlite:PATH or empty for embedded SQLite "
                 "in the data dir")
      ->envname("DATABASE_URL");
  app.add_option("--data-dir", cfg.data_dir, "Directory of the embedded SQLite store")
      ->envname("CARA_DATA_DIR")
      ->capture_default_str();
  app.add_flag("--no-controllers", cfg.no_controllers, "Serve the API only; run no controllers")
      ->envname("CARA_NO_CONTROLLERS");
  app.add_flag("--no-auth", cfg.no_auth,
               "Accept every call without a token, as admin (lab use only)")
      ->envname("CARA_NO_AUTH");
  app.add_option("--admin-token-file", cfg.admin_token_file,
                 "File holding the admin token (default: CARA_ADMIN_TOKEN, the token itself, "
                 "else <data dir>/admin.token, generated on first start)");
  app.add_option("--secrets-key-file", cfg.secrets_key_file,
                 "File holding the key Secret values are encrypted with (32 random bytes, "
                 "base64, mode 0600; default <data dir>/pki/secrets.key, generated on first "
                 "start). Back it up: Secrets cannot be read without it")
      ->envname("CARA_SECRETS_KEY_FILE");
  app.add_flag("--debug", cfg.debug, "Debug logging (one line per request)")->envname("DEBUG");
  app.add_option("--http-threads", cfg.threads,
                 "HTTP handler threads (a request holds one while its handler runs; idle and "
                 "slow connections hold none)")
      ->envname("CARA_HTTP_THREADS")
      ->capture_default_str()
      ->check(CLI::Range(2, 4096));
  app.add_option("--max-body-bytes", cfg.max_body_bytes,
                 "Largest accepted request body (chunked bodies too)")
      ->envname("CARA_MAX_BODY_BYTES")
      ->capture_default_str();
  AddDuration(app, "--header-timeout", "CARA_HEADER_TIMEOUT", cfg.header_timeout,
              "Time a client has to send a request's headers");
  AddDuration(app, "--body-timeout", "CARA_BODY_TIMEOUT", cfg.body_timeout,
              "Time a client has to send a request's body, after its headers");
  app.add_option("--max-connections", cfg.max_connections,
                 "Open HTTP connections at most (also bounded by the open files limit)")
      ->envname("CARA_MAX_CONNECTIONS")
      ->capture_default_str()
      ->check(CLI::Range(size_t{2}, size_t{1} << 20));
  app.add_option("--max-connections-per-client", cfg.max_connections_per_client,
                 "Open HTTP connections per client address at most")
      ->envname("CARA_MAX_CONNECTIONS_PER_CLIENT")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  app.add_option("--reserved-connections", cfg.reserved_connections,
                 "Of --max-connections, how many are kept for client addresses that hold no "
                 "connection yet")
      ->envname("CARA_RESERVED_CONNECTIONS")
      ->capture_default_str();
  app.add_flag("--insecure-http", cfg.insecure_http,
               "Serve plain HTTP instead of HTTPS (lab use: tokens travel in clear)")
      ->envname("CARA_INSECURE_HTTP");
  app.add_option("--tls-cert-file", cfg.tls.cert_file,
                 "PEM certificate (chain) to serve HTTPS with, instead of the generated one")
      ->envname("CARA_TLS_CERT_FILE");
  app.add_option("--tls-key-file", cfg.tls.key_file, "PEM private key of --tls-cert-file")
      ->envname("CARA_TLS_KEY_FILE");
  app.add_option("--tls-san", cfg.tls.sans,
                 "Extra DNS name or IP address for the generated server certificate (repeatable)")
      ->envname("CARA_TLS_SAN")
      ->delimiter(',');
  app.add_option("--events-per-object", cfg.events_per_object,
                 "Events kept per node or project (the oldest go first)")
      ->envname("CARA_EVENTS_PER_OBJECT")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  ControllerTimings& t = cfg.timings;
  // The controllers' timings, each a Go duration flag with its CARA_* variable.
  const struct {
    const char* flag;
    const char* env;
    std::string* value;
    const char* help;
  } timing_flags[] = {
      {"--node-heartbeat-timeout", "CARA_NODE_HEARTBEAT_TIMEOUT", &t.heartbeat_timeout,
       "Heartbeat age after which a node is NotReady"},
      {"--heartbeat-flush-interval", "CARA_HEARTBEAT_FLUSH_INTERVAL", &t.heartbeat_flush_interval,
       "How often heartbeats that change nothing but the time are written, in one batch "
       "(a crash loses at most this much of them; any other change is written at once)"},
      {"--resync-interval", "CARA_RESYNC_INTERVAL", &t.resync_interval,
       "Controller resync interval"},
      {"--requeue-delay", "CARA_REQUEUE_DELAY", &t.requeue_delay,
       "Delay before a controller looks at a key again"},
      {"--error-backoff", "CARA_ERROR_BACKOFF", &t.error_backoff,
       "First retry delay after a reconcile error (grows)"},
      {"--running-grace-period", "CARA_RUNNING_GRACE_PERIOD", &t.running_grace_period,
       "How long Running projects wait on a NotReady node"},
      {"--terminating-timeout", "CARA_TERMINATING_TIMEOUT", &t.terminating_timeout,
       "When Terminating projects on a NotReady node are force-terminated"},
      {"--leader-retry-interval", "CARA_LEADER_RETRY_INTERVAL", &t.leader_retry_interval,
       "How often a replica tries to become the controller leader (and the leader "
       "checks it still is)"},
      {"--event-ttl", "CARA_EVENT_TTL", &t.event_ttl,
       "How long an event is kept after it was last seen"},
  };
  for (const auto& f : timing_flags) AddDuration(app, f.flag, f.env, *f.value, f.help);
}

// Tokens on unless --no-auth; the admin token registered at start.
bool ConfigureAuth(const Config& cfg, cara::server::ServerOptions& options) {
  if (cfg.no_auth) {
    LOG_WARN("authentication is off (--no-auth): every caller acts as admin");
    return true;
  }
  options.require_auth = true;
  const char* env = std::getenv("CARA_ADMIN_TOKEN");
  cara::server::AdminTokenSource source{cfg.admin_token_file, env ? env : "", cfg.data_dir};
  std::string generated;
  auto token = cara::server::ResolveAdminToken(source, &generated);
  if (!token.ok()) {
    LOG_ERROR("cannot set up the admin token").Kv("error", token.status().message());
    return false;
  }
  if (!generated.empty()) LOG_INFO("admin token written").Kv("path", generated);
  options.admin_token = std::move(*token);
  return true;
}

// HTTPS, tokens and joining, as the flags ask. False (logged) when the
// server must not start.
bool ConfigureSecurity(const Config& cfg, cara::store::Store& store,
                       cara::server::ServerOptions& options, std::string* ca_pem) {
  if (cfg.insecure_http) {
    LOG_WARN("serving plain HTTP (--insecure-http): requests and tokens travel unencrypted");
  } else {
    auto tls = cara::server::ResolveServingTls(cfg.tls, cfg.data_dir, cfg.host);
    if (!tls.ok()) {
      LOG_ERROR("cannot set up HTTPS").Kv("error", tls.status().message());
      return false;
    }
    options.tls = *tls;
  }
  if (!ConfigureAuth(cfg, options)) return false;
  // Agents hold certificates only once they joined, which needs tokens: in
  // --no-auth (compat) mode they serve plain HTTP.
  if (cfg.no_auth) return true;
  // The cluster CA signs the agents' certificates and the server's client
  // certificate for them, whoever signed the certificate the API serves.
  auto pki =
      cara::security::EnsurePki(cfg.data_dir, cara::server::ServingNames(cfg.tls.sans, cfg.host));
  if (!pki.ok()) {
    LOG_ERROR("cannot set up the cluster PKI").Kv("error", pki.status().message());
    return false;
  }
  options.agent_client_tls = cara::server::AgentClientTlsIn(pki->dir);
  if (cfg.insecure_http) {
    LOG_WARN("nodes cannot join over plain HTTP: a join token pins the CA of an HTTPS server");
    return true;
  }
  auto join = cara::server::SetUpJoining(store, *cara::SystemClock::Default(), cfg.data_dir,
                                         pki->dir, options.tls.cert_file);
  if (!join.ok()) {
    LOG_ERROR("cannot set up joining").Kv("error", join.status().message());
    return false;
  }
  options.join = join->authority;
  *ca_pem = join->ca_pem;
  LOG_INFO("agents join with the token in").Kv("path", join->token_path);
  return true;
}

// The key of the Secrets, checked against the ones already stored. False
// (logged) when the server must not start.
bool ConfigureSecretKeys(const Config& cfg, cara::store::Store& store,
                         cara::server::ServerOptions& options) {
  auto loaded = cara::server::LoadSecretKeys(store, {cfg.secrets_key_file, cfg.data_dir});
  if (!loaded.ok()) {
    LOG_ERROR("cannot set up the secrets key").Kv("error", loaded.status().message());
    return false;
  }
  if (loaded->created) {
    LOG_INFO("secrets key written; back it up, Secrets cannot be read without it")
        .Kv("path", loaded->path);
  }
  options.secret_keys = loaded->keys;
  return true;
}

// <data dir>/caractrl.yaml: the admin's client config, so caractrl works
// right after the first start (CARA_CONFIG=<path>).
void WriteAdminConfig(const Config& cfg, int port, const std::string& ca_pem,
                      const std::string& admin_token) {
  const bool wildcard = cfg.host.empty() || cfg.host == "0.0.0.0" || cfg.host == "::";
  const std::string url =
      "https://" + cara::net::JoinHostPort(wildcard ? "127.0.0.1" : cfg.host, port);
  const std::string path = cfg.data_dir + "/caractrl.yaml";
  cara::Status st = cara::security::WriteAdminClientConfig(path, url, ca_pem, admin_token);
  if (!st.ok()) {
    LOG_WARN("cannot write the admin's client config").Kv("error", st.message());
    return;
  }
  LOG_INFO("admin client config written").Kv("path", path).Kv("use", "export CARA_CONFIG=" + path);
}

// `cara-server backup` and `cara-server restore`; serving stays the default.
struct StateCommands {
  CLI::App* backup = nullptr;
  CLI::App* restore = nullptr;
  cara::server::BackupOptions backup_options;
  bool without_secrets_key = false;
  std::string from;
};

// Exit codes of `restore`, also shown by its --help.
constexpr int kExitFailed = 1;
constexpr int kExitNotEmpty = 3;
constexpr int kExitRefused = 4;

const char kBackupFooter[] =
    "The file (0600, written atomically) is a SQLite database: a consistent snapshot of the\n"
    "embedded store, taken while the server runs, plus the data dir's pki/ (CA, serving\n"
    "keys, the secrets key), admin.token, join.token and caractrl.yaml. With a PostgreSQL\n"
    "--database-url only those files are in it: back the database up with pg_dump.\n";

const char kRestoreFooter[] =
    "Exit codes:\n"
    "  0  restored: start cara-server with the same --data-dir (and --database-url)\n"
    "  1  failed while writing; what the restore wrote was removed\n"
    "  3  the data dir (or the sqlite: store file) is not empty; nothing was changed\n"
    "  4  the file was refused (not a backup, corrupt, a store newer than this binary, or a\n"
    "     SQLite store for a PostgreSQL --database-url); nothing was changed\n";

// The subcommands read the serve flags that say where the state is
// (--data-dir, --database-url, --secrets-key-file), before or after their name.
void AddStateCommands(CLI::App& app, StateCommands& c) {
  c.backup = app.add_subcommand(
      "backup", "Write the server's state to a file (online: the server may keep running)");
  c.backup->add_option("--to", c.backup_options.to, "The backup file (replaced if it exists)")
      ->required();
  c.backup->add_flag("--without-secrets-key", c.without_secrets_key,
                     "Leave the secrets key out (you keep it elsewhere; Secrets are unreadable "
                     "without it)");
  c.backup->footer(kBackupFooter);
  c.backup->fallthrough();
  c.restore = app.add_subcommand(
      "restore", "Restore a backup file into an empty (or missing) data dir, then exit");
  c.restore->add_option("--from", c.from, "The backup file")->required();
  c.restore->footer(kRestoreFooter);
  c.restore->fallthrough();
  app.require_subcommand(0, 1);
}

cara::server::ServerStateLocation StateLocation(const Config& cfg) {
  return {cfg.data_dir, cfg.database_url, cfg.secrets_key_file};
}

int RunBackup(const Config& cfg, StateCommands& c) {
  c.backup_options.include_secrets_key = !c.without_secrets_key;
  auto summary = cara::server::BackupServerState(StateLocation(cfg), c.backup_options,
                                                 *cara::SystemClock::Default());
  if (!summary.ok()) {
    std::cerr << "cara-server backup: " << summary.status().message() << "\n";
    return kExitFailed;
  }
  std::cout << "backup written to " << c.backup_options.to << ": ";
  if (summary->store == "sqlite") {
    std::cout << "SQLite store at revision " << summary->revision << " (schema version "
              << summary->schema_version << "), ";
  }
  std::cout << summary->files << " files of the data dir\n";
  if (summary->store != "sqlite") {
    std::cout << cara::server::PostgresBackupAdvice(cfg.database_url) << "\n";
  }
  std::cout << (summary->has_secrets_key
                    ? "it holds the secrets key: keep it as safe as the key itself\n"
                    : "it does not hold the secrets key: keep the key file with it\n");
  return 0;
}

int RunRestore(const Config& cfg, const StateCommands& c) {
  auto summary = cara::server::RestoreServerState(StateLocation(cfg), c.from);
  if (!summary.ok()) {
    std::cerr << "cara-server restore: " << summary.status().message() << "\n";
    switch (summary.status().code()) {
      case cara::Code::kAlreadyExists:
        return kExitNotEmpty;
      case cara::Code::kInvalid:
        return kExitRefused;
      default:
        return kExitFailed;
    }
  }
  std::cout << "restored " << c.from << " into " << cfg.data_dir << ": ";
  if (summary->store == "sqlite") {
    std::cout << "SQLite store at revision " << summary->revision << ", ";
  }
  std::cout << summary->files << " files\n";
  if (summary->store != "sqlite") {
    std::cout << "the backup holds no database: restore the pg_dump of the PostgreSQL store "
                 "with pg_restore, then start with its --database-url\n";
  }
  if (!summary->has_secrets_key) {
    std::cout << "the backup holds no secrets key: put the key the Secrets were written with "
                 "in pki/secrets.key (or pass --secrets-key-file)\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  CLI::App app{
      "cara-server: the Caravanserai control plane (REST API, store, controllers).\n"
      "Every flag also reads the environment variable shown beside it; a flag wins.",
      "cara-server"};
  AddFlags(app, cfg);
  StateCommands commands;
  AddStateCommands(app, commands);
  CLI11_PARSE(app, argc, argv);
  if (*commands.backup) return RunBackup(cfg, commands);
  if (*commands.restore) return RunRestore(cfg, commands);
  const ControllerTimings& t = cfg.timings;

  cara::SetLogLevel(cfg.debug ? cara::LogLevel::kDebug : cara::LogLevel::kInfo);
  cara::BlockShutdownSignals();

  auto backend = cara::store::OpenBackend(cfg.database_url, cfg.data_dir);
  if (!backend.ok()) {
    LOG_ERROR("cannot open store").Kv("error", backend.status().message());
    return 1;
  }
  // The lease flush writes through the same read cache as the Store.
  auto cached = cara::store::WithReadCache(std::move(*backend), cara::SystemClock::Default());
  cara::store::Backend* rows = cached.get();
  cara::store::Store store(std::move(cached), cara::SystemClock::Default());

  cara::server::ServerOptions options;
  options.host = cfg.host;
  options.port = cfg.port;
  options.threads = cfg.threads;
  options.max_body_bytes = cfg.max_body_bytes;
  options.header_timeout = Millis(cfg.header_timeout);
  options.body_timeout = Millis(cfg.body_timeout);
  options.max_connections = cfg.max_connections;
  options.max_connections_per_client = cfg.max_connections_per_client;
  options.reserved_connections = cfg.reserved_connections;
  options.node_heartbeat_timeout = *cara::ParseDuration(t.heartbeat_timeout);
  options.event_retention.ttl = *cara::ParseDuration(t.event_ttl);
  options.event_retention.per_object = cfg.events_per_object;
  std::string ca_pem;  // what clients trust; empty over plain HTTP
  if (!ConfigureSecurity(cfg, store, options, &ca_pem)) return 1;
  if (!ConfigureSecretKeys(cfg, store, options)) return 1;
  cara::server::ApiServer server(&store, cara::SystemClock::Default(), options);
  // Heartbeats that change nothing but the time (store/node_leases.h).
  cara::store::NodeLeaseOptions lease_options;
  lease_options.flush_interval = *cara::ParseDuration(t.heartbeat_flush_interval);
  lease_options.heartbeat_timeout = options.node_heartbeat_timeout;
  cara::server::AddNodeLeaseMetrics(
      server,
      cara::store::NodeLeases::Open(&store, rows, cara::SystemClock::Default(), lease_options));

  // Controllers run on one replica at a time (the lease holder); every
  // replica serves the API.
  std::unique_ptr<cara::controllers::Manager> manager;
  std::unique_ptr<cara::controllers::LeaderElector> elector;
  if (!cfg.no_controllers) {
    cara::controllers::ManagerOptions mo;
    mo.resync_interval = *cara::ParseDuration(t.resync_interval);
    mo.requeue_delay = *cara::ParseDuration(t.requeue_delay);
    mo.error_backoff = *cara::ParseDuration(t.error_backoff);
    cara::controllers::ControllerConfig cc;
    cc.heartbeat_timeout = options.node_heartbeat_timeout;
    cc.running_grace_period = *cara::ParseDuration(t.running_grace_period);
    cc.terminating_timeout = *cara::ParseDuration(t.terminating_timeout);
    cc.events = options.event_retention;
    manager =
        std::make_unique<cara::controllers::Manager>(&store, cara::SystemClock::Default(), mo);
    cara::controllers::AddStandardControllers(*manager, &store, cara::SystemClock::Default(), cc);
    server.AddMetricsCollector([m = manager.get()](std::string& out) { m->RenderMetrics(out); });
    cara::Status remote = store.EnableRemoteEvents();
    if (!remote.ok()) {
      LOG_ERROR("cannot listen for store changes").Kv("error", remote.message());
      return 1;
    }
    elector = std::make_unique<cara::controllers::LeaderElector>(
        &store, manager.get(), cara::SystemClock::Default(),
        *cara::ParseDuration(t.leader_retry_interval));
    server.AddMetricsCollector([e = elector.get()](std::string& out) {
      out += "# HELP cara_controller_leader 1 when this replica runs the controllers.\n";
      out += "# TYPE cara_controller_leader gauge\n";
      out += std::string("cara_controller_leader ") + (e->leading() ? "1" : "0") + "\n";
    });
  }
  cara::Status started = server.Start();
  if (!started.ok()) {
    LOG_ERROR("cannot start API server").Kv("error", started.message());
    return 1;
  }
  LOG_INFO("cara-server listening")
      .Kv("url", std::string(cfg.insecure_http ? "http" : "https") + "://" +
                     cara::net::JoinHostPort(cfg.host, server.port()))
      .Kv("store", store.BackendName())
      .Kv("version", cara::Version())
      .Kv("controllers", cfg.no_controllers ? "off" : "on")
      .Kv("auth", cfg.no_auth ? "off" : "bearer tokens");
  if (!options.admin_token.empty() && !ca_pem.empty()) {
    WriteAdminConfig(cfg, server.port(), ca_pem, options.admin_token);
  }

  if (elector) elector->Start();

  int sig = cara::WaitForShutdownSignal();
  LOG_INFO("shutting down").Kv("signal", cara::SignalName(sig));
  if (elector) elector->Stop();
  server.Stop();
  cara::store::NodeLeases::Close(&store);  // writes the last leases
  LOG_INFO("stopped");
  return 0;
}
