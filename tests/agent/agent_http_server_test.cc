// AgentHttpServer against a fake ContainerLookup whose "container" lives on
// 127.0.0.1: a real HTTP server (httplib) and a raw TCP echo server started
// by the tests stand in for the container's ports.
#include "agent/agent_http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "agent/container_lookup.h"
#include "raw_client.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/raw_connection.h"

namespace cara::agent {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using cara::testing::HttpClient;
using cara::testing::HttpResponse;

using cara::testing::Eventually;

double MsBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// ---------------------------------------------------------------------------
// The fake Docker side.

class FakeLookup : public ContainerLookup {
 public:
  void SetContainer(const std::string& name, const std::string& state,
                    std::map<std::string, std::string> ips = {{"cara-shop", "127.0.0.1"}}) {
    std::lock_guard<std::mutex> lock(mu_);
    ContainerInfo info;
    info.id = "id-" + name;
    info.name = name;
    info.state = state;
    info.ip_by_network = std::move(ips);
    containers_[name] = info;
  }
  void SetInspectError(Status st) {
    std::lock_guard<std::mutex> lock(mu_);
    inspect_error_ = std::move(st);
  }
  // Non-follow output, then `logs_result`.
  void SetLogs(std::vector<std::string> chunks, Status result = Status::Ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    chunks_ = std::move(chunks);
    logs_result_ = std::move(result);
  }
  // Follow mode emits "tick N\n" every 20 ms; after `limit` ticks (if >= 0)
  // the "container stops" and the stream ends.
  void SetFollowLimit(int limit) { follow_limit_ = limit; }
  // A quiet container: one tick, then nothing until the stream is cancelled
  // through LogOptions::cancel (as DockerClient honours it).
  void SetQuiet() { quiet_ = true; }

  Result<ContainerInfo> Inspect(const std::string& container) override {
    std::lock_guard<std::mutex> lock(mu_);
    inspected_.push_back(container);
    if (!inspect_error_.ok()) return inspect_error_;
    auto it = containers_.find(container);
    if (it == containers_.end()) return Status::NotFound("No such container: " + container);
    return it->second;
  }

  Status StreamLogs(const std::string& container, const LogOptions& options,
                    const std::function<bool(const char*, size_t)>& on_chunk) override {
    std::vector<std::string> chunks;
    Status result;
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_container_ = container;
      last_options_ = options;
      chunks = chunks_;
      result = logs_result_;
    }
    if (!options.follow) {
      for (const auto& c : chunks) {
        if (!on_chunk(c.data(), c.size())) break;
      }
      return result;
    }
    auto stopped = [&](const char* how) {
      std::lock_guard<std::mutex> lock(mu_);
      refused_at_ = Clock::now();
      stopped_how_ = how;
      consumer_stopped_ = true;
      return Status::Ok();
    };
    const bool quiet = quiet_;
    // Bounded (~10 s): a broken server must fail the test, not hang it.
    for (int i = 0; i < (quiet ? 5000 : 500); ++i) {
      if (options.cancel && options.cancel->cancelled()) return stopped("cancel");
      if (follow_limit_ >= 0 && i >= follow_limit_) return Status::Ok();
      if (!quiet || i == 0) {
        std::string line = "tick " + std::to_string(i) + "\n";
        if (!on_chunk(line.data(), line.size())) return stopped("on_chunk");
      }
      std::this_thread::sleep_for(quiet ? 2ms : 20ms);
    }
    return Status::Ok();
  }

  LogOptions last_options() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_options_;
  }
  std::string last_container() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_container_;
  }
  std::vector<std::string> inspected() {
    std::lock_guard<std::mutex> lock(mu_);
    return inspected_;
  }
  // When the server stopped the follow stream, if it did.
  std::optional<Clock::time_point> refused_at() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!consumer_stopped_) return std::nullopt;
    return refused_at_;
  }
  // "cancel" (LogOptions::cancel) or "on_chunk" (the callback said stop).
  std::string stopped_how() {
    std::lock_guard<std::mutex> lock(mu_);
    return stopped_how_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, ContainerInfo> containers_;
  Status inspect_error_;
  std::vector<std::string> chunks_;
  Status logs_result_;
  std::atomic<int> follow_limit_{-1};
  std::atomic<bool> quiet_{false};
  std::string stopped_how_;
  LogOptions last_options_;
  std::string last_container_;
  std::vector<std::string> inspected_;
  bool consumer_stopped_ = false;
  Clock::time_point refused_at_;
};

