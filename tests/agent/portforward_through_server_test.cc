// WebSocket /api/v1/projects/{p}/portforward on a real in-process server over
// HTTPS with tokens, relayed to a real agent API (fake containers) over
// mutual TLS, tunnelling to a TCP echo "container" on loopback.
#include <catch2/catch.hpp>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "agent/agent_http_server.h"
#include "agent/container_lookup.h"
#include "agent/node_credentials.h"
#include "placed_projects.h"
#include "server/agent_client.h"
#include "server/serving_tls.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/node_credentials.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;
using cara::testing::HttpClient;
using cara::testing::TempDir;

// Container shop-web, reachable at 127.0.0.1 (where the echo listens).
class LoopbackContainers : public ContainerLookup {
 public:
  Result<ContainerInfo> Inspect(const std::string& container) override {
    if (container != "shop-web") return Status::NotFound("No such container: " + container);
    ContainerInfo info;
    info.name = container;
    info.state = "running";
    info.ip_by_network["cara-shop"] = "127.0.0.1";
    return info;
  }
  Status StreamLogs(const std::string&, const LogOptions&,
                    const std::function<bool(const char*, size_t)>&) override {
    return Status::Ok();
  }
};

// A TCP server on 127.0.0.1 that sends back what it reads, each connection
// on its own thread (a tunnel still closing must not hold up the next one).
class Echo {
 public:
  Echo() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] {
      for (;;) {
        auto socket = std::make_shared<tcp::socket>(ioc_);
        beast::error_code ec;
        acceptor_.accept(*socket, ec);
        if (ec || stop_) return;
        std::lock_guard<std::mutex> lock(mu_);
        sockets_.push_back(socket);
        connections_.emplace_back([socket] { Serve(*socket); });
      }
    });
  }
  ~Echo() {
    stop_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes accept()
    thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& s : sockets_) ::shutdown(s->native_handle(), SHUT_RDWR);  // wakes read_some()
    for (auto& t : connections_) t.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }

 private:
  static void Serve(tcp::socket& socket) {
    char buf[16 * 1024];
    beast::error_code ec;
    for (;;) {
      size_t n = socket.read_some(asio::buffer(buf), ec);
      if (ec) return;
      asio::write(socket, asio::buffer(buf, n), ec);
      if (ec) return;
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> connections_;
};

// A WebSocket client of the server's route over TLS (trusting the cluster
// CA), sending `token` as a bearer token when not empty.
class TunnelClient {
 public:
  TunnelClient(int port, const std::string& ca_file, const std::string& token,
               const std::string& target) {
    ssl_.load_verify_file(ca_file);
    ssl_.set_verify_mode(asio::ssl::verify_peer);
    beast::error_code ec;
    beast::get_lowest_layer(ws_).expires_after(10s);
    beast::get_lowest_layer(ws_).connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)), ec);
    REQUIRE_FALSE(ec);
    ws_.next_layer().handshake(asio::ssl::stream_base::client, ec);
    REQUIRE_FALSE(ec);
    ws_.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
      if (!token.empty()) req.set(beast::http::field::authorization, "Bearer " + token);
    }));
    // Asynchronous: Beast's blocking handshake keeps a refusal's response
    // to itself.
    ws_.async_handshake(response_, "127.0.0.1", target, [&ec](beast::error_code e) { ec = e; });
    ioc_.run();
    opened_ = !ec;
    error_ = ec.message();
    ws_.binary(true);
  }

  bool opened() const { return opened_; }
  int status() const { return response_.result_int(); }
  const std::string& body() const { return response_.body(); }
  const std::string& error() const { return error_; }

  void Send(const std::string& data) { ws_.write(asio::buffer(data)); }

  // What arrives until `bytes` were read, or the connection ends.
  std::string Receive(size_t bytes) {
    std::string received;
    beast::get_lowest_layer(ws_).expires_after(10s);
    while (received.size() < bytes) {
      beast::flat_buffer buffer;
      beast::error_code ec;
      ws_.read(buffer, ec);
      if (ec) break;
      received += beast::buffers_to_string(buffer.data());
    }
    return received;
  }

 private:
  asio::io_context ioc_;
  asio::ssl::context ssl_{asio::ssl::context::tls_client};
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws_{ioc_, ssl_};
  websocket::response_type response_;
  bool opened_ = false;
  std::string error_;
};

