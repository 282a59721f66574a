// net::HttpServer over real TLS on loopback: the same service, deadlines and
// limits as over plain TCP, plain HTTP refused, client certificates.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "net/http_server.h"
#include "support/http_client.h"
#include "support/raw_connection.h"
#include "test_pki.h"

namespace cara::testing {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Echoes method, path and body size; /stream sends three chunks.
class TlsEchoServer {
 public:
  explicit TlsEchoServer(net::TlsServerOptions tls, net::HttpServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.tls = std::move(tls);
    server_ = std::make_unique<net::HttpServer>(
        options, [this](const net::HttpRequest& req, net::HttpResponse& res) {
          ++calls;
          if (req.target == "/stream") {
            auto n = std::make_shared<int>(0);
            res.stream = [n](std::string* piece) {
              *piece += "piece" + std::to_string((*n)++) + ";";
              return *n < 3 ? net::StreamStep::kMore : net::StreamStep::kDone;
            };
            return;
          }
          res.body = req.method + " " + req.target + " " + std::to_string(req.body.size());
        });
    REQUIRE(server_->Start().ok());
  }
  int port() const { return server_->port(); }
  net::HttpServer& server() { return *server_; }
  std::atomic<int> calls{0};

 private:
  std::unique_ptr<net::HttpServer> server_;
};

std::unique_ptr<httplib::SSLClient> Client(const TestPki& pki, int port,
                                           const std::string& cert = "",
                                           const std::string& key = "") {
  auto client = cert.empty() ? std::make_unique<httplib::SSLClient>("127.0.0.1", port)
                             : std::make_unique<httplib::SSLClient>("127.0.0.1", port, cert, key);
  client->set_ca_cert_path(pki.ca_file().c_str());
  client->enable_server_certificate_verification(true);
  client->set_connection_timeout(5);
  client->set_read_timeout(5);
  client->set_keep_alive(true);
  return client;
}

// A raw TLS connection, for byte-level control after the handshake.
struct TlsSocket {
  explicit TlsSocket(const TestPki& pki, int port)
      : ctx(ssl::context::tls_client), stream(ioc, ctx) {
    ctx.load_verify_file(pki.ca_file());
    stream.set_verify_mode(ssl::verify_peer);
    stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), uint16_t(port)});
    stream.handshake(ssl::stream_base::client);
  }
  // True when the server closed the connection within `timeout`.
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    timeval tv{static_cast<long>(timeout.count() / 1000),
               static_cast<long>(timeout.count() % 1000) * 1000};
    ::setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[256];
    boost::system::error_code ec;
    while (!ec) stream.read_some(asio::buffer(buf), ec);
    return ec != asio::error::would_block && ec != asio::error::try_again;
  }
  asio::io_context ioc;
  ssl::context ctx;
  ssl::stream<tcp::socket> stream;
};

TEST_CASE("net/tls: requests over HTTPS, kept alive, with bodies and streams", "[net][tls]") {
  TestPki pki;
  TlsEchoServer server(pki.ServerTls());
  auto client = Client(pki, server.port());
  for (int i = 0; i < 3; ++i) {
    auto res = client->Get("/a");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == "GET /a 0");
  }
  auto post = client->Post("/up", std::string(5000, 'x'), "text/plain");
  REQUIRE(post);
  CHECK(post->body == "POST /up 5000");
  auto streamed = client->Get("/stream");
  REQUIRE(streamed);
  CHECK(streamed->body == "piece0;piece1;piece2;");
  CHECK(streamed->get_header_value("Transfer-Encoding") == "chunked");
  // One connection served them all.
  CHECK(server.server().open_connections() == 1);
}

TEST_CASE("net/tls: a plain HTTP client fails the handshake and is disconnected", "[net][tls]") {
  TestPki pki;
  TlsEchoServer server(pki.ServerTls());
  RawConnection plain(server.port());
  plain.TrySend("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  auto start = Clock::now();
  CHECK(plain.ClosedByPeerWithin(5s));
  CHECK(Clock::now() - start < 2s);
  CHECK(server.calls == 0);
}

TEST_CASE("net/tls: the handshake and then the headers must finish within header_timeout",
          "[net][tls]") {
  TestPki pki;
  net::HttpServerOptions options;
  options.header_timeout = 500ms;
  TlsEchoServer server(pki.ServerTls(), options);

  SECTION("a client that never starts the handshake") {
    RawConnection silent(server.port());
    auto start = Clock::now();
    CHECK(silent.ClosedByPeerWithin(5s));
    CHECK(Clock::now() - start < 3s);
  }
  SECTION("a client that sends its headers too slowly") {
    TlsSocket slow(pki, server.port());
    auto start = Clock::now();
    bool closed = false;
    for (char c : std::string("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa")) {
      boost::system::error_code ec;
      asio::write(slow.stream, asio::buffer(&c, 1), ec);
      if (ec) {
        closed = true;
        break;
      }
      std::this_thread::sleep_for(100ms);
    }
    if (!closed) closed = slow.ClosedWithin(5s);
    CHECK(closed);
    CHECK(Clock::now() - start < 4s);
  }
  CHECK(server.calls == 0);
}

TEST_CASE("net/tls: bodies over max_body_bytes get 413 over TLS", "[net][tls]") {
  TestPki pki;
  net::HttpServerOptions options;
  options.max_body_bytes = 1000;
  TlsEchoServer server(pki.ServerTls(), options);
  auto client = Client(pki, server.port());
  auto ok = client->Post("/up", std::string(1000, 'x'), "text/plain");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  auto too_large = client->Post("/up", std::string(1001, 'x'), "text/plain");
  REQUIRE(too_large);
  CHECK(too_large->status == 413);
  CHECK(server.calls == 1);
}

TEST_CASE("net/tls: with a client CA, only a certificate with the required CN gets in",
          "[net][tls]") {
  TestPki pki;
  net::TlsServerOptions tls = pki.ServerTls();
  tls.client_ca_file = pki.ca_file();
  tls.required_client_cn = "cara-server";
  TlsEchoServer server(tls);

  SECTION("the agent client certificate is accepted") {
    auto client = Client(pki, server.port(), pki.pki().agent_client_cert_file,
                         pki.pki().agent_client_key_file);
    auto res = client->Get("/a");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(server.calls == 1);
  }
  SECTION("no certificate is refused") {
    auto res = Client(pki, server.port())->Get("/a");
    CHECK_FALSE(res);
    CHECK(server.calls == 0);
  }
  SECTION("a certificate from the same CA under another name is refused") {
    auto [cert, key] = pki.ClientCert("node:intruder");
    auto res = Client(pki, server.port(), cert, key)->Get("/a");
    CHECK_FALSE(res);
    CHECK(server.calls == 0);
  }
  SECTION("a certificate named cara-server from another CA is refused") {
    TestPki other;
    auto res = Client(pki, server.port(), other.pki().agent_client_cert_file,
                      other.pki().agent_client_key_file)
                   ->Get("/a");
    CHECK_FALSE(res);
    CHECK(server.calls == 0);
  }
}

TEST_CASE("net/tls: unusable certificate files fail Start() with a message naming them",
          "[net][tls]") {
  TestPki pki;
  net::HttpServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.tls = pki.ServerTls();
  options.tls.key_file = pki.pki().dir + "/missing.key";
  net::HttpServer server(options, [](const net::HttpRequest&, net::HttpResponse&) {});
  Status started = server.Start();
  CHECK_FALSE(started.ok());
  CHECK_THAT(started.message(), Catch::Contains("missing.key"));
}

}  // namespace
}  // namespace cara::testing
