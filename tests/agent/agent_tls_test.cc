// The agent's API in TLS mode, with real OpenSSL on loopback: only a client
// certificate the cluster CA signed for cara-server gets in; everybody else
// is refused before any request reaches a handler.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>

#include "agent/agent_http_server.h"
#include "agent/container_lookup.h"
#include "agent/node_credentials.h"
#include "security/atomic_file.h"
#include "security/pki.h"
#include "support/node_credentials.h"
#include "support/temp_dir.h"

namespace cara::agent {
namespace {

using cara::testing::TempDir;

// One running container whose log is one line; counts every call, so a
// refused client provably reached no handler.
class CountingLookup : public ContainerLookup {
 public:
  Result<ContainerInfo> Inspect(const std::string& container) override {
    ++calls;
    ContainerInfo info;
    info.name = container;
    info.state = "running";
    return info;
  }
  Status StreamLogs(const std::string&, const LogOptions&,
                    const std::function<bool(const char*, size_t)>& on_chunk) override {
    ++calls;
    on_chunk("hello from web\n", 15);
    return Status::Ok();
  }
  std::atomic<int> calls{0};
};

struct TlsAgent {
  TempDir data;   // the server's data dir: cluster CA and agent-client.crt
  TempDir state;  // the agent's state dir
  TempDir certs;  // client certificates the tests try
  security::Pki pki =
      testing::IssueNodeCredentials(data.path(), "worker-1", "127.0.0.1", state.path());
  CountingLookup lookup;
  std::unique_ptr<AgentHttpServer> server;

  TlsAgent() {
    Result<AgentTlsFiles> files = NodeCredentialsIn(state.path());
    REQUIRE(files.ok());
    REQUIRE(files->enabled());
    server =
        std::make_unique<AgentHttpServer>(&lookup, AgentHttpServerOptions{"127.0.0.1", 0, *files});
    REQUIRE(server->Start().ok());
  }

  // A client that verifies the agent against the cluster CA and shows
  // `cert`/`key` (none when empty).
  httplib::Result Get(const std::string& path, const std::string& cert = "",
                      const std::string& key = "") {
    httplib::SSLClient client("127.0.0.1", server->port(), cert, key);
    client.set_ca_cert_path(pki.ca_cert_file.c_str());
    client.enable_server_certificate_verification(true);
    client.set_connection_timeout(5);
    client.set_read_timeout(5);
    return client.Get(path.c_str());
  }
};

TEST_CASE("agent api over TLS: the server's client certificate gets in", "[tls]") {
  TlsAgent agent;
  httplib::Result health =
      agent.Get("/healthz", agent.pki.agent_client_cert_file, agent.pki.agent_client_key_file);
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == "OK");

  httplib::Result logs = agent.Get("/api/v1/logs/shop/web", agent.pki.agent_client_cert_file,
                                   agent.pki.agent_client_key_file);
  REQUIRE(logs);
  CHECK(logs->status == 200);
  CHECK(logs->body == "hello from web\n");
}

TEST_CASE("agent api over TLS: every other client is refused at the handshake", "[tls]") {
  TlsAgent agent;
  TempDir other_data;
  Result<security::Pki> other_ca = security::EnsurePki(other_data.path(), {});
  REQUIRE(other_ca.ok());
  const std::string dir = agent.certs.path();
  testing::IssueClientCredentials(agent.pki, "node:worker-2", dir, "node-client");
  testing::IssueClientCredentials(agent.pki, "cara-serverx", dir, "near-miss");
  testing::IssueClientCredentials(*other_ca, "cara-server", dir, "other-ca");
  testing::WriteSelfSignedCredentials("cara-server", dir, "self-signed");
  // A node's own serving certificate, the same CA's, presented as a client.
  testing::IssueNodeCredentials(agent.data.path(), "worker-2", "127.0.0.1", dir);

  struct Attempt {
    const char* who;
    std::string cert, key;
  };
  std::vector<Attempt> attempts = {
      {"no certificate", "", ""},
      {"node serving certificate", dir + "/node.crt", dir + "/node.key"},
      {"CA-signed client certificate CN node:worker-2", dir + "/node-client.crt",
       dir + "/node-client.key"},
      {"CA-signed client certificate CN cara-serverx", dir + "/near-miss.crt",
       dir + "/near-miss.key"},
      {"cara-server from another CA", dir + "/other-ca.crt", dir + "/other-ca.key"},
      {"self-signed cara-server", dir + "/self-signed.crt", dir + "/self-signed.key"},
  };
  for (const Attempt& attempt : attempts) {
    INFO(attempt.who);
    httplib::Result res = agent.Get("/api/v1/logs/shop/web", attempt.cert, attempt.key);
    CHECK_FALSE(res);
  }
  CHECK(agent.lookup.calls == 0);

  // The server's certificate still gets in afterwards.
  httplib::Result ok = agent.Get("/api/v1/logs/shop/web", agent.pki.agent_client_cert_file,
                                 agent.pki.agent_client_key_file);
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(agent.lookup.calls == 2);
}

TEST_CASE("agent api over TLS: plain HTTP gets no answer", "[tls]") {
  TlsAgent agent;
  httplib::Client plain("127.0.0.1", agent.server->port());
  plain.set_read_timeout(5);
  CHECK_FALSE(plain.Get("/healthz"));
  CHECK(agent.lookup.calls == 0);
}

// Whether a TCP connection to host:port is accepted.
bool Connects(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(inet_pton(AF_INET, host.c_str(), &addr.sin_addr) == 1);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

TEST_CASE("agent api: it listens only on its listen address", "[tls]") {
  TlsAgent agent;  // bound to 127.0.0.1
  CHECK(Connects("127.0.0.1", agent.server->port()));
  // Another address of this host: nobody listens there.
  CHECK_FALSE(Connects("127.0.0.2", agent.server->port()));
}

TEST_CASE("node credentials: all three files, none, or an error", "[tls]") {
  TempDir data;
  TempDir state;
  Result<AgentTlsFiles> none = NodeCredentialsIn(state.path());
  REQUIRE(none.ok());
  CHECK_FALSE(none->enabled());

  testing::IssueNodeCredentials(data.path(), "worker-1", "127.0.0.1", state.path());
  Result<AgentTlsFiles> all = NodeCredentialsIn(state.path());
  REQUIRE(all.ok());
  CHECK(all->cert_file == state.path() + "/node.crt");
  CHECK(all->key_file == state.path() + "/node.key");
  CHECK(all->ca_file == state.path() + "/ca.crt");

  std::filesystem::remove(state.path() + "/node.key");
  Result<AgentTlsFiles> partial = NodeCredentialsIn(state.path());
  REQUIRE_FALSE(partial.ok());
  CHECK(partial.status().code() == Code::kInvalid);
  CHECK_THAT(partial.status().message(), Catch::Contains("node.key"));
}

TEST_CASE("agent api: a key that does not load is an error naming it", "[tls]") {
  TempDir data;
  TempDir state;
  testing::IssueNodeCredentials(data.path(), "worker-1", "127.0.0.1", state.path());
  REQUIRE(security::WriteFileAtomically(state.path() + "/node.key", "garbage", 0600).ok());
  CountingLookup lookup;
  Result<AgentTlsFiles> files = NodeCredentialsIn(state.path());
  REQUIRE(files.ok());
  AgentHttpServer server(&lookup, AgentHttpServerOptions{"127.0.0.1", 0, *files});
  Status st = server.Start();
  CHECK(st.code() == Code::kInvalid);
  CHECK_THAT(st.message(), Catch::Contains("node.key"));
}

}  // namespace
}  // namespace cara::agent