// A server over HTTPS with tokens whose PKI issued the agent's certificate
// to `cert_node`, and an agent the store says is node worker-1.
struct Cluster {
  explicit Cluster(const std::string& cert_node = "worker-1") {
    security::Pki pki =
        testing::IssueNodeCredentials(data.path(), cert_node, "127.0.0.1", state.path());
    ca_file = pki.ca_cert_file;
    Result<AgentTlsFiles> files = NodeCredentialsIn(state.path());
    REQUIRE(files.ok());
    agent = std::make_unique<AgentHttpServer>(&containers,
                                              AgentHttpServerOptions{"127.0.0.1", 0, *files});
    REQUIRE(agent->Start().ok());
    server::ServerOptions options;
    options.port = 0;
    options.threads = 4;
    options.require_auth = true;
    auto tls = server::ResolveServingTls({}, data.path(), "127.0.0.1");
    REQUIRE(tls.ok());
    options.tls = *tls;
    options.agent_client_tls = server::AgentClientTlsIn(pki.dir);
    REQUIRE(options.agent_client_tls.enabled());
    server = std::make_unique<testing::TestServer>("sqlite", options);
    AddNode();
  }

  void AddNode() { testing::StoreAgentNode(server->store(), "worker-1", agent->port()); }

  void AddProject(const std::string& name, const std::string& phase, const std::string& node) {
    testing::StorePlacedProject(server->store(), name, phase, node);
  }

  std::unique_ptr<TunnelClient> Open(const std::string& query,
                                     const std::string& project = "shop") {
    return OpenAs(server->admin_token(), query, project);
  }
  std::unique_ptr<TunnelClient> OpenAs(const std::string& token, const std::string& query,
                                       const std::string& project = "shop") {
    return std::make_unique<TunnelClient>(server->port(), ca_file, token,
                                          "/api/v1/projects/" + project + "/portforward?" + query);
  }

  // The admin's client, over the cluster's CA.
  std::unique_ptr<HttpClient> Admin() const {
    net::ClientCredentials admin;
    admin.token = server->admin_token();
    admin.tls.ca_file = ca_file;
    return std::make_unique<HttpClient>(server->url(), admin);
  }

  std::string Token(const std::string& role) {
    auto admin = Admin();
    auto r = admin->PostJson("/api/v1/tokens", {{"role", role}});
    REQUIRE(r.status == 201);
    return r.json["token"].get<std::string>();
  }

  TempDir data;
  TempDir state;
  std::string ca_file;
  LoopbackContainers containers;
  std::unique_ptr<AgentHttpServer> agent;
  std::unique_ptr<testing::TestServer> server;
};

std::string Port(const Echo& echo) { return "service=web&port=" + std::to_string(echo.port()); }

TEST_CASE("port-forward through the server: bytes reach the container and come back",
          "[portforward]") {
  Echo echo;
  Cluster cluster;
  cluster.AddProject("shop", api::kPhaseRunning, "worker-1");
  auto tunnel = cluster.Open(Port(echo));
  INFO(tunnel->status() << " " << tunnel->body());
  REQUIRE(tunnel->opened());
  tunnel->Send("hello through the server");
  CHECK(tunnel->Receive(24) == "hello through the server");
  // More than one relay buffer, both ways.
  std::string big(200 * 1024, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  tunnel->Send(big);
  CHECK(tunnel->Receive(big.size()) == big);

  // A deployer may too; the opening is in the audit trail.
  auto deployer = cluster.OpenAs(cluster.Token("deployer"), Port(echo));
  REQUIRE(deployer->opened());
  auto audit = cluster.Admin()->Get("/api/v1/audit");
  REQUIRE(audit.status == 200);
  CHECK_THAT(audit.body, Catch::Contains("/api/v1/projects/shop/portforward"));
}

TEST_CASE("port-forward through the server: problems before and from the agent", "[portforward]") {
  Echo echo;
  Cluster cluster;
  cluster.AddProject("shop", api::kPhaseRunning, "worker-1");
  cluster.AddProject("waiting", api::kPhasePending, "");

  auto missing_service = cluster.Open("port=80");
  INFO(missing_service->error());
  CHECK(missing_service->status() == 400);
  CHECK_THAT(missing_service->body(), Catch::Contains("query parameter service is required"));
  CHECK(cluster.Open("service=web")->status() == 400);
  auto bad_port = cluster.Open("service=web&port=http");
  CHECK(bad_port->status() == 400);
  CHECK_THAT(bad_port->body(), Catch::Contains("port"));
  CHECK(cluster.Open("service=web&port=0")->status() == 400);

  auto unknown = cluster.Open(Port(echo), "nope");
  CHECK(unknown->status() == 404);
  CHECK_THAT(unknown->body(), Catch::Contains("project not found: nope"));
  auto pending = cluster.Open(Port(echo), "waiting");
  CHECK(pending->status() == 409);
  CHECK_THAT(pending->body(), Catch::Contains("not running on a node"));

  // The agent's own problems come back as they are.
  auto no_container = cluster.Open("service=db&port=80");
  CHECK(no_container->status() == 404);
  CHECK_THAT(no_container->body(), Catch::Contains("container shop-db: container not found"));
  auto refused = cluster.Open("service=web&port=1");
  CHECK(refused->status() == 502);
  CHECK_THAT(refused->body(), Catch::Contains("cannot reach 127.0.0.1:1"));
}

TEST_CASE("port-forward through the server: only the node's own certificate is trusted",
          "[portforward]") {
  Echo echo;
  Cluster cluster("worker-2");
  cluster.AddProject("shop", api::kPhaseRunning, "worker-1");
  auto tunnel = cluster.Open(Port(echo));
  CHECK_FALSE(tunnel->opened());
  CHECK(tunnel->status() == 502);
  CHECK_THAT(tunnel->body(), Catch::Contains("cannot reach the agent of node worker-1"));
}

TEST_CASE("port-forward through the server: a viewer opens no tunnel, nobody without a token",
          "[portforward]") {
  Echo echo;
  Cluster cluster;
  cluster.AddProject("shop", api::kPhaseRunning, "worker-1");
  auto viewer = cluster.OpenAs(cluster.Token("viewer"), Port(echo));
  CHECK(viewer->status() == 403);
  CHECK_THAT(viewer->body(), Catch::Contains("role viewer may not port-forward to projects/shop"));
  auto anonymous = cluster.OpenAs("", Port(echo));
  CHECK(anonymous->status() == 401);
}

// caractrl itself, over HTTPS with a token and the cluster's CA: the
// default path of `caractrl port-forward` now that agents speak only to
// the server.
std::vector<std::string> CaractrlForward(const Cluster& cluster, const std::string& token,
                                         int local, int remote) {
  return {testing::BuiltBinary("caractrl"),
          "--server",
          cluster.server->url(),
          "--token",
          token,
          "--certificate-authority",
          cluster.ca_file,
          "port-forward",
          "shop/web",
          std::to_string(local) + ":" + std::to_string(remote)};
}

std::string ReadLog(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// One exchange through caractrl's local port: what came back.
std::string ExchangeThrough(int local, const std::string& data) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(local)),
                 ec);
  if (ec) return "connect: " + ec.message();
  asio::write(socket, asio::buffer(data), ec);
  std::string back(data.size(), '\0');
  asio::read(socket, asio::buffer(back), ec);
  return ec ? "read: " + ec.message() : back;
}

