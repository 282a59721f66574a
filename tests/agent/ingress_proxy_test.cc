// IngressProxy against real HTTP backends (httplib servers on 127.0.0.1)
// and, for the Upgrade path, a raw TCP backend.
#include "agent/ingress_proxy.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include <httplib.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "agent/route_table.h"
#include "ingress_test_peers.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/raw_connection.h"

namespace cara::agent {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using cara::testing::HttpResponse;
using cara::testing::RawConnection;

using cara::testing::Eventually;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Fixture {
  RouteTable routes;
  HttpBackend a{"A"};
  HttpBackend b{"B"};
  IngressProxy proxy;

  explicit Fixture(std::chrono::milliseconds header_timeout = 10000ms)
      : proxy(&routes, IngressProxyOptions{"127.0.0.1:0", header_timeout, 2}) {
    routes.Update("shop", {{"a.example.com", {"127.0.0.1", a.port()}},
                           {ResolveIngressHost("b", "shop"), {"127.0.0.1", b.port()}}});
    Status st = proxy.Start();
    REQUIRE(st.ok());
    REQUIRE(proxy.port() > 0);
  }
  std::unique_ptr<httplib::Client> Client(const std::string& host) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", proxy.port());
    c->set_tcp_nodelay(true);
    c->set_read_timeout(10, 0);
    c->set_default_headers({{"Host", host}});
    return c;
  }
};

std::string Get(const std::string& host, const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
}

// ---------------------------------------------------------------------------

TEST_CASE("ingress: routes by Host, case-insensitively, ignoring the port", "[proxy]") {
  Fixture f;
  RawConnection conn(f.proxy.port());
  conn.Send(Get("a.example.com", "/who"));
  HttpResponse r = conn.ReadResponse();
  CHECK(r.status == 200);
  CHECK(r.body == "A");
  CHECK(r.header("X-Backend") == "A");  // response headers pass through

  conn.Send(Get("B.Shop.Local:8081", "/who"));
  r = conn.ReadResponse();
  CHECK(r.status == 200);
  CHECK(r.body == "B");

  // Status codes other than 200 pass through untouched.
  conn.Send(Get("a.example.com", "/status/418"));
  r = conn.ReadResponse();
  CHECK(r.status == 418);
  CHECK(r.body == "I'm a teapot");
  CHECK(r.header("X-Teapot") == "short and stout");
}

TEST_CASE("ingress: unknown host → 502 page, HTML-escaped, connection kept", "[proxy]") {
  Fixture f;
  RawConnection conn(f.proxy.port());
  conn.Send(Get("evil\"<x>&.example", "/"));
  HttpResponse r = conn.ReadResponse();
  CHECK(r.status == 502);
  CHECK(r.content_type() == "text/html; charset=utf-8");
  CHECK(r.body.find("502") != std::string::npos);
  CHECK(r.body.find("Bad Gateway") != std::string::npos);
  CHECK(r.body.find("Host &#34;evil&#34;&lt;x&gt;&amp;.example&#34; has no backend available.") !=
        std::string::npos);
  CHECK(r.body.find("<x>") == std::string::npos);
  CHECK(r.body.find("Caravanserai Proxy") != std::string::npos);

  // A body we do not forward is drained, and the connection stays usable.
  conn.Send("POST /x HTTP/1.1\r\nHost: nobody.example\r\nContent-Length: 5000\r\n\r\n" +
            std::string(5000, 'z'));
  r = conn.ReadResponse();
  CHECK(r.status == 502);
  CHECK(r.body.find("Host &#34;nobody.example&#34; has no backend available.") !=
        std::string::npos);
  conn.Send(Get("a.example.com", "/who"));
  CHECK(conn.ReadResponse().body == "A");

  // HEAD gets the status without the page.
  conn.Send("HEAD / HTTP/1.1\r\nHost: nobody.example\r\n\r\n");
  r = conn.ReadResponse(/*head_request=*/true);
  CHECK(r.status == 502);
  CHECK(r.body.empty());
}

TEST_CASE("ingress: unreachable backend → 502 page", "[proxy]") {
  Fixture f;
  f.routes.Update("down", {{"down.example.com", {"127.0.0.1", ClosedPort()}}});
  RawConnection conn(f.proxy.port());
  conn.Send(Get("down.example.com", "/"));
  HttpResponse r = conn.ReadResponse();
  CHECK(r.status == 502);
  CHECK(r.content_type() == "text/html; charset=utf-8");
  CHECK(r.body.find("Backend &#34;down.example.com&#34; is unreachable.") != std::string::npos);
  CHECK(r.body.find("Caravanserai Proxy") != std::string::npos);
  conn.Send(Get("a.example.com", "/who"));
  CHECK(conn.ReadResponse().body == "A");
}

