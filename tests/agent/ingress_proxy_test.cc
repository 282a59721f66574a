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
#include "support/eventually.h"
#include "support/http_client.h"

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

// A one-shot flag with a timed wait.
class Latch {
 public:
  void Set() {
    std::lock_guard<std::mutex> lock(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool Wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return set_; });
  }
  bool IsSet() {
    std::lock_guard<std::mutex> lock(mu_);
    return set_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

// A real HTTP backend named `name`.
class Backend {
 public:
  explicit Backend(std::string name) : name_(std::move(name)) {
    server_.set_tcp_nodelay(true);
    server_.Get("/who", [this](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Backend", name_);
      res.set_content(name_, "text/plain");
    });
    server_.Get("/headers", [](const httplib::Request& req, httplib::Response& res) {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& [k, v] : req.headers) j[k] = v;
      res.set_content(j.dump(), "application/json");
    });
    server_.Get("/status/418", [](const httplib::Request&, httplib::Response& res) {
      res.status = 418;
      res.set_header("X-Teapot", "short and stout");
      res.set_content("I'm a teapot", "text/plain");
    });
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/octet-stream");
    });
    // Streams "first", then waits for the client to have seen it (proof
    // that the proxy does not hold back the response), then "second".
    server_.Get("/stream", [this](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/plain",
                                       [this](size_t offset, httplib::DataSink& sink) {
                                         if (offset == 0) {
                                           sink.write("first\n", 6);
                                           return true;
                                         }
                                         released_in_time_ = client_saw_first_.Wait(5000ms);
                                         sink.write("second\n", 7);
                                         sink.done();
                                         return true;
                                       });
    });
    // Reads the upload piece by piece; signals once the first piece is in
    // (proof that the proxy does not hold back the request body).
    server_.Post("/upload", [this](const httplib::Request&, httplib::Response& res,
                                   const httplib::ContentReader& reader) {
      std::string body;
      reader([&](const char* data, size_t n) {
        body.append(data, n);
        if (body.find("part1") != std::string::npos) first_part_arrived_.Set();
        return true;
      });
      res.set_content("got " + body, "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() is a no-op until the listen loop runs: wait for it,
    // or a quick test's destructor would join a thread blocked in accept().
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Backend() {
    client_saw_first_.Set();
    first_part_arrived_.Set();
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

  Latch client_saw_first_;
  std::atomic<bool> released_in_time_{false};
  Latch first_part_arrived_;

 private:
  std::string name_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A raw TCP backend that answers an Upgrade request with 101, greets in the
// same packet, then echoes.
class UpgradeBackend {
 public:
  UpgradeBackend() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listen_fd_, 16) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      conn_fd_ = fd;
      std::string in;
      char buf[4096];
      while (in.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return;
        in.append(buf, n);
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        request_ = in.substr(0, in.find("\r\n\r\n"));
      }
      std::string reply =
          "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: "
          "echo\r\n\r\nwelcome;";
      ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      std::string rest = in.substr(in.find("\r\n\r\n") + 4);
      if (!rest.empty()) ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
      for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        ::send(fd, buf, n, MSG_NOSIGNAL);
      }
      ended_ = true;
    });
  }
  ~UpgradeBackend() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    if (conn_fd_ >= 0) ::shutdown(conn_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
    if (conn_fd_ >= 0) ::close(conn_fd_);
  }
  int port() const { return port_; }
  bool ended() const { return ended_; }
  std::string request() {
    std::lock_guard<std::mutex> lock(mu_);
    return request_;
  }

 private:
  int listen_fd_ = -1;
  std::atomic<int> conn_fd_{-1};
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> ended_{false};
  std::mutex mu_;
  std::string request_;
};

// Raw socket for streams and closes RawConnection does not cover.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { ::close(fd_); }
  void Send(const std::string& s) { ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL); }
  bool ReadUntil(const std::string& needle) {
    while (data_.find(needle) == std::string::npos) {
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      data_.append(buf, n);
    }
    return true;
  }
  // True when the peer closed (EOF or reset) before the receive timeout.
  bool ReadToEof() {
    for (;;) {
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
      data_.append(buf, n);
    }
  }
  const std::string& data() const { return data_; }

 private:
  int fd_ = -1;
  std::string data_;
};

struct Fixture {
  RouteTable routes;
  Backend a{"A"};
  Backend b{"B"};
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
  c.Send(
      "GET /socket HTTP/1.1\r\nHost: ws.example.com\r\nConnection: Upgrade\r\n"
      "Upgrade: echo\r\n\r\n");
  REQUIRE(c.ReadUntil("welcome;"));
  CHECK(c.data().rfind("HTTP/1.1 101 Switching Protocols\r\n", 0) == 0);
  CHECK(up.request().find("Upgrade: echo") != std::string::npos);
  c.Send("ping-pong");
  REQUIRE(c.ReadUntil("ping-pong"));
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
  Backend a("A");
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
