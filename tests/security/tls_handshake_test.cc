// The generated files serve real TLS: cpp-httplib's server with server.crt
// and server.key, its client trusting only ca.crt with verification on.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <thread>

#include "security/atomic_file.h"
#include "security/certificate.h"
#include "security/pki.h"
#include "support/temp_dir.h"

namespace cara::security {
namespace {

using cara::testing::TempDir;

class TlsServer {
 public:
  explicit TlsServer(const Pki& pki)
      : server_(pki.server_cert_file.c_str(), pki.server_key_file.c_str()) {
    REQUIRE(server_.is_valid());
    server_.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("pong", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~TlsServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
};

httplib::Result Ping(const std::string& host, int port, const std::string& ca_file) {
  httplib::SSLClient client(host, port);
  client.set_ca_cert_path(ca_file.c_str());
  client.enable_server_certificate_verification(true);
  client.set_connection_timeout(5);
  return client.Get("/ping");
}

TEST_CASE("a TLS client that trusts ca.crt talks to a server with server.crt", "[pki][tls]") {
  TempDir data;
  Result<Pki> pki = EnsurePki(data.path(), {});
  REQUIRE(pki.ok());
  TlsServer server(*pki);

  std::string host = GENERATE(std::string("localhost"), std::string("127.0.0.1"));
  INFO(host);
  httplib::Result res = Ping(host, server.port(), pki->ca_cert_file);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "pong");
}

TEST_CASE("a TLS client that trusts another CA refuses the server", "[pki][tls]") {
  TempDir data;
  TempDir other;
  Result<Pki> pki = EnsurePki(data.path(), {});
  Result<Pki> stranger = EnsurePki(other.path(), {});
  REQUIRE(pki.ok());
  REQUIRE(stranger.ok());
  TlsServer server(*pki);

  httplib::Result res = Ping("127.0.0.1", server.port(), stranger->ca_cert_file);
  CHECK_FALSE(res);
  CHECK(res.error() == httplib::Error::SSLServerVerification);
}

TEST_CASE("a TLS client refuses a certificate from the CA that lacks its host", "[pki][tls]") {
  TempDir data;
  Result<Pki> pki = EnsurePki(data.path(), {});
  REQUIRE(pki.ok());
  // Same CA, but a certificate only for localhost: 127.0.0.1 must not match it.
  Result<X509Ptr> ca_cert = CertFromPem(*ReadWholeFile(pki->ca_cert_file));
  Result<PkeyPtr> ca_key = KeyFromPem(*ReadWholeFile(pki->ca_key_file));
  Result<PkeyPtr> key = KeyFromPem(*ReadWholeFile(pki->server_key_file));
  REQUIRE((ca_cert.ok() && ca_key.ok() && key.ok()));
  Result<X509Ptr> localhost_only =
      IssueServerCert(key->get(), ca_cert->get(), ca_key->get(), {"localhost"}, 30);
  REQUIRE(localhost_only.ok());
  REQUIRE(WriteFileAtomically(pki->server_cert_file, *CertToPem(localhost_only->get()), 0644).ok());
  TlsServer server(*pki);

  httplib::Result by_name = Ping("localhost", server.port(), pki->ca_cert_file);
  REQUIRE(by_name);
  CHECK(by_name->status == 200);
  httplib::Result by_ip = Ping("127.0.0.1", server.port(), pki->ca_cert_file);
  CHECK_FALSE(by_ip);
  CHECK(by_ip.error() == httplib::Error::SSLServerVerification);
}

}  // namespace
}  // namespace cara::security
