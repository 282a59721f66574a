// IngressProxy terminating TLS (real OpenSSL on loopback, a certificate from
// the cluster CA): the same routing, 502 page and tunnels as in plain HTTP,
// plain-HTTP clients refused, the handshake under the header deadline.
#include <chrono>
#include <memory>
#include <string>

#include <httplib.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "agent/ingress_proxy.h"
#include "agent/route_table.h"
#include "ingress_test_peers.h"
#include "security/pki.h"
#include "support/temp_dir.h"

namespace cara::agent {
namespace {

namespace asio = boost::asio;
using cara::testing::TempDir;
using Clock = std::chrono::steady_clock;

struct TlsFixture {
  TempDir data;
  security::Pki pki;
  RouteTable routes;
  HttpBackend a{"A"};
  std::unique_ptr<IngressProxy> proxy;

  explicit TlsFixture(std::chrono::milliseconds header_timeout = 10000ms) {
    Result<security::Pki> made = security::EnsurePki(data.path(), {});
    REQUIRE(made.ok());
    pki = *made;
    routes.Update("shop", {{"a.example.com", {"127.0.0.1", a.port()}}});
    IngressProxyOptions options{"127.0.0.1:0", header_timeout, 2};
    options.tls.cert_file = pki.server_cert_file;
    options.tls.key_file = pki.server_key_file;
    proxy = std::make_unique<IngressProxy>(&routes, options);
    REQUIRE(proxy->Start().ok());
  }

  // An HTTPS client that verifies the proxy against the cluster CA.
  std::unique_ptr<httplib::SSLClient> Client(const std::string& host) {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", proxy->port());
    c->set_ca_cert_path(pki.ca_cert_file.c_str());
    c->enable_server_certificate_verification(true);
    c->set_read_timeout(10, 0);
    c->set_default_headers({{"Host", host}});
    return c;
  }
};

// A raw TLS client, for what httplib cannot do (an Upgrade tunnel).
class RawTlsClient {
 public:
  RawTlsClient(int port, const std::string& ca_file) : ctx_(asio::ssl::context::tls_client) {
    ctx_.load_verify_file(ca_file);
    ctx_.set_verify_mode(asio::ssl::verify_peer);
    stream_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket>>(ioc_, ctx_);
    stream_->lowest_layer().connect(
        {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    stream_->handshake(asio::ssl::stream_base::client);
  }
  void Send(const std::string& s) { asio::write(*stream_, asio::buffer(s)); }
  bool ReadUntil(const std::string& needle) {
    boost::system::error_code ec;
    asio::read_until(*stream_, asio::dynamic_buffer(data_), needle, ec);
    return !ec;
  }
  const std::string& data() const { return data_; }

 private:
  asio::io_context ioc_;
  asio::ssl::context ctx_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket>> stream_;
  std::string data_;
};

TEST_CASE("ingress tls: HTTPS requests are routed by Host, on one connection", "[proxy][tls]") {
  TlsFixture f;
  auto c = f.Client("a.example.com");
  auto r = c->Get("/who");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "A");
  // The backend is told the client spoke HTTPS.
  r = c->Get("/headers");
  REQUIRE(r);
  auto j = nlohmann::json::parse(r->body);
  CHECK(j["X-Forwarded-Proto"] == "https");
  CHECK(j["X-Forwarded-For"] == "127.0.0.1");
}

TEST_CASE("ingress tls: unknown host gets the 502 page over TLS", "[proxy][tls]") {
  TlsFixture f;
  auto r = f.Client("nobody.example")->Get("/");
  REQUIRE(r);
  CHECK(r->status == 502);
  CHECK(r->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(r->body.find("Host &#34;nobody.example&#34; has no backend available.") !=
        std::string::npos);
}

TEST_CASE("ingress tls: a plain HTTP client on the TLS port is refused", "[proxy][tls]") {
  TlsFixture f;
  RawClient plain(f.proxy->port());
  plain.Send("GET /who HTTP/1.1\r\nHost: a.example.com\r\n\r\n");
  CHECK(plain.ReadToEof());
  CHECK(plain.data().find("HTTP/1.") == std::string::npos);
  CHECK(plain.data().find("\r\n\r\nA") == std::string::npos);
}

TEST_CASE("ingress tls: Upgrade requests tunnel through TLS", "[proxy][tls]") {
  TlsFixture f;
  UpgradeBackend up;
  f.routes.Update("ws", {{"ws.example.com", {"127.0.0.1", up.port()}}});
  RawTlsClient c(f.proxy->port(), f.pki.ca_cert_file);
  ExpectEchoTunnel(c, up);
}

TEST_CASE("ingress tls: a client that never handshakes is closed at the header deadline",
          "[proxy][tls]") {
  TlsFixture f(300ms);
  const auto start = Clock::now();
  RawClient silent(f.proxy->port());
  CHECK(silent.ReadToEof());
  const auto elapsed = Clock::now() - start;
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 3000ms);
}

TEST_CASE("ingress tls: an unusable certificate or key stops Start, naming the file",
          "[proxy][tls]") {
  TempDir dir;
  Result<security::Pki> pki = security::EnsurePki(dir.path(), {});
  REQUIRE(pki.ok());
  RouteTable routes;
  IngressProxyOptions options{"127.0.0.1:0", 10000ms, 1};
  const std::string missing = dir.path() + "/missing.crt";
  options.tls.cert_file = missing;
  options.tls.key_file = pki->server_key_file;
  IngressProxy no_cert(&routes, options);
  Status st = no_cert.Start();
  CHECK(st.code() == Code::kInvalid);
  CHECK(st.message().find(missing) != std::string::npos);
  CHECK(no_cert.port() == 0);

  // A key that is not the certificate's.
  options.tls.cert_file = pki->server_cert_file;
  options.tls.key_file = pki->ca_key_file;
  IngressProxy wrong_key(&routes, options);
  st = wrong_key.Start();
  CHECK(st.code() == Code::kInvalid);
  CHECK(st.message().find(pki->ca_key_file) != std::string::npos);
}

}  // namespace
}  // namespace cara::agent
