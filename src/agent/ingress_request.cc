// One request through the ingress proxy: route by Host, connect to the
// backend, forward the request header and stream its body, read the
// response header (dropping interim 1xx), then either stream the response
// back or, after a 101, tunnel raw bytes both ways. Each request gets a fresh
// backend connection ("Connection: close"); there is no backend pool.
// Templates over the client stream (plain TCP or TLS), instantiated below.
#include <chrono>
#include <type_traits>
#include <utility>  // before Asio 1.18's awaitable.hpp, which uses std::exchange

#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>

#include "agent/ingress_error_page.h"
#include "agent/ingress_proxy_impl.h"
#include "agent/route_table.h"
#include "common/log.h"
#include "net/stream_pump.h"

namespace cara::agent {
namespace {

// Go's http.DefaultTransport dial timeout, which the reference proxy used.
constexpr auto kBackendConnectTimeout = std::chrono::seconds(30);
constexpr size_t kTunnelBufferBytes = 64 * 1024;
constexpr uint32_t kHeaderLimitBytes = 64 * 1024;
constexpr uint64_t kNoBodyLimit = std::numeric_limits<uint64_t>::max();  // see ingress_proxy.cc
// How much of an unread request body is drained to keep a connection, as Go's server.
constexpr size_t kDiscardLimitBytes = 256 * 1024;

// Connects `upstream` to the backend; the reason it failed otherwise.
// Backends are container IPs, but a name works too (resolved here).
awaitable<std::string> ConnectBackend(const Backend& backend, beast::tcp_stream& upstream) {
  error_code ec;
  std::vector<tcp::endpoint> endpoints;
  if (auto address = asio::ip::make_address(backend.ip, ec); !ec) {
    endpoints.emplace_back(address, static_cast<unsigned short>(backend.port));
  } else {
    tcp::resolver resolver(co_await asio::this_coro::executor);
    auto results =
        co_await resolver.async_resolve(backend.ip, std::to_string(backend.port), Redirect(ec));
    if (!ec) {
      for (const auto& r : results) endpoints.push_back(r.endpoint());
    }
  }
  if (endpoints.empty()) co_return ec ? ec.message() : "no address";
  upstream.expires_after(kBackendConnectTimeout);
  co_await upstream.async_connect(endpoints, Redirect(ec));
  upstream.expires_never();
  co_return ec ? ec.message() : "";
}

// Rewrites the client's request header for the backend: hop-by-hop fields
// out, X-Forwarded-* in, HTTP/1.1, one backend connection per request.
// Returns the protocol the client asks to upgrade to ("" for none).
template <class Stream>
std::string PrepareBackendRequest(ClientRequest<Stream>& r, const std::string& client_ip) {
  auto& req = r.rp.get();
  std::string upgrade;
  if (http::token_list{req[http::field::connection]}.exists("upgrade")) {
    upgrade = ToString(req[http::field::upgrade]);
  }
  // We answer "100 Continue" ourselves when we start reading the body, so the
  // backend must not wait for (or send) one.
  const bool chunked = req.chunked();
  RemoveHopByHop(req);
  if (r.expect_continue) req.erase(http::field::expect);
  if (chunked) req.chunked(true);
  if (!upgrade.empty()) {
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::upgrade, upgrade);
  } else {
    req.set(http::field::connection, "close");
  }
  // Go's ReverseProxy: prior values joined with ", ", then the client's IP.
  std::string forwarded_for;
  auto prior = req.equal_range("X-Forwarded-For");
  for (auto it = prior.first; it != prior.second; ++it) {
    if (!forwarded_for.empty()) forwarded_for += ", ";
    forwarded_for += ToString(it->value());
  }
  if (!client_ip.empty()) {
    forwarded_for = forwarded_for.empty() ? client_ip : forwarded_for + ", " + client_ip;
  }
  if (!forwarded_for.empty()) req.set("X-Forwarded-For", forwarded_for);
  req.set("X-Forwarded-Host", r.host);  // the Host header itself is kept as is
  req.set("X-Forwarded-Proto", std::is_same_v<Stream, TlsClientStream> ? "https" : "http");
  req.version(11);
  return upgrade;
}

enum class Sent { kComplete, kBackendStoppedReading, kBackendFailed, kClientGone };

// The request header, then the body streamed as it arrives.
template <class Stream>
awaitable<Sent> SendRequest(ClientRequest<Stream>& r, beast::tcp_stream& upstream) {
  auto& req = r.rp.get();
  http::request_serializer<http::buffer_body> sr{req};
  req.body().data = nullptr;
  req.body().size = 0;
  req.body().more = !r.rp.is_done();
  error_code ec;
  co_await http::async_write_header(upstream, sr, Redirect(ec));
  if (ec) co_return Sent::kBackendFailed;
  if (r.expect_continue && !r.rp.is_done()) {
    static constexpr std::string_view k100 = "HTTP/1.1 100 Continue\r\n\r\n";
    co_await asio::async_write(r.client, asio::buffer(k100), Redirect(ec));
    if (ec) co_return Sent::kClientGone;
  }
  bool read_side = false;
  ec = co_await RelayBody<true>(r.client, r.client_buffer, r.rp, upstream, sr, r.buf, &read_side);
  if (ec && read_side) co_return Sent::kClientGone;  // the client went away mid-body
  // The backend stopped reading: it may still have answered (e.g. 413).
  co_return ec ? Sent::kBackendStoppedReading : Sent::kComplete;
}

// The final response header into *rsp; interim 1xx responses other than 101
// are dropped.
awaitable<error_code> ReadResponseHeader(beast::tcp_stream& upstream,
                                         beast::flat_buffer& upstream_buffer, bool head,
                                         std::optional<ProxyResponseParser>& rsp) {
  error_code ec;
  for (;;) {
    rsp.emplace();
    rsp->header_limit(kHeaderLimitBytes);
    rsp->body_limit(kNoBodyLimit);
    if (head) rsp->skip(true);
    co_await http::async_read_header(upstream, upstream_buffer, *rsp, Redirect(ec));
    if (ec) co_return ec;
    unsigned status = rsp->get().result_int();
    if (status < 100 || status >= 200 || status == 101) co_return ec;
  }
}

}  // namespace