TEST_CASE("ingress: Host kept, X-Forwarded-* set, hop-by-hop headers dropped", "[proxy]") {
  Fixture f;
  RawConnection conn(f.proxy.port());
  conn.Send(
      "GET /headers HTTP/1.1\r\nHost: A.example.com:8081\r\nX-Forwarded-For: 203.0.113.7\r\n"
      "X-Custom: yes\r\nConnection: keep-alive, X-Hop\r\nX-Hop: secret\r\n"
      "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n\r\n");
  HttpResponse r = conn.ReadResponse();
  REQUIRE(r.status == 200);
  auto j = nlohmann::json::parse(r.body);
  INFO(j.dump(2));
  CHECK(j["Host"] == "A.example.com:8081");
  CHECK(j["X-Forwarded-For"] == "203.0.113.7, 127.0.0.1");
  CHECK(j["X-Forwarded-Host"] == "A.example.com:8081");
  CHECK(j["X-Forwarded-Proto"] == "http");
  CHECK(j["X-Custom"] == "yes");
  CHECK_FALSE(j.contains("X-Hop"));
  CHECK_FALSE(j.contains("Proxy-Authorization"));

  // Without a prior X-Forwarded-For the client's address alone.
  conn.Send(Get("a.example.com", "/headers"));
  j = nlohmann::json::parse(conn.ReadResponse().body);
  CHECK(j["X-Forwarded-For"] == "127.0.0.1");
}

TEST_CASE("ingress: keep-alive, two requests on one connection", "[proxy]") {
  Fixture f;
  RawConnection conn(f.proxy.port());
  conn.Send(Get("a.example.com", "/who"));
  HttpResponse r1 = conn.ReadResponse();
  conn.Send(Get("b.shop.local", "/who"));
  HttpResponse r2 = conn.ReadResponse();
  CHECK(r1.body == "A");
  CHECK(r2.body == "B");
  CHECK(r1.header("Connection") != "close");
  // Pipelined requests are answered in order too.
  conn.Send(Get("b.shop.local", "/who") + Get("a.example.com", "/who"));
  CHECK(conn.ReadResponse().body == "B");
  CHECK(conn.ReadResponse().body == "A");

  // Connection: close is honoured.
  RawClient once(f.proxy.port());
  once.Send("GET /who HTTP/1.1\r\nHost: a.example.com\r\nConnection: close\r\n\r\n");
  CHECK(once.ReadToEof());
  CHECK(once.data().find("\r\n\r\nA") != std::string::npos);
}

TEST_CASE("ingress: a 5 MiB body goes up and comes back intact", "[proxy]") {
  Fixture f;
  std::string payload;
  payload.reserve(5 * 1024 * 1024);
  for (int i = 0; payload.size() < 5 * 1024 * 1024; ++i) {
    payload += std::to_string(i);
    payload += '\n';
  }
  auto cli = f.Client("a.example.com");

  SECTION("with Content-Length") {
    auto res = cli->Post("/echo", payload, "application/octet-stream");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.size() == payload.size());
    CHECK(res->body == payload);
  }
  SECTION("chunked") {
    size_t step = 300 * 1024;
    auto res = cli->Post(
        "/echo",
        [&](size_t offset, httplib::DataSink& sink) {
          if (offset >= payload.size()) {
            sink.done();
            return true;
          }
          size_t n = std::min(step, payload.size() - offset);
          sink.write(payload.data() + offset, n);
          return true;
        },
        "application/octet-stream");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.size() == payload.size());
    CHECK(res->body == payload);
  }
}

TEST_CASE("ingress: response bodies are streamed, not buffered", "[proxy]") {
  Fixture f;
  auto cli = f.Client("a.example.com");
  std::string got;
  auto res = cli->Get("/stream", [&](const char* data, size_t n) {
    got.append(data, n);
    if (got.find("first\n") != std::string::npos) f.a.client_saw_first_.Set();
    return true;
  });
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(got == "first\nsecond\n");
  CHECK(f.a.released_in_time_);  // "first" reached us while the backend was still waiting
}

TEST_CASE("ingress: request bodies are streamed, not buffered", "[proxy]") {
  Fixture f;
  auto cli = f.Client("a.example.com");
  bool arrived_before_end = false;
  auto res = cli->Post(
      "/upload",
      [&](size_t offset, httplib::DataSink& sink) {
        if (offset == 0) {
          sink.write("part1;", 6);
          return true;
        }
        // Wait until the backend has the first part before finishing.
        arrived_before_end = f.a.first_part_arrived_.Wait(5000ms);
        sink.write("part2", 5);
        sink.done();
        return true;
      },
      "text/plain");
  REQUIRE(res);
  CHECK(res->body == "got part1;part2");
  CHECK(arrived_before_end);
}