// ---------------------------------------------------------------------------
// Stand-ins for a container's ports.

// Raw TCP on 127.0.0.1: echoes every byte and counts connections and EOFs.
class EchoBackend {
 public:
  EchoBackend() : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~EchoBackend() {
    stop_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes accept()
    accept_thread_.join();
    CloseAll();
    for (auto& t : threads_) t.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  int accepted() const { return accepted_; }
  int ended() const { return ended_; }
  // The "container" hangs up on every open connection.
  void CloseAll() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& s : sockets_) ::shutdown(s->native_handle(), SHUT_RDWR);
  }

 private:
  void AcceptLoop() {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(ioc_);
      error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec || stop_) return;
      ++accepted_;
      std::lock_guard<std::mutex> lock(mu_);
      sockets_.push_back(socket);
      threads_.emplace_back([this, socket] {
        char buf[16 * 1024];
        for (;;) {
          error_code e;
          size_t n = socket->read_some(net::buffer(buf), e);
          if (e) break;
          net::write(*socket, net::buffer(buf, n), e);
          if (e) break;
        }
        ++ended_;
      });
    }
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread accept_thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> ended_{0};
  std::mutex mu_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> threads_;
};

// A real HTTP server on 127.0.0.1.
class HttpBackend {
 public:
  HttpBackend() {
    server_.set_tcp_nodelay(true);
    server_.Get("/hello", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("hello from the container, you sent " + req.get_header_value("X-Probe"),
                      "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() is a no-op until the listen loop runs: wait for it,
    // or a quick test's destructor would join a thread blocked in accept().
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~HttpBackend() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// A port on 127.0.0.1 with nothing listening.
int ClosedPort() {
  net::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

// ---------------------------------------------------------------------------
// Clients.

// A Beast WebSocket client; reads run on an io_context with a deadline so a
// broken tunnel fails the test instead of hanging it.
class WsClient {
 public:
  // Returns the handshake's HTTP status (101 on success).
  int Connect(int port, const std::string& target, std::string* body = nullptr) {
    ws_.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    websocket::response_type res;
    // The async form: Beast 1.74's synchronous handshake drops the response
    // of a declined upgrade, and the tests want to see the 502 body.
    ws_.async_handshake(res, "127.0.0.1:" + std::to_string(port), target, [](error_code) {});
    ioc_.restart();
    ioc_.run_for(5s);
    if (body) *body = res.body();
    return res.result_int();
  }
  void WriteBinary(const std::string& s) {
    ws_.binary(true);
    ws_.write(net::buffer(s));
  }
  void WriteText(const std::string& s) {
    ws_.text(true);
    ws_.write(net::buffer(s));
  }
  // Reads messages until `bytes` payload bytes arrived, the connection ends or
  // the deadline passes. Sets *ended when the connection ended.
  std::string Read(size_t bytes, std::chrono::milliseconds timeout, bool* ended) {
    std::string out;
    bool done = false;
    beast::flat_buffer buf;
    std::function<void()> next = [&] {
      ws_.async_read(buf, [&](error_code ec, size_t) {
        if (ec) {
          done = true;
          return;
        }
        all_binary_ = all_binary_ && ws_.got_binary();
        out += beast::buffers_to_string(buf.data());
        buf.consume(buf.size());
        if (out.size() < bytes) next();
      });
    };
    next();
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!ioc_.stopped()) {  // deadline: abandon the read
      error_code ignored;
      ws_.next_layer().cancel(ignored);
      ioc_.restart();
      ioc_.run_for(1s);
    }
    *ended = done;
    return out;
  }
  bool all_binary() const { return all_binary_; }
  // An abrupt close, as a killed CLI would do.
  void CloseTcp() {
    error_code ignored;
    ws_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    ws_.next_layer().close(ignored);
  }

 private:
  net::io_context ioc_;
  websocket::stream<tcp::socket> ws_{ioc_};
  bool all_binary_ = true;
};

// Problem bodies: keys in order title, status, type, detail.
void CheckProblem(const HttpResponse& r, int status, const std::string& title,
                  const std::string& detail) {
  INFO(r.status << " " << r.content_type() << " " << r.body);
  CHECK(r.status == status);
  CHECK(r.content_type() == "application/problem+json");
  auto j = nlohmann::ordered_json::parse(r.body, nullptr, false);
  REQUIRE(j.is_object());
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"title", "status", "type", "detail"});
  CHECK(j["title"] == title);
  CHECK(j["status"] == status);
  CHECK(j["type"] ==
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/" + std::to_string(status));
  CHECK(j["detail"] == detail);
}

struct Fixture {
  FakeLookup lookup;
  AgentHttpServer server{&lookup, AgentHttpServerOptions{"127.0.0.1", 0, {}}};
  std::unique_ptr<HttpClient> api;

  Fixture() {
    Status st = server.Start();
    REQUIRE(st.ok());
    REQUIRE(server.port() > 0);
    api = std::make_unique<HttpClient>("http://127.0.0.1:" + std::to_string(server.port()));
  }
  std::string ForwardPath(int port) { return "/api/v1/forward/shop/web/" + std::to_string(port); }
};

// ---------------------------------------------------------------------------

TEST_CASE("agent api: /healthz, unknown paths and methods", "[http]") {
  Fixture f;
  HttpResponse r = f.api->Get("/healthz");
  CHECK(r.status == 200);
  CHECK(r.body == "OK");
  CHECK(r.content_type() == "text/plain; charset=utf-8");
  CHECK(f.api->Head("/healthz").status == 200);

  r = f.api->Get("/nope");
  CHECK(r.status == 404);
  CHECK(r.body == "404 page not found\n");
  CHECK(r.content_type() == "text/plain; charset=utf-8");
  CHECK(f.api->Get("/healthz/").status == 404);
  CHECK(f.api->Get("/api/v1/logs/shop").status == 404);
  CHECK(f.api->Get("/api/v1/logs/shop/web/extra").status == 404);
  CHECK(f.api->Get("/api/v1/forward/shop/web").status == 404);

  r = f.api->Post("/healthz", "");
  CHECK(r.status == 405);
  CHECK(r.header("Allow") == "GET, HEAD");
  CHECK(f.lookup.inspected().empty());
}

TEST_CASE("agent api: a port in use is an error", "[http]") {
  Fixture f;
  AgentHttpServer second(&f.lookup, AgentHttpServerOptions{"127.0.0.1", f.server.port(), {}});
  CHECK(second.Start().code() == Code::kUnavailable);
  CHECK(f.api->Get("/healthz").status == 200);
}

TEST_CASE("agent api: keep-alive across requests", "[http]") {
  Fixture f;
  cara::testing::RawConnection conn(f.server.port());
  conn.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(conn.ReadResponse().status == 200);
  CHECK(conn.ReadResponse().status == 404);
  conn.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(conn.ReadResponse().status == 200);
}

// ---- logs -------------------------------------------------------------------

TEST_CASE("agent api: logs errors", "[http]") {
  Fixture f;
  SECTION("missing container → 404 with the '/' form") {
    CheckProblem(f.api->Get("/api/v1/logs/shop/web"), 404, "Not Found",
                 "container shop/web: container not found");
    CHECK(f.lookup.inspected() == std::vector<std::string>{"shop-web"});
  }
  SECTION("follow on a stopped container → 409") {
    f.lookup.SetContainer("shop-web", "exited");
    CheckProblem(f.api->Get("/api/v1/logs/shop/web?follow=true"), 409, "Conflict",
                 "container shop/web: container not running");
  }
  SECTION("any other inspect error → 404") {
    f.lookup.SetInspectError(Status::Unavailable("Cannot connect to the Docker daemon"));
    CheckProblem(f.api->Get("/api/v1/logs/shop/web"), 404, "Not Found",
                 "container shop/web: container not found");
  }
  SECTION("an error from the log stream before any output is classified too") {
    f.lookup.SetContainer("shop-web", "running");
    f.lookup.SetLogs({}, Status::Conflict("container shop-web is not running"));
    CheckProblem(f.api->Get("/api/v1/logs/shop/web"), 409, "Conflict",
                 "container shop/web: container not running");
    f.lookup.SetLogs({}, Status::NotFound("No such container: shop-web"));
    CheckProblem(f.api->Get("/api/v1/logs/shop/web"), 404, "Not Found",
                 "container shop/web: container not found");
  }
}

TEST_CASE("agent api: logs without follow stream everything, then end", "[http]") {
  Fixture f;
  f.lookup.SetContainer("shop-web", "exited");  // fine without follow
  f.lookup.SetLogs({"line 1\n", "", "line 2\nline 3\n"});

  HttpResponse r = f.api->Get("/api/v1/logs/shop/web");
  CHECK(r.status == 200);
  CHECK(r.body == "line 1\nline 2\nline 3\n");
  CHECK(r.content_type() == "text/plain; charset=utf-8");
  CHECK(r.header("X-Content-Type-Options") == "nosniff");
  CHECK(r.header("Transfer-Encoding") == "chunked");
  CHECK(f.lookup.last_container() == "shop-web");
  LogOptions o = f.lookup.last_options();
  CHECK_FALSE(o.follow);
  CHECK_FALSE(o.timestamps);
  CHECK(o.tail == "all");

  SECTION("query parsing: Go ParseBool, tail passed as is") {
    f.api->Get("/api/v1/logs/shop/web?tail=10&timestamps=T&follow=yes");
    o = f.lookup.last_options();
    CHECK_FALSE(o.follow);  // "yes" is not a Go bool: false, so no 409 either
    CHECK(o.timestamps);
    CHECK(o.tail == "10");
    f.api->Get("/api/v1/logs/shop/web?tail=&timestamps=0");
    o = f.lookup.last_options();
    CHECK(o.tail == "all");
    CHECK_FALSE(o.timestamps);
  }
  SECTION("path segments are unescaped") {
    f.lookup.SetContainer("my shop-web", "running");
    CHECK(f.api->Get("/api/v1/logs/my%20shop/web").status == 200);
    CHECK(f.lookup.last_container() == "my shop-web");
  }
}

TEST_CASE("agent api: follow streams chunk by chunk and ends when the container stops", "[http]") {
  Fixture f;
  f.lookup.SetContainer("shop-web", "running");
  f.lookup.SetFollowLimit(3);
  RawClient c(f.server.port());
  // A pipelined request makes the socket readable: that must not end the stream.
  c.Send(
      "GET /api/v1/logs/shop/web?follow=1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  // The first tick arrives on its own, long before the stream ends.
  REQUIRE(c.ReadUntil("tick 0\n"));
  CHECK(c.data().find("tick 2") == std::string::npos);
  CHECK(c.data().rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  REQUIRE(c.ReadToEof());
  CHECK(c.data().find("tick 2\n") != std::string::npos);
  CHECK(c.data().size() >= 5);
  CHECK(c.data().substr(c.data().size() - 5) == "0\r\n\r\n");  // clean end of the body
}

TEST_CASE("agent api: a client leaving a follow stream stops it promptly", "[http]") {
  Fixture f;
  f.lookup.SetContainer("shop-web", "running");
  RawClient c(f.server.port());
  c.Send("GET /api/v1/logs/shop/web?follow=true HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(c.ReadUntil("tick 1\n"));
  auto left = Clock::now();
  c.Close();
  REQUIRE(Eventually([&] { return f.lookup.refused_at().has_value(); }));
  // The next chunk after the disconnect is refused (ticks are 20 ms apart).
  CHECK(MsBetween(left, *f.lookup.refused_at()) < 500);
  // The server is still fine.
  CHECK(f.api->Get("/healthz").status == 200);
}

TEST_CASE("agent api: a client leaving a quiet follow stream cancels it at once", "[http]") {
  Fixture f;
  f.lookup.SetContainer("shop-web", "running");
  f.lookup.SetQuiet();
  RawClient c(f.server.port());
  c.Send("GET /api/v1/logs/shop/web?follow=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(c.ReadUntil("tick 0\n"));
  auto left = Clock::now();
  c.Close();
  // No further output would ever come: only the cancel hook can end it.
  REQUIRE(Eventually([&] { return f.lookup.refused_at().has_value(); }));
  CHECK(f.lookup.stopped_how() == "cancel");
  CHECK(MsBetween(left, *f.lookup.refused_at()) < 500);
}

TEST_CASE("agent api: Stop cancels a quiet follow stream", "[http]") {
  Fixture f;
  f.lookup.SetContainer("shop-web", "running");
  f.lookup.SetQuiet();
  RawClient c(f.server.port());
  c.Send("GET /api/v1/logs/shop/web?follow=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(c.ReadUntil("tick 0\n"));
  auto start = Clock::now();
  f.server.Stop();
  CHECK(MsBetween(start, Clock::now()) < 1500);  // no waiting for a grace period
  CHECK(f.lookup.stopped_how() == "cancel");
  CHECK(c.ReadToEof());
}

// ---- forward ------------------------------------------------------------------

TEST_CASE("agent api: forward errors", "[http]") {
  Fixture f;
  SECTION("invalid ports → 400") {
    for (std::string raw : {"abc", "0", "65536", "-1", "80x", "99999999999"}) {
      CheckProblem(f.api->Get("/api/v1/forward/shop/web/" + raw), 400, "Validation Problem",
                   "invalid port: " + raw);
    }
    CHECK(f.lookup.inspected().empty());
  }
  SECTION("missing container → 404 with the '-' form") {
    CheckProblem(f.api->Get(f.ForwardPath(80)), 404, "Not Found",
                 "container shop-web: container not found");
  }
  SECTION("any inspect error → 404") {
    f.lookup.SetInspectError(Status::Unavailable("daemon down"));
    CheckProblem(f.api->Get(f.ForwardPath(80)), 404, "Not Found",
                 "container shop-web: container not found");
  }
  SECTION("not running → 503") {
    f.lookup.SetContainer("shop-web", "exited");
    CheckProblem(f.api->Get(f.ForwardPath(80)), 503, "Service Unavailable",
                 "container shop-web: container not running");
  }
  SECTION("nothing listening → 502 before any upgrade") {
    f.lookup.SetContainer("shop-web", "running");
    int port = ClosedPort();
    std::string target = "127.0.0.1:" + std::to_string(port);
    CheckProblem(f.api->Get(f.ForwardPath(port)), 502, "Bad Gateway",
                 "cannot reach " + target + ": dial tcp " + target +
                     ": connect: connection refused: port unreachable");
    // Also for a real WebSocket client: the handshake gets the 502.
    WsClient ws;
    std::string body;
    CHECK(ws.Connect(f.server.port(), f.ForwardPath(port), &body) == 502);
    CHECK(body.find("port unreachable") != std::string::npos);
  }
  SECTION("not a WebSocket handshake → 400 Bad Request, dialled connection closed") {
    EchoBackend echo;
    f.lookup.SetContainer("shop-web", "running");
    HttpResponse r = f.api->Get(f.ForwardPath(echo.port()));
    CHECK(r.status == 400);
    CHECK(r.body == "Bad Request\n");
    CHECK(r.content_type() == "text/plain; charset=utf-8");
    CHECK(Eventually([&] { return echo.accepted() == 1; }));  // dialled before the upgrade...
    CHECK(Eventually([&] { return echo.ended() == 1; }));     // ...and closed again

    // A handshake with a bad key or version is no better.
    RawClient c(f.server.port());
    c.Send("GET " + f.ForwardPath(echo.port()) +
           " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
           "Sec-WebSocket-Version: 12\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    REQUIRE(c.ReadUntil("Bad Request\n"));
    CHECK(c.data().rfind("HTTP/1.1 400 Bad Request", 0) == 0);
  }
}

TEST_CASE("agent api: forward tunnels a real HTTP exchange", "[http]") {
  Fixture f;
  HttpBackend backend;
  // The project's network wins over another one with an IP ("bridge" sorts
  // first, and nothing listens on 127.0.0.2).
  f.lookup.SetContainer("shop-web", "running",
                        {{"bridge", "127.0.0.2"}, {"cara-shop", "127.0.0.1"}});
  WsClient ws;
  REQUIRE(ws.Connect(f.server.port(), f.ForwardPath(backend.port())) == 101);
  // Split over a text and a binary message: both are written raw to TCP.
  ws.WriteText("GET /hello HTTP/1.1\r\nHost: web\r\n");
  ws.WriteBinary("X-Probe: 42\r\nConnection: close\r\n\r\n");
  bool ended = false;
  std::string got = ws.Read(SIZE_MAX, 5000ms, &ended);
  CHECK(got.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(got.find("hello from the container, you sent 42") != std::string::npos);
  CHECK(ws.all_binary());
  CHECK(ended);  // the backend closed (Connection: close), so the tunnel did
}

TEST_CASE("agent api: forward falls back to any network with an IP", "[http]") {
  Fixture f;
  EchoBackend echo;
  f.lookup.SetContainer("shop-web", "running", {{"bridge", "127.0.0.1"}, {"other", ""}});
  WsClient ws;
  REQUIRE(ws.Connect(f.server.port(), f.ForwardPath(echo.port())) == 101);
  ws.WriteBinary("ping");
  bool ended = false;
  CHECK(ws.Read(4, 5000ms, &ended) == "ping");
}

TEST_CASE("agent api: forward carries large data both ways", "[http]") {
  Fixture f;
  EchoBackend echo;
  f.lookup.SetContainer("shop-web", "running");
  WsClient ws;
  REQUIRE(ws.Connect(f.server.port(), f.ForwardPath(echo.port())) == 101);
  std::string payload;
  for (int i = 0; payload.size() < 1024 * 1024; ++i) payload += "chunk-" + std::to_string(i) + ";";
  // The writer runs beside the reader: the echo cannot buffer 1 MiB forever.
  std::thread writer([&] {
    for (size_t off = 0; off < payload.size(); off += 50000) {
      ws.WriteBinary(payload.substr(off, 50000));
    }
  });
  bool ended = false;
  std::string got = ws.Read(payload.size(), 10000ms, &ended);
  writer.join();
  CHECK(got.size() == payload.size());
  CHECK(got == payload);
  CHECK(ws.all_binary());
  CHECK_FALSE(ended);
}

TEST_CASE("agent api: closing one side of a tunnel closes the other", "[http]") {
  Fixture f;
  EchoBackend echo;
  f.lookup.SetContainer("shop-web", "running");

  SECTION("the client goes away") {
    WsClient ws;
    REQUIRE(ws.Connect(f.server.port(), f.ForwardPath(echo.port())) == 101);
    ws.WriteBinary("x");
    bool ended = false;
    REQUIRE(ws.Read(1, 5000ms, &ended) == "x");
    ws.CloseTcp();
    CHECK(Eventually([&] { return echo.ended() == 1; }));
  }
  SECTION("the container side goes away") {
    WsClient ws;
    REQUIRE(ws.Connect(f.server.port(), f.ForwardPath(echo.port())) == 101);
    ws.WriteBinary("x");
    bool ended = false;
    REQUIRE(ws.Read(1, 5000ms, &ended) == "x");
    echo.CloseAll();
    auto start = Clock::now();
    ws.Read(SIZE_MAX, 3000ms, &ended);
    CHECK(ended);
    CHECK(MsBetween(start, Clock::now()) < 2000);
  }
  SECTION("one WebSocket per TCP connection") {
    WsClient a, b;
    REQUIRE(a.Connect(f.server.port(), f.ForwardPath(echo.port())) == 101);
    REQUIRE(b.Connect(f.server.port(), f.ForwardPath(echo.port())) == 101);
    a.WriteBinary("from a");
    b.WriteBinary("from b");
    bool ended = false;
    CHECK(a.Read(6, 5000ms, &ended) == "from a");
    CHECK(b.Read(6, 5000ms, &ended) == "from b");
    CHECK(echo.accepted() == 2);
  }
}

TEST_CASE("agent api: Stop ends tunnels and follow streams promptly", "[http]") {
  Fixture f;
  EchoBackend echo;
  f.lookup.SetContainer("shop-web", "running");
  WsClient ws;
  REQUIRE(ws.Connect(f.server.port(), f.ForwardPath(echo.port())) == 101);
  RawClient logs(f.server.port());
  logs.Send("GET /api/v1/logs/shop/web?follow=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(logs.ReadUntil("tick 0\n"));
  RawClient idle(f.server.port());  // an idle connection that never sends

  auto start = Clock::now();
  f.server.Stop();
  CHECK(MsBetween(start, Clock::now()) < 3000);
  bool ended = false;
  ws.Read(SIZE_MAX, 2000ms, &ended);
  CHECK(ended);
  CHECK(Eventually([&] { return echo.ended() == 1; }));
  CHECK(logs.ReadToEof());
  CHECK(idle.ReadToEof());
  CHECK(f.lookup.refused_at().has_value());
  f.server.Stop();  // idempotent
}

}  // namespace
}  // namespace cara::agent
