#include "server/agent_upgrade_relay.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <chrono>
#include <sstream>
#include <utility>  // before Asio 1.18's awaitable.hpp, which uses std::exchange

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "net/host_port.h"
#include "net/problem.h"
#include "net/stream_pump.h"

namespace cara::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using boost::system::error_code;
using tcp = asio::ip::tcp;

// Connecting, the TLS handshake and the agent's answer to the upgrade: an
// agent that accepts the connection but never answers must not hold it.
constexpr auto kAnswerTimeout = std::chrono::seconds(30);
constexpr size_t kBufferBytes = 32 * 1024;

auto Redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

std::string Serialized(http::response<http::string_body>& res) {
  std::ostringstream out;
  out << res;
  return out.str();
}

// The agent's credentials and trust, as NewAgentClient sets them up for the
// log route: the cluster CA, our client certificate, and the node's CN.
error_code ConfigureTls(asio::ssl::context& ctx, const AgentClientTls& tls,
                        const std::string& node) {
  error_code ec;
  ctx.load_verify_file(tls.ca_file, ec);
  if (!ec) ctx.use_certificate_chain_file(tls.cert_file, ec);
  if (!ec) ctx.use_private_key_file(tls.key_file, asio::ssl::context::pem, ec);
  if (!ec) ctx.set_verify_mode(asio::ssl::verify_peer, ec);
  if (!ec) RequireAgentCertificate(ctx.native_handle(), node);
  return ec;
}

class AgentUpgradeRelay final : public net::ConnectionTakeover {
 public:
  explicit AgentUpgradeRelay(AgentUpgrade upgrade) : up_(std::move(upgrade)) {}

  awaitable<void> Run(net::ByteStream& client) override {
    beast::tcp_stream tcp(co_await asio::this_coro::executor);
    tcp.expires_after(kAnswerTimeout);
    error_code ec;
    auto host = net::SplitHostPort(up_.agent.address);
    if (!host.ok()) co_return co_await Refuse(client, host.status().message());
    // Nodes register an IP address, never a name to resolve.
    auto ip = asio::ip::make_address(host->host, ec);
    if (ec) co_return co_await Refuse(client, "not an IP address: " + host->host);
    co_await tcp.async_connect(tcp::endpoint(ip, static_cast<uint16_t>(host->port)), Redirect(ec));
    if (ec) co_return co_await Refuse(client, ec.message());
    if (!up_.tls.enabled()) co_return co_await Exchange(client, tcp, tcp);

    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ec = ConfigureTls(ctx, up_.tls, up_.agent.node);
    if (ec) co_return co_await Refuse(client, "agent client credentials: " + ec.message());
    beast::ssl_stream<beast::tcp_stream&> tls(tcp, ctx);
    // The address the node registered must be among the certificate's names.
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls.native_handle()), host->host.c_str());
    co_await tls.async_handshake(asio::ssl::stream_base::client, Redirect(ec));
    if (ec) co_return co_await Refuse(client, "TLS handshake: " + ec.message());
    co_await Exchange(client, tls, tcp);
  }

 private:
  // Sends the upgrade, then relays the agent's answer and, after a 101, the
  // connection's bytes.
  template <class Stream>
  awaitable<void> Exchange(net::ByteStream& client, Stream& agent, beast::tcp_stream& tcp) {
    http::request<http::empty_body> req{http::verb::get, up_.path, 11};
    req.set(http::field::host, up_.agent.address);
    for (const auto& [name, value] : up_.headers) req.set(name, value);
    error_code ec;
    co_await http::async_write(agent, req, Redirect(ec));
    beast::flat_buffer from_agent;
    http::response<http::string_body> res;  // a 101 ends at its head
    if (!ec) co_await http::async_read(agent, from_agent, res, Redirect(ec));
    if (ec) co_return co_await Refuse(client, ec.message());
    tcp.expires_never();
    if (res.result() != http::status::switching_protocols) {
      // The agent's problem (no such container, port closed) says it best.
      res.keep_alive(false);
      res.prepare_payload();
      co_return co_await Send(client, Serialized(res));
    }
    // What the agent sent after its head (a server-first protocol's
    // greeting) goes out before anything read later.
    std::string head = Serialized(res) + beast::buffers_to_string(from_agent.data());
    co_await client.Write(asio::buffer(head), ec);
    if (ec) co_return;
    auto shut_both = [&] {
      error_code ignored;
      client.Close();
      tcp.socket().shutdown(tcp::socket::shutdown_both, ignored);
    };
    co_await net::PumpBothWays(client, agent, kBufferBytes, shut_both, "port-forward relay");
  }

  awaitable<void> Refuse(net::ByteStream& client, const std::string& error) {
    http::response<http::string_body> res{http::status::bad_gateway, 11};
    res.set(http::field::content_type, net::kProblemContentType);
    res.body() = net::ProblemBody(502, AgentUnreachable(up_.agent, error));
    res.keep_alive(false);
    res.prepare_payload();
    co_await Send(client, Serialized(res));
  }

  static awaitable<void> Send(net::ByteStream& client, const std::string& bytes) {
    error_code ec;
    co_await client.Write(asio::buffer(bytes), ec);
    client.ShutdownSend();
  }

  AgentUpgrade up_;
};

}  // namespace

std::shared_ptr<net::ConnectionTakeover> NewAgentUpgradeRelay(AgentUpgrade upgrade) {
  return std::make_shared<AgentUpgradeRelay>(std::move(upgrade));
}

}  // namespace cara::server
