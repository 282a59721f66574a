// A handler takes over its client's connection and relays it, byte for
// byte, to a local TCP echo server: what a WebSocket upgrade relayed to an
// agent needs from net::HttpServer.
#include "net/connection_takeover.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "net/http_server.h"
#include "net/stream_pump.h"
#include "support/http_client.h"
#include "support/raw_connection.h"
#include "test_pki.h"

namespace cara::testing {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using namespace std::chrono_literals;

// Echoes every byte of each connection, one connection at a time.
class TcpEchoServer {
 public:
  TcpEchoServer() : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] {
      for (;;) {
        error_code ec;
        tcp::socket socket(ioc_);
        acceptor_.accept(socket, ec);
        if (ec || stopping_) return;
        char buf[4096];
        for (;;) {
          size_t n = socket.read_some(asio::buffer(buf), ec);
          if (ec) break;
          asio::write(socket, asio::buffer(buf, n), ec);
          if (ec) break;
        }
      }
    });
  }
  // A blocking accept() does not wake up when another thread closes the
  // socket: a last connection does it.
  ~TcpEchoServer() {
    stopping_ = true;
    tcp::socket wake(ioc_);
    error_code ignored;
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Connects the client's stream to the echo server and pumps both ways.
class RelayToEcho : public net::ConnectionTakeover {
 public:
  explicit RelayToEcho(int port) : port_(port) {}
  asio::awaitable<void> Run(net::ByteStream& client) override {
    auto executor = co_await asio::this_coro::executor;
    tcp::socket upstream(executor);
    error_code ec;
    co_await upstream.async_connect({asio::ip::make_address("127.0.0.1"), uint16_t(port_)},
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    auto shut_both = [&] {
      error_code ignored;
      upstream.shutdown(tcp::socket::shutdown_both, ignored);
      client.Close();
    };
    co_await net::PumpBothWays(client, upstream, 16 << 10, shut_both, "test relay");
  }

 private:
  int port_;
};

// Relays /relay to the echo server, answers anything else with "plain".
class RelayServer {
 public:
  explicit RelayServer(net::HttpServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<net::HttpServer>(
        options, [this](const net::HttpRequest& req, net::HttpResponse& res) {
          if (req.target == "/relay") {
            res.takeover = std::make_shared<RelayToEcho>(echo_.port());
          } else {
            res.body = "plain";
          }
        });
    REQUIRE(server_->Start().ok());
  }
  int port() const { return server_->port(); }
  net::HttpServer& server() { return *server_; }

 private:
  TcpEchoServer echo_;
  std::unique_ptr<net::HttpServer> server_;
};

const std::string kRelayRequest = "GET /relay HTTP/1.1\r\nHost: x\r\nUpgrade: test\r\n\r\n";

// Sends `bytes` and reads exactly as many back.
template <class Stream>
std::string RoundTrip(Stream& stream, const std::string& bytes, size_t expect) {
  asio::write(stream, asio::buffer(bytes));
  std::string back(expect, '\0');
  asio::read(stream, asio::buffer(back));
  return back;
}

template <class Stream>
void CheckRelays(Stream& stream) {
  // Bytes sent with the request reach the relay first: nothing is lost in
  // the server's read-ahead buffer, and no HTTP response comes before them.
  CHECK(RoundTrip(stream, kRelayRequest + "early", 5) == "early");
  for (int i = 0; i < 3; ++i) {
    std::string big(100000 + i, char('a' + i));
    CHECK(RoundTrip(stream, big, big.size()) == big);
  }
}

TEST_CASE("net: a takeover relays the connection both ways, bytes sent early first",
          "[net][takeover]") {
  RelayServer server;
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), uint16_t(server.port())});
  CheckRelays(socket);

  // Other connections are served as usual meanwhile.
  RawConnection other(server.port());
  other.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(other.ReadResponse().body == "plain");

  // When the client leaves, the relay ends and the connection is released.
  socket.close();
  for (int i = 0; i < 200 && server.server().open_connections() > 1; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(server.server().open_connections() == 1);
}

TEST_CASE("net: a takeover relays a TLS connection the same way", "[net][takeover][tls]") {
  TestPki pki;
  net::HttpServerOptions options;
  options.tls = pki.ServerTls();
  RelayServer server(options);
  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(pki.ca_file());
  asio::ssl::stream<tcp::socket> tls(ioc, ctx);
  tls.set_verify_mode(asio::ssl::verify_peer);
  tls.next_layer().connect({asio::ip::make_address("127.0.0.1"), uint16_t(server.port())});
  tls.handshake(asio::ssl::stream_base::client);
  CheckRelays(tls);
}

TEST_CASE("net: Stop() cuts a relay at once instead of waiting for it", "[net][takeover]") {
  net::HttpServerOptions options;
  options.stop_grace = 10s;
  RelayServer server(options);
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), uint16_t(server.port())});
  CHECK(RoundTrip(socket, kRelayRequest + "x", 1) == "x");

  auto start = std::chrono::steady_clock::now();
  server.server().Stop();
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  char c;
  error_code ec;
  socket.read_some(asio::buffer(&c, 1), ec);
  CHECK(ec);  // closed by the server
}

}  // namespace
}  // namespace cara::testing