template <class Stream>
awaitable<bool> IngressProxy::Impl::HandleRequest(net::TrackedConnection& conn,
                                                  ClientRequest<Stream>& r,
                                                  const std::string& client_ip) {
  auto backend = routes->Lookup(r.host);
  if (!backend) {
    LOG_DEBUG("ingress proxy: no route").Kv("host", r.host);
    co_return co_await Refuse(r, "Host \"" + r.host + "\" has no backend available.");
  }
  const std::string unreachable = "Backend \"" + r.host + "\" is unreachable.";
  beast::tcp_stream upstream(co_await asio::this_coro::executor);
  if (std::string error = co_await ConnectBackend(*backend, upstream); !error.empty()) {
    LOG_WARN("ingress proxy: backend unreachable")
        .Kv("host", r.host)
        .Kv("backend", backend->ip + ":" + std::to_string(backend->port))
        .Kv("error", error);
    co_return co_await Refuse(r, unreachable);
  }
  net::FdRegistration upstream_fd(&conn, upstream.socket().native_handle());
  error_code ec;
  upstream.socket().set_option(tcp::no_delay(true), ec);

  const std::string upgrade = PrepareBackendRequest(r, client_ip);
  const Sent sent = co_await SendRequest(r, upstream);
  if (sent == Sent::kClientGone) co_return false;
  if (sent == Sent::kBackendFailed) {
    co_return co_await WriteErrorPage(r.client, r.version, r.head, false, unreachable);
  }
  const bool request_complete = sent == Sent::kComplete;

  beast::flat_buffer upstream_buffer;
  std::optional<ProxyResponseParser> rsp;
  ec = co_await ReadResponseHeader(upstream, upstream_buffer, r.head, rsp);
  if (ec) {
    LOG_WARN("ingress proxy: backend failed").Kv("host", r.host).Kv("error", ec.message());
    co_return co_await WriteErrorPage(r.client, r.version, r.head, r.keep_alive && request_complete,
                                      unreachable);
  }
  if (rsp->get().result_int() == 101) {
    if (upgrade.empty()) {
      co_return co_await WriteErrorPage(r.client, r.version, r.head, false, unreachable);
    }
    co_return co_await TunnelUpgrade(conn, r, upstream, upstream_buffer, *rsp);
  }
  co_return co_await ForwardResponse(r, upstream, upstream_buffer, *rsp, request_complete);
}

template <class Stream>
awaitable<bool> IngressProxy::Impl::Refuse(ClientRequest<Stream>& r, const std::string& detail) {
  // A request body we will not forward is read and dropped (unless the
  // client waits for 100-continue and so never sends it); the connection is
  // reusable only if that worked.
  bool reusable = r.keep_alive;
  if (reusable && !r.rp.is_done()) {
    reusable = !r.expect_continue &&
               co_await DiscardBody(r.client, r.client_buffer, r.rp, r.buf, kDiscardLimitBytes);
  }
  co_return co_await WriteErrorPage(r.client, r.version, r.head, reusable, detail);
}

