// cara-agent: the Caravanserai node agent. Registers its node, heartbeats,
// runs assigned Projects as Docker containers, and serves logs, port-forward
// tunnels and the ingress proxy.
#include <iostream>

#include <CLI/CLI.hpp>

#include "agent/agent.h"
#include "agent/agent_http_server.h"
#include "agent/container_lookup.h"
#include "agent/docker_client.h"
#include "agent/ingress_proxy.h"
#include "agent/join.h"
#include "agent/node_credentials.h"
#include "agent/server_client.h"
#include "api/quantity.h"
#include "common/log.h"
#include "common/shutdown_signal.h"
#include "common/time_format.h"
#include "common/version.h"

namespace {

std::string CheckDuration(const std::string& v) {
  auto d = cara::ParseDuration(v);
  if (!d.ok()) return d.status().message();
  return d->count() > 0 ? "" : "must be positive";
}

std::string CheckQuantity(const std::string& v) {
  auto q = cara::api::ParseQuantity(v);
  return q.ok() ? "" : q.status().message();
}

// A flag that also reads `env` and shows its default in --help.
template <typename T>
CLI::Option* AddEnvOption(CLI::App& app, const std::string& flag, T& value, const std::string& help,
                          const std::string& env) {
  return app.add_option(flag, value, help)->envname(env)->capture_default_str();
}

// A string flag whose value `check` validates ("" when valid, else why not).
struct CheckedOption {
  const char* flag;
  std::string* value;
  const char* help;
  const char* env;
  std::string (*check)(const std::string&);
};

void AddCheckedOption(CLI::App& app, const CheckedOption& o) {
  AddEnvOption(app, o.flag, *o.value, o.help, o.env)->check(o.check);
}

// The credentials the agent talks to the server with: over https, the node
// credential of a joined node (joining first when needed); over plain http
// (a --no-auth server, compat mode) none. False (logged) when there are none
// to be had.
bool Authenticate(const cara::agent::AgentConfig& cfg, const std::string& join_token,
                  const std::string& state_dir, cara::net::ClientCredentials* credentials) {
  if (cfg.server_url.rfind("https://", 0) != 0) {
    if (!join_token.empty()) {
      LOG_ERROR("a join token needs an https:// server URL").Kv("server", cfg.server_url);
      return false;
    }
    LOG_WARN("plain HTTP to the server: no credentials (compat mode, server in --no-auth)");
    return true;
  }
  cara::agent::JoinSettings settings{cfg.server_url, join_token, cfg.node_name, cfg.advertise_ip,
                                     state_dir};
  auto identity = cara::agent::EstablishNodeIdentity(settings);
  if (!identity.ok()) {
    LOG_ERROR("cannot join the cluster").Kv("error", identity.status().message());
    return false;
  }
  credentials->token = identity->token;
  credentials->tls.ca_pem = identity->ca_pem;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  cara::BlockShutdownSignals();

  cara::agent::AgentConfig cfg;
  cfg.node_name = cara::agent::Hostname();
  std::string heartbeat = "30s", resync = "30s", poll = "10s", proxy_addr = ":8081";
  std::string reserve_cpu = "500m", reserve_memory = "512Mi";
  std::string listen_addr, state_dir = "./cara-agent-state", join_token;
  bool debug = false;

  CLI::App app{
      "cara-agent: the Caravanserai node agent.\n"
      "Every flag also reads the environment variable shown beside it; a flag wins.",
      "cara-agent"};
  app.set_version_flag("--version", cara::VersionLine("cara-agent"));
  AddEnvOption(app, "--server-url", cfg.server_url, "cara-server URL", "SERVER_URL");
  AddEnvOption(app, "--node-name", cfg.node_name, "Node name (default: the OS hostname)",
               "NODE_NAME");
  AddCheckedOption(app, {"--heartbeat-interval", &heartbeat, "Heartbeat interval (Go duration)",
                         "HEARTBEAT_INTERVAL", CheckDuration});
  AddCheckedOption(app, {"--resync-interval", &resync,
                         "How often assigned projects are reconciled while the server's watch "
                         "reports their changes (each change is acted on at once)",
                         "CARA_RESYNC_INTERVAL", CheckDuration});
  AddCheckedOption(app, {"--poll-interval", &poll,
                         "How often assigned projects are reconciled while they cannot be "
                         "watched (the watch is broken or the server has none)",
                         "CARA_POLL_INTERVAL", CheckDuration});
  AddEnvOption(app, "--docker-host", cfg.docker_host, "Docker Engine socket", "DOCKER_HOST");
  AddEnvOption(app, "--agent-port", cfg.agent_port, "Port of the agent API (logs, port-forward)",
               "AGENT_LISTEN_PORT")
      ->check(CLI::Range(0, 65535));
  app.add_option("--listen-addr", listen_addr,
                 "Address the agent API binds to (default: the advertise IP)")
      ->envname("AGENT_LISTEN_ADDR");
  AddEnvOption(app, "--state-dir", state_dir,
               "Node credentials (node.crt, node.key, ca.crt); with them the agent API serves "
               "mutual TLS to the server only",
               "CARA_AGENT_STATE_DIR");
  AddEnvOption(app, "--proxy-listen-addr", proxy_addr, "Ingress proxy listen address",
               "PROXY_LISTEN_ADDR");
  cara::net::TlsServerOptions ingress_tls;
  AddEnvOption(app, "--ingress-tls-cert", ingress_tls.cert_file,
               "PEM certificate chain: the ingress proxy serves HTTPS (with --ingress-tls-key)",
               "CARA_INGRESS_TLS_CERT");
  AddEnvOption(app, "--ingress-tls-key", ingress_tls.key_file, "PEM key of --ingress-tls-cert",
               "CARA_INGRESS_TLS_KEY");
  app.add_option("--advertise-ip", cfg.advertise_ip,
                 "IP reported to the server (default: the default-route interface's, else "
                 "127.0.0.1)")
      ->envname("AGENT_ADVERTISE_IP");
  AddCheckedOption(app, {"--reserve-cpu", &reserve_cpu, "CPU kept back from allocatable",
                         "CARA_RESERVE_CPU", CheckQuantity});
  AddCheckedOption(app, {"--reserve-memory", &reserve_memory, "Memory kept back from allocatable",
                         "CARA_RESERVE_MEMORY", CheckQuantity});
  app.add_option("--join-token", join_token,
                 "Join token from the server's <data dir>/join.token (pins its CA); needed "
                 "once, or after the node was deleted. Prefer the variable: a flag shows in ps")
      ->envname("CARA_JOIN_TOKEN");
  app.add_flag("--debug", debug, "Debug logging")->envname("DEBUG");
  CLI11_PARSE(app, argc, argv);

  cara::SetLogLevel(debug ? cara::LogLevel::kDebug : cara::LogLevel::kInfo);
  cfg.heartbeat_interval = *cara::ParseDuration(heartbeat);
  cfg.resync_interval = *cara::ParseDuration(resync);
  cfg.poll_interval = *cara::ParseDuration(poll);
  cfg.reserve.cpu_millicores = cara::api::ParseQuantity(reserve_cpu)->milli;
  cfg.reserve.memory_bytes = cara::api::ParseQuantity(reserve_memory)->Value();
  if (cfg.node_name.empty()) {
    std::cerr << "cara-agent: --node-name is empty\n";
    return 1;
  }
  if (ingress_tls.cert_file.empty() != ingress_tls.key_file.empty()) {
    std::cerr << "cara-agent: --ingress-tls-cert and --ingress-tls-key go together\n";
    return 1;
  }

  if (cfg.advertise_ip.empty()) cfg.advertise_ip = cara::agent::DefaultAdvertiseIp();
  cara::net::ClientCredentials credentials;
  if (!Authenticate(cfg, join_token, state_dir, &credentials)) return 1;

  cara::agent::DockerClient docker(cfg.docker_host);
  cara::Status ping = docker.Ping();
  if (!ping.ok()) LOG_WARN("Docker is not reachable yet").Kv("error", ping.message());

  cara::agent::RouteTable routes;
  cara::agent::IngressProxyOptions proxy_options;
  proxy_options.listen_address = proxy_addr;
  proxy_options.tls = ingress_tls;
  cara::agent::IngressProxy proxy(&routes, proxy_options);
  cara::Status st = proxy.Start();
  if (!st.ok()) {
    LOG_ERROR("cannot start ingress proxy").Kv("error", st.message());
    return 1;
  }
  cara::agent::DockerContainerLookup lookup(&docker);
  cara::Result<cara::agent::AgentTlsFiles> tls = cara::agent::NodeCredentialsIn(state_dir);
  if (!tls.ok()) {
    LOG_ERROR("cannot start agent API").Kv("error", tls.status().message());
    return 1;
  }
  if (!tls->enabled()) {
    LOG_WARN("no node certificate: the agent API serves plain HTTP to anyone (compat mode)")
        .Kv("state_dir", state_dir);
  }
  // The API listens where the server reaches it, not on every interface.
  if (listen_addr.empty()) listen_addr = cfg.advertise_ip;
  cara::agent::AgentHttpServer http(&lookup, {listen_addr, cfg.agent_port, *tls});
  st = http.Start();
  if (!st.ok()) {
    LOG_ERROR("cannot start agent API").Kv("error", st.message());
    return 1;
  }
  cfg.agent_port = http.port();
  LOG_INFO("agent API listening").Kv("port", http.port()).Kv("proxy_port", proxy.port());

  // A deleted node's token is revoked: with the join token at hand the agent
  // joins again, as an unauthenticated agent registers its node again.
  cara::agent::ServerClient server(
      cfg.server_url, credentials, [&]() -> cara::Result<cara::net::ClientCredentials> {
        if (join_token.empty()) {
          return cara::Status::Invalid(
              "no join token to join again with (--join-token or CARA_JOIN_TOKEN)");
        }
        auto identity = cara::agent::JoinCluster(
            {cfg.server_url, join_token, cfg.node_name, cfg.advertise_ip, state_dir});
        if (!identity.ok()) return identity.status();
        cara::net::ClientCredentials renewed;
        renewed.token = identity->token;
        renewed.tls.ca_pem = identity->ca_pem;
        return renewed;
      });
  cara::agent::Agent agent(cfg, &docker, &server, &routes, cara::SystemClock::Default());
  agent.Start();
  int sig = cara::WaitForShutdownSignal();
  LOG_INFO("shutting down").Kv("signal", cara::SignalName(sig));
  agent.Stop();
  http.Stop();
  proxy.Stop();
  LOG_INFO("stopped");
  return 0;
}