// caractrl port-forward as `token`, once it listens.
std::unique_ptr<testing::BackgroundProcess> StartForward(const Cluster& cluster,
                                                         const std::string& token, const Echo& echo,
                                                         int local, const std::string& log_path) {
  auto forward = std::make_unique<testing::BackgroundProcess>(
      CaractrlForward(cluster, token, local, echo.port()), std::map<std::string, std::string>{},
      log_path);
  const std::string forwarding = "Forwarding 127.0.0.1:" + std::to_string(local) +
                                 " -> shop/web:" + std::to_string(echo.port());
  REQUIRE(testing::Eventually(
      [&] { return ReadLog(log_path).find(forwarding) != std::string::npos; }, 10000ms));
  return forward;
}

TEST_CASE("caractrl port-forward goes through the server over HTTPS with a token",
          "[portforward][cli]") {
  Echo echo;
  Cluster cluster;
  cluster.AddProject("shop", api::kPhaseRunning, "worker-1");
  const int local = testing::FreeLoopbackPort();
  const std::string log_path = cluster.data.path() + "/forward.log";
  auto forward = StartForward(cluster, cluster.server->admin_token(), echo, local, log_path);
  const std::string first = ExchangeThrough(local, "ping over wss");
  const std::string second = ExchangeThrough(local, "a second tunnel");
  forward->Signal(SIGINT);
  const int code = forward->Wait();
  INFO("caractrl's output:\n" << ReadLog(log_path));
  CHECK(first == "ping over wss");
  CHECK(second == "a second tunnel");
  CHECK(code == 0);
  CHECK(ReadLog(log_path).find("Handling connection for 127.0.0.1:") != std::string::npos);
}

TEST_CASE("caractrl port-forward reports the server's refusal per connection",
          "[portforward][cli]") {
  Echo echo;
  Cluster cluster;
  cluster.AddProject("shop", api::kPhaseRunning, "worker-1");
  const int local = testing::FreeLoopbackPort();
  const std::string log_path = cluster.data.path() + "/forward.log";
  auto forward = StartForward(cluster, cluster.Token("viewer"), echo, local, log_path);
  CHECK(ExchangeThrough(local, "x").rfind("read: ", 0) == 0);
  CHECK(testing::Eventually(
      [&] {
        return ReadLog(log_path).find(
                   "Error: Forbidden: forbidden: role viewer may not port-forward to "
                   "projects/shop") != std::string::npos;
      },
      10000ms));
  INFO(ReadLog(log_path));
  CHECK(forward->running());
  forward->Signal(SIGTERM);
  CHECK(forward->Wait() == 0);
}

}  // namespace
}  // namespace cara::agent
