// GET /api/v1/projects/{p}/logs on a real in-process server, which reads the
// log from a real agent API (fake containers) over mutual TLS, checking the
// agent's certificate names the node the project is placed on.
#include <catch2/catch.hpp>
#include <memory>

#include "agent/agent_http_server.h"
#include "agent/container_lookup.h"
#include "agent/node_credentials.h"
#include "placed_projects.h"
#include "server/agent_client.h"
#include "support/http_client.h"
#include "support/node_credentials.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::agent {
namespace {

using cara::testing::HttpClient;
using cara::testing::HttpResponse;
using cara::testing::TempDir;

class OneContainerLookup : public ContainerLookup {
 public:
  Result<ContainerInfo> Inspect(const std::string& container) override {
    if (container != "shop-web") return Status::NotFound("No such container: " + container);
    ContainerInfo info;
    info.name = container;
    info.state = "running";
    return info;
  }
  Status StreamLogs(const std::string&, const LogOptions& options,
                    const std::function<bool(const char*, size_t)>& on_chunk) override {
    last_tail = options.tail;
    const std::string text = "line one\nline two\n";
    on_chunk(text.data(), text.size());
    return Status::Ok();
  }
  std::string last_tail;
};

// A server whose PKI issued the agent's certificate to `cert_node`, and an
// agent that the store says is node worker-1 at its port.
struct Cluster {
  explicit Cluster(const std::string& cert_node = "worker-1") {
    security::Pki pki =
        testing::IssueNodeCredentials(data.path(), cert_node, "127.0.0.1", state.path());
    Result<AgentTlsFiles> files = NodeCredentialsIn(state.path());
    REQUIRE(files.ok());
    agent =
        std::make_unique<AgentHttpServer>(&lookup, AgentHttpServerOptions{"127.0.0.1", 0, *files});
    REQUIRE(agent->Start().ok());
    server::ServerOptions options;
    options.port = 0;
    options.threads = 4;
    options.agent_client_tls = server::AgentClientTlsIn(pki.dir);
    REQUIRE(options.agent_client_tls.enabled());
    server = std::make_unique<testing::TestServer>("sqlite", options);
    api = std::make_unique<HttpClient>(server->url());
    AddNode();
  }

  void AddNode() { testing::StoreAgentNode(server->store(), "worker-1", agent->port()); }

  void AddProject(const std::string& name, const std::string& phase, const std::string& node) {
    testing::StorePlacedProject(server->store(), name, phase, node);
  }

  TempDir data;
  TempDir state;
  OneContainerLookup lookup;
  std::unique_ptr<AgentHttpServer> agent;
  std::unique_ptr<testing::TestServer> server;
  std::unique_ptr<HttpClient> api;
};

TEST_CASE("logs through the server: read from the node's agent over mutual TLS", "[logs]") {
  Cluster cluster;
  cluster.AddProject("shop", api::kPhaseRunning, "worker-1");
  HttpResponse r = cluster.api->Get("/api/v1/projects/shop/logs?service=web&tail=5");
  REQUIRE(r.status == 200);
  CHECK(r.body == "line one\nline two\n");
  CHECK(r.content_type() == "text/plain; charset=utf-8");
  CHECK(cluster.lookup.last_tail == "5");
}

TEST_CASE("logs through the server: problems before the agent is asked", "[logs]") {
  Cluster cluster;
  cluster.AddProject("waiting", api::kPhasePending, "");
  cluster.AddProject("shop", api::kPhaseRunning, "worker-1");

  HttpResponse r = cluster.api->Get("/api/v1/projects/nope/logs?service=web");
  CHECK(r.status == 404);
  CHECK(r.content_type() == "application/problem+json");
  // The agent's own problem comes back as it is.
  r = cluster.api->Get("/api/v1/projects/shop/logs?service=db");
  CHECK(r.status == 404);
  CHECK(r.content_type() == "application/problem+json");
  CHECK_THAT(r.body, Catch::Contains("container shop/db: container not found"));
  r = cluster.api->Get("/api/v1/projects/waiting/logs?service=web");
  CHECK(r.status == 409);
  CHECK_THAT(r.body, Catch::Contains("not running"));
  r = cluster.api->Get("/api/v1/projects/shop/logs");
  CHECK(r.status == 400);
}

TEST_CASE("logs through the server: an agent with another node's certificate is refused",
          "[logs]") {
  // The agent at worker-1's address shows a certificate the CA issued to
  // worker-2: the server must not take worker-1's logs from it.
  Cluster cluster("worker-2");
  cluster.AddProject("shop", api::kPhaseRunning, "worker-1");
  HttpResponse r = cluster.api->Get("/api/v1/projects/shop/logs?service=web");
  CHECK(r.status == 502);
  CHECK_THAT(r.body, Catch::Contains("cannot reach the agent of node worker-1"));
  CHECK(r.body.find("line one") == std::string::npos);
}

}  // namespace
}  // namespace cara::agent