template <class Stream>
awaitable<bool> IngressProxy::Impl::WriteErrorPage(Stream& client, unsigned version, bool head,
                                                   bool keep_alive, const std::string& detail) {
  http::response<http::string_body> res{http::status::bad_gateway, version};
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.keep_alive(keep_alive && !registry.stopping());
  res.body() = IngressErrorPage(detail);
  res.prepare_payload();
  http::response_serializer<http::string_body> sr{res};
  error_code ec;
  if (head) {
    co_await http::async_write_header(client, sr, Redirect(ec));
  } else {
    co_await http::async_write(client, sr, Redirect(ec));
  }
  co_return !ec && res.keep_alive();
}

template <class Stream>
awaitable<bool> IngressProxy::Impl::TunnelUpgrade(net::TrackedConnection& conn,
                                                  ClientRequest<Stream>& r,
                                                  beast::tcp_stream& upstream,
                                                  beast::flat_buffer& upstream_buffer,
                                                  ProxyResponseParser& rsp) {
  // Forward the 101, then raw bytes both ways until either side ends.
  auto& res = rsp.get();
  std::string upgraded_to = ToString(res[http::field::upgrade]);
  RemoveHopByHop(res);
  res.set(http::field::connection, "Upgrade");
  res.set(http::field::upgrade, upgraded_to);
  http::response_serializer<http::buffer_body> sr{res};
  error_code ec;
  co_await http::async_write_header(r.client, sr, Redirect(ec));
  if (ec) co_return false;
  // Bytes that arrived behind the headers belong to the new protocol.
  if (upstream_buffer.size() > 0) {
    co_await asio::async_write(r.client, upstream_buffer.data(), Redirect(ec));
  }
  if (!ec && r.client_buffer.size() > 0) {
    co_await asio::async_write(upstream, r.client_buffer.data(), Redirect(ec));
  }
  if (ec || !conn.EnterQuiet(registry)) co_return false;  // a tunnel: Stop() ends it at once
  auto shut_both = [&] {
    error_code ignored;
    beast::get_lowest_layer(r.client).socket().shutdown(tcp::socket::shutdown_both, ignored);
    upstream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  };
  // Over TLS the tunnel carries the plaintext to the backend.
  co_await net::PumpBothWays(r.client, upstream.socket(), kTunnelBufferBytes, shut_both,
                             "ingress proxy");
  co_return false;
}

template <class Stream>
awaitable<bool> IngressProxy::Impl::ForwardResponse(ClientRequest<Stream>& r,
                                                    beast::tcp_stream& upstream,
                                                    beast::flat_buffer& upstream_buffer,
                                                    ProxyResponseParser& rsp,
                                                    bool request_complete) {
  // Status and headers pass through, hop-by-hop fields aside.
  auto& res = rsp.get();
  const unsigned status = res.result_int();
  const bool has_body = !r.head && status != 204 && status != 304;
  const bool response_chunked = res.chunked();
  const bool has_length = rsp.content_length().has_value();
  bool keep = r.keep_alive && request_complete && !registry.stopping();
  RemoveHopByHop(res);
  if (has_body && (response_chunked || !has_length)) {
    // Length unknown up front: chunk it for HTTP/1.1 clients; an HTTP/1.0
    // client reads until we close.
    if (r.version >= 11) {
      res.chunked(true);
    } else {
      keep = false;
    }
  }
  res.version(r.version);
  res.keep_alive(keep);

  http::response_serializer<http::buffer_body> sr{res};
  res.body().data = nullptr;
  res.body().size = 0;
  res.body().more = has_body && !rsp.is_done();
  error_code ec;
  co_await http::async_write_header(r.client, sr, Redirect(ec));
  if (ec) co_return false;
  if (has_body) {
    bool read_side = false;
    ec = co_await RelayBody<false>(upstream, upstream_buffer, rsp, r.client, sr, r.buf, &read_side);
    // A backend failing mid-body leaves the client a truncated message: the
    // only honest signal left is closing the connection.
    if (ec) co_return false;
  }
  co_return keep;
}

template awaitable<bool> IngressProxy::Impl::HandleRequest(net::TrackedConnection&,
                                                           ClientRequest<beast::tcp_stream>&,
                                                           const std::string&);
template awaitable<bool> IngressProxy::Impl::HandleRequest(net::TrackedConnection&,
                                                           ClientRequest<TlsClientStream>&,
                                                           const std::string&);

}  // namespace cara::agent
