// net::HttpServer over real loopback sockets: limits, deadlines, admission,
// graceful close, streamed responses and shutdown. The API-level versions
// of the same attacks run in tests/server/http_robustness_test.cc.
#include "net/http_server.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/http_client.h"
#include "support/raw_connection.h"

namespace cara::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A server whose handler echoes the method, path and body size, counting calls.
class EchoServer {
 public:
  explicit EchoServer(net::HttpServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<net::HttpServer>(
        options, [this](const net::HttpRequest& req, net::HttpResponse& res) {
          ++calls;
          if (req.target == "/slow") std::this_thread::sleep_for(300ms);
          if (req.target == "/stream") return Stream(res);
          res.SetHeader("Content-Type", "text/plain");
          res.body = req.method + " " + req.target + " " + std::to_string(req.body.size());
        });
    REQUIRE(server_->Start().ok());
  }
  int port() const { return server_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  net::HttpServer& server() { return *server_; }
  std::atomic<int> calls{0};

 private:
  static void Stream(net::HttpResponse& res) {
    res.SetHeader("Content-Type", "text/plain");
    auto n = std::make_shared<int>(0);
    res.stream = [n](std::string* piece) {
      *piece += "piece" + std::to_string((*n)++) + ";";
      return *n < 3 ? net::StreamStep::kMore : net::StreamStep::kDone;
    };
  }
  std::unique_ptr<net::HttpServer> server_;
};

std::string Chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

std::string PostHead(const std::string& framing) {
  return "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + framing +
         "\r\n\r\n";
}

TEST_CASE("net: requests, keep-alive and HEAD", "[net]") {
  EchoServer server;
  RawConnection conn(server.port());
  for (int i = 0; i < 3; ++i) {
    conn.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    HttpResponse r = conn.ReadResponse();
    REQUIRE_THAT(r, HasStatus(200));
    CHECK(r.body == "GET /a 0");
    CHECK(r.header("Connection") != "close");
  }
  conn.Send("HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n");
  HttpResponse head = conn.ReadResponse(/*head_request=*/true);
  CHECK_THAT(head, HasStatus(200));
  CHECK(head.header("Content-Length") == "9");
  conn.Send(PostHead("Content-Length: 3") + "abc");
  CHECK(conn.ReadResponse().body == "POST /upload 3");
}

TEST_CASE("net: chunked bodies count against max_body_bytes while they are read", "[net]") {
  net::HttpServerOptions options;
  options.max_body_bytes = 1000;
  EchoServer server(options);

  SECTION("within the limit the body arrives whole") {
    RawConnection conn(server.port());
    conn.Send(PostHead("Transfer-Encoding: chunked") + Chunk(std::string(600, 'a')) +
              Chunk(std::string(400, 'b')) + "0\r\n\r\n");
    CHECK(conn.ReadResponse().body == "POST /upload 1000");
  }
  SECTION("one byte over, spread over small chunks: 413, handler not called") {
    RawConnection conn(server.port());
    std::string body;
    for (int i = 0; i < 91; ++i) body += Chunk(std::string(11, 'x'));  // 1001 bytes
    conn.TrySend(PostHead("Transfer-Encoding: chunked") + body + "0\r\n\r\n");
    HttpResponse r = conn.ReadResponse();
    CHECK_THAT(r, HasStatus(413));
    CHECK(r.header("Connection") == "close");
    CHECK(server.calls == 0);
  }
}

TEST_CASE("net: a 413 reaches a client still sending a large body", "[net]") {
  EchoServer server;  // 1 MiB limit
  const std::string body(10 << 20, 'x');
  for (int i = 0; i < 50; ++i) {
    INFO("iteration " << i);
    RawConnection conn(server.port());
    conn.TrySend(PostHead("Content-Length: " + std::to_string(body.size())));
    // The server answers early, then reads and drops the rest: the whole
    // body can be sent without a reset.
    REQUIRE(conn.TrySend(body));
    HttpResponse r = conn.ReadResponse();
    REQUIRE_THAT(r, HasStatus(413));
  }
  CHECK(server.calls == 0);
}

TEST_CASE("net: headers must arrive within header_timeout", "[net]") {
  net::HttpServerOptions options;
  options.header_timeout = 500ms;
  EchoServer server(options);
  RawConnection slow(server.port());
  // One byte every 100 ms: never idle, never done.
  auto start = Clock::now();
  bool closed = false;
  for (char c : std::string("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaa")) {
    if (!slow.TrySend(std::string(1, c))) {
      closed = true;
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  if (!closed) closed = slow.ClosedByPeerWithin(5s);
  CHECK(closed);
  CHECK(Clock::now() - start < 4s);
  CHECK(server.calls == 0);
}

TEST_CASE("net: slow sockets hold no handler thread", "[net]") {
  net::HttpServerOptions options;
  options.handler_threads = 2;
  EchoServer server(options);
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 100; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server.port()));
    slow.back()->Send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
  }
  HttpClient client(server.url());
  auto start = Clock::now();
  CHECK_THAT(client.Get("/fast"), HasStatus(200));
  CHECK(Clock::now() - start < 1s);
}