TEST_CASE("ingress: Expect: 100-continue", "[proxy]") {
  Fixture f;
  RawClient c(f.proxy.port());
  c.Send(
      "POST /echo HTTP/1.1\r\nHost: a.example.com\r\nContent-Length: 5\r\n"
      "Expect: 100-continue\r\n\r\n");
  REQUIRE(c.ReadUntil("HTTP/1.1 100 Continue\r\n\r\n"));
  c.Send("hello");
  REQUIRE(c.ReadUntil("hello"));
  CHECK(c.data().find("HTTP/1.1 200 OK") != std::string::npos);
}

TEST_CASE("ingress: HEAD and HTTP/1.0 clients", "[proxy]") {
  Fixture f;
  RawConnection conn(f.proxy.port());
  conn.Send("HEAD /who HTTP/1.1\r\nHost: a.example.com\r\n\r\n");
  HttpResponse r = conn.ReadResponse(/*head_request=*/true);
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  conn.Send(Get("a.example.com", "/who"));
  CHECK(conn.ReadResponse().body == "A");

  RawClient old(f.proxy.port());
  old.Send("GET /stream HTTP/1.0\r\nHost: a.example.com\r\n\r\n");
  f.a.client_saw_first_.Set();
  REQUIRE(old.ReadToEof());  // close-delimited: no chunked coding for 1.0
  CHECK(old.data().find("Transfer-Encoding") == std::string::npos);
  CHECK(old.data().find("\r\n\r\nfirst\nsecond\n") != std::string::npos);
}

TEST_CASE("ingress: Upgrade requests become a two-way tunnel", "[proxy]") {
  Fixture f;
  UpgradeBackend up;
  f.routes.Update("ws", {{"ws.example.com", {"127.0.0.1", up.port()}}});
  RawClient c(f.proxy.port());
  ExpectEchoTunnel(c, up);
}

TEST_CASE("ingress: slow request headers time out", "[proxy]") {
  Fixture f(300ms);
  auto start = Clock::now();
  RawClient silent(f.proxy.port());
  RawClient partial(f.proxy.port());
  partial.Send("GET /who HTTP/1.1\r\nHost: a.exa");
  CHECK(silent.ReadToEof());
  CHECK(partial.ReadToEof());
  CHECK(MsSince(start) < 3000);

  // An idle keep-alive connection is closed after the same timeout.
  RawClient idle(f.proxy.port());
  idle.Send(Get("a.example.com", "/who"));
  CHECK(idle.ReadToEof());
  CHECK(idle.data().find("\r\n\r\nA") != std::string::npos);
}

TEST_CASE("ingress: listen addresses", "[proxy]") {
  RouteTable routes;
  HttpBackend a("A");
  routes.Update("shop", {{"a.example.com", {"127.0.0.1", a.port()}}});

  SECTION("\":0\" listens on every interface; IPv4 clients are reported as IPv4") {
    IngressProxy proxy(&routes, IngressProxyOptions{":0", 10000ms, 1});
    REQUIRE(proxy.Start().ok());
    RawConnection conn(proxy.port());
    conn.Send(Get("a.example.com", "/headers"));
    auto j = nlohmann::json::parse(conn.ReadResponse().body);
    CHECK(j["X-Forwarded-For"] == "127.0.0.1");
  }
  SECTION("malformed addresses are rejected") {
    for (std::string bad : {"8081", "", "[::1]8081", "host:port", "1.2.3.4:70000"}) {
      IngressProxy proxy(&routes, IngressProxyOptions{bad, 10000ms, 1});
      Status st = proxy.Start();
      INFO(bad << " -> " << st.ToString());
      CHECK(st.code() == Code::kInvalid);
    }
  }
  SECTION("a port in use is an error") {
    IngressProxy first(&routes, IngressProxyOptions{"127.0.0.1:0", 10000ms, 1});
    REQUIRE(first.Start().ok());
    IngressProxy second(
        &routes, IngressProxyOptions{"127.0.0.1:" + std::to_string(first.port()), 10000ms, 1});
    CHECK(second.Start().code() == Code::kUnavailable);
  }
}

TEST_CASE("ingress: Stop closes idle connections and returns promptly", "[proxy]") {
  Fixture f;
  RawConnection conn(f.proxy.port());
  conn.Send(Get("a.example.com", "/who"));
  CHECK(conn.ReadResponse().body == "A");
  RawClient idle(f.proxy.port());
  UpgradeBackend up;
  f.routes.Update("ws", {{"ws.example.com", {"127.0.0.1", up.port()}}});
  RawClient tunnel(f.proxy.port());
  tunnel.Send(
      "GET / HTTP/1.1\r\nHost: ws.example.com\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
  REQUIRE(tunnel.ReadUntil("welcome;"));

  auto start = Clock::now();
  f.proxy.Stop();
  CHECK(MsSince(start) < 3000);
  CHECK(idle.ReadToEof());
  CHECK(tunnel.ReadToEof());
  CHECK(Eventually([&] { return up.ended(); }));
  f.proxy.Stop();  // idempotent
}

}  // namespace
}  // namespace cara::agent
