// GET /api/v1/forward/{project}/{service}/{port}: the port-forward tunnel.
// The agent dials the container's port first (so an unreachable port is a
// clean HTTP error), then upgrades to a WebSocket and copies bytes both ways:
// each TCP read becomes one binary message, each message (binary or text,
// possibly fragmented) is written raw to TCP.
#include <utility>  // before Asio 1.18's awaitable.hpp, which uses std::exchange

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

#include "agent/agent_http_server_impl.h"
#include "agent/container_lookup.h"
#include "common/log.h"
#include "net/host_port.h"
#include "net/stream_pump.h"

namespace cara::agent {
namespace {

namespace websocket = beast::websocket;

constexpr size_t kTunnelBufferBytes = 32 * 1024;
// Dialling a container IP: Go's net.Dial has no timeout of its own, but a
// black-holed address must not hang the CLI for the kernel's ~2 minutes.
constexpr auto kDialTimeout = std::chrono::seconds(10);

// Go prints syscall errors in lower case ("connection refused").
std::string GoErrorText(const error_code& ec) {
  if (ec == beast::error::timeout || ec == asio::error::timed_out) return "i/o timeout";
  std::string m = ec.message();
  if (m.size() > 1 && m[0] >= 'A' && m[0] <= 'Z' && !(m[1] >= 'A' && m[1] <= 'Z')) {
    m[0] = static_cast<char>(m[0] - 'A' + 'a');  // but keep acronyms
  }
  return "connect: " + m;
}

// A container's address for the tunnel: any network with an IP, preferring
// the project's own `cara-*` network. The map is ordered, so the choice is
// deterministic.
std::string PickContainerIp(const ContainerInfo& info) {
  std::string fallback;
  for (const auto& [network, ip] : info.ip_by_network) {
    if (ip.empty()) continue;
    if (network.rfind("cara-", 0) == 0) return ip;
    if (fallback.empty()) fallback = ip;
  }
  return fallback;
}

// RFC 6455 §4.2.1, checked by hand so that every malformed handshake gets the
// reference's plain `400 Bad Request` (Beast's own rejection carries its own
// wording). Same checks as gorilla/websocket's Upgrader.
bool IsValidWebSocketHandshake(const AgentRequest& req) {
  if (req.method() != http::verb::get || req.version() < 11) return false;
  if (!websocket::is_upgrade(req)) return false;  // Connection: upgrade, Upgrade: websocket
  if (req[http::field::sec_websocket_version] != "13") return false;
  // The key must be base64 of 16 bytes: 22 base64 characters plus "==".
  beast::string_view key = req[http::field::sec_websocket_key];
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (size_t i = 0; i < 22; ++i) {
    char c = key[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

// A dialled container port, or the problem detail (502) of why not.
struct Dialled {
  std::optional<tcp::socket> socket;
  std::string problem;
};

asio::awaitable<Dialled> DialContainer(const ContainerInfo& info, const std::string& container,
                                       int port) {
  const std::string ip = PickContainerIp(info);
  if (ip.empty()) {
    co_return Dialled{std::nullopt, "cannot reach " + container + ":" + std::to_string(port) +
                                        ": container has no IP address: port unreachable"};
  }
  const std::string target = net::JoinHostPort(ip, port);
  error_code ec;
  auto address = asio::ip::make_address(ip, ec);
  if (ec) {
    co_return Dialled{std::nullopt, "cannot reach " + target + ": dial tcp " + target +
                                        ": invalid IP address: port unreachable"};
  }
  beast::tcp_stream upstream(co_await asio::this_coro::executor);
  upstream.expires_after(kDialTimeout);
  co_await upstream.async_connect(tcp::endpoint(address, static_cast<unsigned short>(port)),
                                  Redirect(ec));
  upstream.expires_never();
  if (ec) {
    co_return Dialled{std::nullopt, "cannot reach " + target + ": dial tcp " + target + ": " +
                                        GoErrorText(ec) + ": port unreachable"};
  }
  co_return Dialled{std::move(upstream.socket()), ""};
}

}  // namespace

// GCC 12 reports the coroutine frame's own operator new/delete pair of this
// function as mismatched (a false positive, GCC bug 109224, fixed in 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<bool> AgentHttpServer::Impl::HandleForward(
    AgentConnection& conn, beast::tcp_stream& stream, AgentRequest& req, const std::string& project,
    const std::string& service, const std::string& raw_port) {
  auto port = net::ParsePort(raw_port);
  if (!port) co_return co_await WriteProblem(stream, req, 400, "invalid port: " + raw_port);

  const std::string container = project + "-" + service;
  Result<ContainerInfo> info = lookup->Inspect(container);  // blocking: this connection's thread
  if (!info.ok()) {
    LOG_DEBUG("agent api: forward inspect failed")
        .Kv("container", container)
        .Kv("error", info.status().message());
    co_return co_await WriteProblem(stream, req, 404,
                                    "container " + container + ": container not found");
  }
  if (info->state != "running") {
    co_return co_await WriteProblem(stream, req, 503,
                                    "container " + container + ": container not running");
  }
  Dialled dialled = co_await DialContainer(*info, container, *port);
  if (!dialled.socket) co_return co_await WriteProblem(stream, req, 502, dialled.problem);
  tcp::socket& tcp_side = *dialled.socket;
  net::FdRegistration tcp_registration(&conn.tracked, tcp_side.native_handle());
  error_code ec;
  tcp_side.set_option(tcp::no_delay(true), ec);

  if (!IsValidWebSocketHandshake(req)) {
    tcp_registration.Release();
    tcp_side.close(ec);
    ExtraHeaders version{{"Sec-WebSocket-Version", "13"}};
    co_return co_await WritePlain(stream, req, http::status::bad_request, "Bad Request",
                                  std::move(version));
  }
  if (!conn.tracked.EnterQuiet(registry)) co_return false;

  websocket::stream<beast::tcp_stream> ws(std::move(stream));
  ws.auto_fragment(false);  // a 32 KiB read goes out as one frame
  ws.read_message_max(0);   // messages are a byte stream here; no size cap
  ws.binary(true);
  // Any Origin is accepted (the reference's CheckOrigin returns true).
  co_await ws.async_accept(req, Redirect(ec));
  if (ec) co_return false;

  auto shut_both = [&] {
    error_code ignored;
    beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_side.shutdown(tcp::socket::shutdown_both, ignored);
  };
  co_await net::PumpBothWays(ws, tcp_side, kTunnelBufferBytes, shut_both, "agent api");
  co_return false;
}
#pragma GCC diagnostic pop

}  // namespace cara::agent