TEST_CASE("net: connections per client address are capped, the reserve admits newcomers", "[net]") {
  net::HttpServerOptions options;
  options.limits.max_connections = 20;
  options.limits.max_per_client = 8;
  options.limits.reserved_for_new_clients = 5;

  SECTION("per client") {
    EchoServer server(options);
    std::vector<std::unique_ptr<RawConnection>> held;
    for (int i = 0; i < 8; ++i) held.push_back(std::make_unique<RawConnection>(server.port()));
    // The server admits asynchronously: wait until it counts all eight.
    for (int i = 0; i < 200 && server.server().open_connections() < 8; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    RawConnection refused(server.port());
    CHECK(refused.ClosedByPeerWithin(5s));
    RawConnection other(server.port(), "127.0.0.2");
    other.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_THAT(other.ReadResponse(), HasStatus(200));
    // An admitted connection is served as usual.
    held[0]->Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_THAT(held[0]->ReadResponse(), HasStatus(200));
  }
  SECTION("the last slots go to clients that hold none") {
    options.limits.max_per_client = 100;
    EchoServer server(options);
    std::vector<std::unique_ptr<RawConnection>> held;
    for (int i = 0; i < 15; ++i) held.push_back(std::make_unique<RawConnection>(server.port()));
    for (int i = 0; i < 200 && server.server().open_connections() < 15; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    RawConnection refused(server.port());
    CHECK(refused.ClosedByPeerWithin(5s));
    RawConnection newcomer(server.port(), "127.0.0.3");
    newcomer.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_THAT(newcomer.ReadResponse(), HasStatus(200));
  }
}

TEST_CASE("net: streamed bodies are chunked, a one-piece stream has Content-Length", "[net]") {
  EchoServer server;
  RawConnection conn(server.port());
  conn.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  HttpResponse r = conn.ReadResponse();
  CHECK(r.header("Transfer-Encoding") == "chunked");
  CHECK(r.body == "piece0;piece1;piece2;");
  // The same connection still works after the last chunk, and after a HEAD
  // of a stream, which sends no chunk at all.
  conn.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(conn.ReadResponse().body == "GET /a 0");
  conn.Send("HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  HttpResponse head = conn.ReadResponse(/*head_request=*/true);
  CHECK_THAT(head, HasStatus(200));
  CHECK(head.header("Transfer-Encoding") == "chunked");
  conn.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(conn.ReadResponse().body == "GET /a 0");
  // HTTP/1.0 cannot take chunks: the body is sent whole.
  RawConnection old(server.port());
  old.Send("GET /stream HTTP/1.0\r\n\r\n");
  HttpResponse whole = old.ReadResponse();
  CHECK(whole.header("Content-Length") == "21");
  CHECK(whole.body == "piece0;piece1;piece2;");
}

TEST_CASE("net: Stop lets a request in flight finish and closes idle connections", "[net]") {
  EchoServer server;
  RawConnection idle(server.port());
  RawConnection busy(server.port());
  busy.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  for (int i = 0; i < 200 && server.calls == 0; ++i) std::this_thread::sleep_for(5ms);
  std::thread stopper([&] { server.server().Stop(); });
  HttpResponse r = busy.ReadResponse();
  stopper.join();
  CHECK_THAT(r, HasStatus(200));
  CHECK(r.header("Connection") == "close");
  CHECK(idle.ClosedByPeerWithin(1s));
}

}  // namespace
}  // namespace cara::testing
