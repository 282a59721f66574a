// The TLS side of the agent's API. The request handlers (agent_logs.cc,
// agent_port_forward.cc) work on a plain socket and block their thread
// inside Docker calls, so TLS is terminated in front of them: each TLS
// connection gets a thread of its own that relays decrypted bytes to a
// plain Serve() connection over a socketpair. A handler blocked in Docker
// then never stalls the encryption of what it already wrote, and closing
// either side ends the other (a client leaving a follow stream is seen as
// a hang-up on the socketpair, as it would be on a plain socket).
#include "agent/agent_tls.h"

#include <openssl/x509.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>  // before Asio 1.18's awaitable.hpp, which uses std::exchange

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "agent/agent_http_server_impl.h"
#include "common/log.h"
#include "net/stream_pump.h"
#include "security/node_certificate.h"

namespace cara::agent {
namespace {

namespace ssl = asio::ssl;

// A client has this long to complete the handshake: a stalled one must not
// hold its thread.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr size_t kRelayBufferBytes = 32 * 1024;

// Chain errors are OpenSSL's verdict; at the leaf, only the server's CN
// passes (a node certificate, signed by the same CA, must not).
bool VerifyServerClient(bool preverified, ssl::verify_context& ctx) {
  if (!preverified) return false;
  X509_STORE_CTX* store = ctx.native_handle();
  if (X509_STORE_CTX_get_error_depth(store) > 0) return true;
  return security::CommonName(X509_STORE_CTX_get_current_cert(store)) ==
         security::kServerClientCommonName;
}

std::string PeerOf(const tcp::socket& socket) {
  error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  return ec ? "unknown" : endpoint.address().to_string();
}

}  // namespace

Result<std::shared_ptr<ssl::context>> NewAgentTlsContext(const AgentTlsFiles& files) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  auto failed = [&](const std::string& what) {
    return Status::Invalid("agent api TLS: cannot load " + what + ": " + ec.message());
  };
  if (ec) return failed("options");
  if (ctx->use_certificate_chain_file(files.cert_file, ec); ec) return failed(files.cert_file);
  if (ctx->use_private_key_file(files.key_file, ssl::context::pem, ec); ec) {
    return failed(files.key_file);
  }
  if (ctx->load_verify_file(files.ca_file, ec); ec) return failed(files.ca_file);
  ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  if (!ec) ctx->set_verify_callback(VerifyServerClient, ec);
  if (ec) return failed("verification settings");
  return ctx;
}

asio::awaitable<void> AgentHttpServer::Impl::ServeTls(std::shared_ptr<AgentConnection> conn,
                                                      tcp::socket socket) {
  const std::string peer = PeerOf(socket);
  beast::ssl_stream<beast::tcp_stream> tls(std::move(socket), *this->tls);
  auto& lowest = beast::get_lowest_layer(tls);
  net::FdRegistration registration(&conn->tracked, lowest.socket().native_handle());
  error_code ec;
  lowest.socket().set_option(tcp::no_delay(true), ec);
  lowest.expires_after(kHandshakeTimeout);
  co_await tls.async_handshake(ssl::stream_base::server, Redirect(ec));
  lowest.expires_never();
  if (ec) {
    // Scanners and stale clients end here; the reason helps an operator
    // whose server cannot reach its agents.
    LOG_INFO("agent api: TLS handshake refused").Kv("peer", peer).Kv("error", ec.message());
    co_return;
  }
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    LOG_ERROR("agent api: socketpair failed").Kv("error", std::strerror(errno));
    co_return;
  }
  asio::local::stream_protocol::socket relay(conn->ioc);
  relay.assign(asio::local::stream_protocol(), fds[0], ec);
  // Serve() takes a tcp::socket; Asio's socket is only a descriptor holder
  // here, and the one TCP-only call on it (TCP_NODELAY) fails harmlessly.
  auto inner = std::make_shared<AgentConnection>();
  tcp::socket plain(inner->ioc);
  plain.assign(tcp::v4(), fds[1], ec);
  if (!StartConnection(std::move(inner), std::move(plain), &Impl::Serve)) co_return;

  auto shut_both = [&] {
    error_code ignored;
    lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
    relay.shutdown(asio::local::stream_protocol::socket::shutdown_both, ignored);
  };
  co_await net::PumpBothWays(tls, relay, kRelayBufferBytes, shut_both, "agent api tls");
}

}  // namespace cara::agent
