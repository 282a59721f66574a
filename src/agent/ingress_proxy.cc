// Ingress reverse proxy on Boost.Beast.
//
// Threading: a small pool of io threads runs one io_context; every client
// connection is a C++20 coroutine on its own strand, so its client socket,
// backend socket and (for upgrades) both tunnel directions are never touched
// concurrently. Nothing here blocks: the route lookup is a mutex-guarded map.
//
// Bodies are streamed with buffer_body parsers and serializers (Beast's relay
// pattern), 64 KiB at a time, so a large upload or download is never held in
// memory. Each request gets a fresh backend connection ("Connection: close");
// there is no backend connection pool.
//
// Shutdown: Stop() closes the acceptor, wakes idle keep-alive connections and
// upgraded tunnels with shutdown(2) (safe from another thread, unlike asio's
// close()), waits for in-flight requests for up to 5 s, then forces the rest.
#include "agent/ingress_proxy.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "agent/route_table.h"
#include "common/html_escape.h"
#include "common/log.h"

namespace cara::agent {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;
using error_code = boost::system::error_code;

constexpr auto kShutdownGrace = std::chrono::seconds(5);  // reference §5.8
// Go's http.DefaultTransport dial timeout, which the reference proxy used.
constexpr auto kBackendConnectTimeout = std::chrono::seconds(30);
constexpr size_t kRelayBufferBytes = 64 * 1024;
constexpr uint32_t kHeaderLimitBytes = 64 * 1024;
// Not boost::none: Beast 1.74 compares `length > optional` and so rejects
// every Content-Length body when the limit is disabled (fixed in 1.75).
constexpr uint64_t kNoBodyLimit = std::numeric_limits<uint64_t>::max();

std::string ToString(beast::string_view s) { return std::string(s.data(), s.size()); }

std::string ErrorPage(const std::string& detail) {
  return R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>502 Bad Gateway</title>
<style>
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f6f7f9;color:#1f2328}
main{text-align:center;padding:2rem}
h1{font-size:4.5rem;margin:0;color:#cf222e}
h2{font-weight:500;margin:.25rem 0 1rem}
p{color:#57606a;margin:0}
footer{margin-top:2.5rem;font-size:.85rem;color:#8c959f}
</style>
</head>
<body>
<main>
<h1>502</h1>
<h2>Bad Gateway</h2>
<p>)" + HtmlEscape(detail) +
         R"(</p>
<footer>Caravanserai Proxy</footer>
</main>
</body>
</html>
)";
}

// RFC 9110 §7.6.1 hop-by-hop fields, plus whatever Connection names; the
// same list Go's httputil.ReverseProxy removes. Framing is re-applied by the
// caller (the serializer re-chunks as needed).
template <class Fields>
void RemoveHopByHop(Fields& fields) {
  std::vector<std::string> named;
  auto range = fields.equal_range(http::field::connection);
  for (auto it = range.first; it != range.second; ++it) {
    for (const auto& token : http::token_list{it->value()}) named.push_back(ToString(token));
  }
  for (const auto& name : named) fields.erase(name);
  for (const char* name :
       {"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
        "Te", "Trailer", "Transfer-Encoding", "Upgrade"}) {
    fields.erase(name);
  }
}

// Go listen syntax: ":8081", "host:port", "[v6]:port".
bool SplitListenAddress(const std::string& addr, std::string* host, int* port) {
  std::string port_text;
  if (!addr.empty() && addr.front() == '[') {
    size_t close = addr.find(']');
    if (close == std::string::npos || close + 1 >= addr.size() || addr[close + 1] != ':') {
      return false;
    }
    *host = addr.substr(1, close - 1);
    port_text = addr.substr(close + 2);
  } else {
    size_t colon = addr.rfind(':');
    if (colon == std::string::npos || addr.find(':') != colon) return false;
    *host = addr.substr(0, colon);
    port_text = addr.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5) return false;
  int value = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return false;
  *port = value;
  return true;
}

// One client connection as Stop() sees it.
class ProxyConn {
 public:
  bool EnterIdle(const std::atomic<bool>& stopping) { return Enter(true, stopping); }
  void EnterBusy() {
    std::lock_guard<std::mutex> lock(mu_);
    quiet_ = false;
  }
  // An upgraded tunnel counts as quiet: Stop() closes it at once.
  bool EnterTunnel(const std::atomic<bool>& stopping) { return Enter(true, stopping); }

  void Register(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    fds_.push_back(fd);
  }
  void Unregister(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase(fds_, fd);
  }
  // shutdown(2) wakes the pending reads and writes; the owner closes.
  void Shutdown(bool quiet_only) {
    std::lock_guard<std::mutex> lock(mu_);
    if (quiet_only && !quiet_) return;
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  }

 private:
  // The stopping check and the state change share the lock Stop() takes, so
  // a connection cannot start waiting unseen by Stop().
  bool Enter(bool quiet, const std::atomic<bool>& stopping) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping.load()) return false;
    quiet_ = quiet;
    return true;
  }

  std::mutex mu_;
  bool quiet_ = false;
  std::vector<int> fds_;
};

// Registers a dup() of a socket's fd with the connection for Stop(). The
// duplicate makes shutdown(2) from Stop() race-free: the number cannot be
// recycled for an unrelated file while registered, even when Beast closes
// the original itself (tcp_stream does on a timeout). The socket is fully
// closed once both are, i.e. at Release() at the latest.
class FdRegistration {
 public:
  FdRegistration(ProxyConn* conn, int fd) : conn_(conn), dup_(::fcntl(fd, F_DUPFD_CLOEXEC, 0)) {
    if (dup_ >= 0) conn_->Register(dup_);
  }
  ~FdRegistration() { Release(); }
  FdRegistration(const FdRegistration&) = delete;
  FdRegistration& operator=(const FdRegistration&) = delete;
  void Release() {
    if (dup_ < 0) return;
    conn_->Unregister(dup_);
    ::close(dup_);
    dup_ = -1;
  }

 private:
  ProxyConn* conn_;
  int dup_;
};

// Streams the rest of a message from `from` (parser `p`, whose header was
// already read) to `to` (serializer `sr`, whose header was already written).
// *read_side tells which side failed.
template <bool isRequest>
awaitable<error_code> RelayBody(beast::tcp_stream& from, beast::flat_buffer& from_buffer,
                                http::parser<isRequest, http::buffer_body>& p,
                                beast::tcp_stream& to,
                                http::serializer<isRequest, http::buffer_body>& sr,
                                std::vector<char>& buf, bool* read_side) {
  error_code ec;
  for (;;) {
    if (!p.is_done()) {
      p.get().body().data = buf.data();
      p.get().body().size = buf.size();
      // read_some, not read: forward whatever arrived now instead of waiting
      // to fill the buffer (a log tail or SSE stream trickles).
      co_await http::async_read_some(from, from_buffer, p, net::redirect_error(use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};  // buffer full: not an error
      if (ec) {
        *read_side = true;
        co_return ec;
      }
      const size_t n = buf.size() - p.get().body().size;
      // Nothing yet (e.g. only a chunk header was parsed): writing an empty
      // buffer would make the serializer emit "0\r\n\r\n", the last chunk.
      if (n == 0 && !p.is_done()) continue;
      p.get().body().size = n;
      p.get().body().data = n == 0 ? nullptr : buf.data();
      p.get().body().more = !p.is_done();
    } else {
      p.get().body().data = nullptr;
      p.get().body().size = 0;
      p.get().body().more = false;
    }
    const bool last = !p.get().body().more;
    co_await http::async_write(to, sr, net::redirect_error(use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};  // buffer consumed: not an error
    if (ec) {
      *read_side = false;
      co_return ec;
    }
    if (last || sr.is_done()) co_return ec;  // written with more=false: complete
  }
}

// Reads and drops the rest of a request body we are not forwarding, so that
// the connection stays usable; gives up (false) beyond `limit` bytes, like
// Go's server (256 KiB).
awaitable<bool> DiscardBody(beast::tcp_stream& client, beast::flat_buffer& client_buffer,
                            http::request_parser<http::buffer_body>& rp, std::vector<char>& buf,
                            size_t limit) {
  size_t total = 0;
  while (!rp.is_done()) {
    rp.get().body().data = buf.data();
    rp.get().body().size = buf.size();
    error_code ec;
    co_await http::async_read(client, client_buffer, rp, net::redirect_error(use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return false;
    total += buf.size() - rp.get().body().size;
    if (total > limit) co_return false;
  }
  co_return true;
}

// Closing a socket with unread input makes the kernel send RST, which can
// destroy a response still in flight (e.g. a 502 page sent before a large
// upload was read). Like Go's closeWriteAndWait: send FIN, drain briefly.
awaitable<void> LingeringClose(beast::tcp_stream& client) {
  error_code ec;
  client.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  std::vector<char> sink(16 * 1024);
  client.expires_after(std::chrono::milliseconds(500));
  for (;;) {
    co_await client.async_read_some(net::buffer(sink), net::redirect_error(use_awaitable, ec));
    if (ec) break;
  }
  client.expires_never();
}

// Raw bytes one way, for upgraded (101) connections.
awaitable<void> Pump(tcp::socket& from, tcp::socket& to) {
  std::vector<char> buf(kRelayBufferBytes);
  for (;;) {
    error_code ec;
    size_t n =
        co_await from.async_read_some(net::buffer(buf), net::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    co_await net::async_write(to, net::buffer(buf.data(), n),
                              net::redirect_error(use_awaitable, ec));
    if (ec) co_return;
  }
}

}  // namespace

struct IngressProxy::Impl : std::enable_shared_from_this<Impl> {
  RouteTable* routes;
  IngressProxyOptions options;
  std::atomic<bool> stopping{false};
  std::atomic<int> bound_port{0};

  // Declared before the io_context: coroutine frames destroyed with it
  // unregister themselves here.
  std::mutex mu;
  std::condition_variable cv;
  std::set<ProxyConn*> conns;
  bool started = false;
  bool stopped = false;

  net::io_context ioc;
  net::strand<net::io_context::executor_type> accept_strand{ioc.get_executor()};
  tcp::acceptor acceptor{accept_strand};
  std::vector<std::thread> threads;

  Impl(RouteTable* r, IngressProxyOptions o) : routes(r), options(std::move(o)) {}

  Status Listen();
  awaitable<void> AcceptLoop();
  awaitable<void> Session(tcp::socket socket);
  awaitable<bool> HandleRequest(ProxyConn& conn, beast::tcp_stream& client,
                                beast::flat_buffer& client_buffer,
                                http::request_parser<http::buffer_body>& rp,
                                const std::string& client_ip, std::vector<char>& buf);
  awaitable<bool> WriteErrorPage(beast::tcp_stream& client, unsigned version, bool head,
                                 bool keep_alive, const std::string& detail);
  void StopAll();

  // RAII registration of a session in `conns`.
  struct Registered {
    Impl* impl;
    ProxyConn* conn;
    Registered(Impl* i, ProxyConn* c) : impl(i), conn(c) {
      std::lock_guard<std::mutex> lock(impl->mu);
      impl->conns.insert(conn);
    }
    ~Registered() {
      std::lock_guard<std::mutex> lock(impl->mu);
      impl->conns.erase(conn);
      impl->cv.notify_all();
    }
  };
};

Status IngressProxy::Impl::Listen() {
  std::string host;
  int port = 0;
  if (!SplitListenAddress(options.listen_address, &host, &port)) {
    return Status::Invalid("invalid proxy listen address: " + options.listen_address);
  }
  std::vector<tcp::endpoint> candidates;
  error_code ec;
  if (host.empty()) {
    // All interfaces: dual-stack "::" like Go, else IPv4 when IPv6 is off.
    candidates.emplace_back(net::ip::address_v6::any(), port);
    candidates.emplace_back(net::ip::address_v4::any(), port);
  } else if (auto address = net::ip::make_address(host, ec); !ec) {
    candidates.emplace_back(address, port);
  } else {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec)
      return Status::Unavailable("listen tcp " + options.listen_address + ": " + ec.message());
    for (const auto& r : results) candidates.push_back(r.endpoint());
  }
  for (const auto& endpoint : candidates) {
    acceptor.open(endpoint.protocol(), ec);
    if (!ec && endpoint.address().is_v6() && host.empty()) {
      acceptor.set_option(net::ip::v6_only(false), ec);
    }
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (!ec) {
      bound_port = acceptor.local_endpoint().port();
      return Status::Ok();
    }
    error_code ignored;
    acceptor.close(ignored);
  }
  return Status::Unavailable("listen tcp " + options.listen_address + ": " + ec.message());
}

awaitable<void> IngressProxy::Impl::AcceptLoop() {
  for (;;) {
    // Each connection gets its own strand.
    tcp::socket socket(net::make_strand(ioc));
    error_code ec;
    co_await acceptor.async_accept(socket, net::redirect_error(use_awaitable, ec));
    if (stopping || !acceptor.is_open()) co_return;
    if (ec) {
      LOG_WARN("ingress proxy: accept failed").Kv("error", ec.message());
      net::steady_timer timer(accept_strand, std::chrono::milliseconds(100));
      co_await timer.async_wait(net::redirect_error(use_awaitable, ec));
      continue;
    }
    auto executor = socket.get_executor();
    net::co_spawn(executor, Session(std::move(socket)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        LOG_ERROR("ingress proxy: connection failed").Kv("error", ex.what());
      }
    });
  }
}

awaitable<void> IngressProxy::Impl::Session(tcp::socket socket) {
  ProxyConn conn;
  Registered registered(this, &conn);
  beast::tcp_stream client(std::move(socket));
  FdRegistration client_fd(&conn, client.socket().native_handle());
  error_code ec;
  client.socket().set_option(tcp::no_delay(true), ec);
  auto remote = client.socket().remote_endpoint(ec);
  auto remote_ip = remote.address();
  // On the dual-stack "::" listener IPv4 clients show up as ::ffff:a.b.c.d;
  // X-Forwarded-For carries a.b.c.d, as Go writes it.
  if (remote_ip.is_v6() && remote_ip.to_v6().is_v4_mapped()) {
    remote_ip = net::ip::make_address_v4(net::ip::v4_mapped, remote_ip.to_v6());
  }
  const std::string client_ip = ec ? "" : remote_ip.to_string();
  beast::flat_buffer client_buffer;
  std::vector<char> buf(kRelayBufferBytes);

  for (;;) {
    if (!conn.EnterIdle(stopping)) break;
    http::request_parser<http::buffer_body> rp;
    rp.header_limit(kHeaderLimitBytes);
    rp.body_limit(kNoBodyLimit);  // streamed, never held: no size cap
    // The header timeout also bounds how long an idle keep-alive connection
    // may wait for its next request.
    client.expires_after(options.header_timeout);
    co_await http::async_read_header(client, client_buffer, rp,
                                     net::redirect_error(use_awaitable, ec));
    conn.EnterBusy();
    client.expires_never();
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
          ec != http::error::end_of_stream && ec != http::error::partial_message) {
        // What Go's server answers to a malformed request.
        std::string_view bad = ec == http::error::header_limit
                                   ? "HTTP/1.1 431 Request Header Fields Too Large\r\n"
                                     "Content-Type: text/plain; charset=utf-8\r\n"
                                     "Connection: close\r\n\r\n"
                                     "431 Request Header Fields Too Large"
                                   : "HTTP/1.1 400 Bad Request\r\n"
                                     "Content-Type: text/plain; charset=utf-8\r\n"
                                     "Connection: close\r\n\r\n400 Bad Request";
        co_await net::async_write(client, net::buffer(bad.data(), bad.size()),
                                  net::redirect_error(use_awaitable, ec));
      }
      break;
    }
    bool keep = co_await HandleRequest(conn, client, client_buffer, rp, client_ip, buf);
    if (!keep || stopping) break;
  }
  co_await LingeringClose(client);
  client_fd.Release();
  client.socket().close(ec);
}

awaitable<bool> IngressProxy::Impl::WriteErrorPage(beast::tcp_stream& client, unsigned version,
                                                   bool head, bool keep_alive,
                                                   const std::string& detail) {
  http::response<http::string_body> res{http::status::bad_gateway, version};
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.keep_alive(keep_alive && !stopping);
  res.body() = ErrorPage(detail);
  res.prepare_payload();
  http::response_serializer<http::string_body> sr{res};
  error_code ec;
  if (head) {
    co_await http::async_write_header(client, sr, net::redirect_error(use_awaitable, ec));
  } else {
    co_await http::async_write(client, sr, net::redirect_error(use_awaitable, ec));
  }
  co_return !ec && res.keep_alive();
}

awaitable<bool> IngressProxy::Impl::HandleRequest(ProxyConn& conn, beast::tcp_stream& client,
                                                  beast::flat_buffer& client_buffer,
                                                  http::request_parser<http::buffer_body>& rp,
                                                  const std::string& client_ip,
                                                  std::vector<char>& buf) {
  auto& req = rp.get();
  const std::string host = ToString(req[http::field::host]);
  const unsigned client_version = req.version();
  const bool head = req.method() == http::verb::head;
  const bool client_keep = req.keep_alive();
  const bool expect_continue = beast::iequals(req[http::field::expect], "100-continue");
  error_code ec;
  // Before an error page: a request body we will not forward is read and
  // dropped (unless the client waits for 100-continue and so never sends it);
  // the connection is reusable only if that worked.
  auto reusable_after_error = [&]() -> awaitable<bool> {
    if (!client_keep) co_return false;
    if (rp.is_done()) co_return true;
    if (expect_continue) co_return false;
    co_return co_await DiscardBody(client, client_buffer, rp, buf, 256 * 1024);
  };

  auto backend = routes->Lookup(host);
  if (!backend) {
    LOG_DEBUG("ingress proxy: no route").Kv("host", host);
    bool reusable = co_await reusable_after_error();
    co_return co_await WriteErrorPage(client, client_version, head, reusable,
                                      "Host \"" + host + "\" has no backend available.");
  }
  const std::string unreachable = "Backend \"" + host + "\" is unreachable.";

  // Backends are container IPs, but a name works too (resolved here).
  auto executor = co_await net::this_coro::executor;
  std::vector<tcp::endpoint> endpoints;
  if (auto address = net::ip::make_address(backend->ip, ec); !ec) {
    endpoints.emplace_back(address, static_cast<unsigned short>(backend->port));
  } else {
    tcp::resolver resolver(executor);
    auto results = co_await resolver.async_resolve(backend->ip, std::to_string(backend->port),
                                                   net::redirect_error(use_awaitable, ec));
    if (!ec) {
      for (const auto& r : results) endpoints.push_back(r.endpoint());
    }
  }
  beast::tcp_stream upstream(executor);
  if (!endpoints.empty()) {
    upstream.expires_after(kBackendConnectTimeout);
    co_await upstream.async_connect(endpoints, net::redirect_error(use_awaitable, ec));
    upstream.expires_never();
  }
  if (endpoints.empty() || ec) {
    LOG_WARN("ingress proxy: backend unreachable")
        .Kv("host", host)
        .Kv("backend", backend->ip + ":" + std::to_string(backend->port))
        .Kv("error", ec ? ec.message() : "no address");
    bool reusable = co_await reusable_after_error();
    co_return co_await WriteErrorPage(client, client_version, head, reusable, unreachable);
  }
  FdRegistration upstream_fd(&conn, upstream.socket().native_handle());
  upstream.socket().set_option(tcp::no_delay(true), ec);

  // --- Request header for the backend.
  std::string upgrade;
  if (http::token_list{req[http::field::connection]}.exists("upgrade")) {
    upgrade = ToString(req[http::field::upgrade]);
  }
  // We answer "100 Continue" ourselves when we start reading the body, so the
  // backend must not wait for (or send) one.
  const bool chunked = req.chunked();
  RemoveHopByHop(req);
  if (expect_continue) req.erase(http::field::expect);
  if (chunked) req.chunked(true);
  if (!upgrade.empty()) {
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::upgrade, upgrade);
  } else {
    req.set(http::field::connection, "close");  // one backend connection per request
  }
  std::string forwarded_for;
  // Go's ReverseProxy: prior values joined with ", ", then the client's IP.
  auto prior = req.equal_range("X-Forwarded-For");
  for (auto it = prior.first; it != prior.second; ++it) {
    if (!forwarded_for.empty()) forwarded_for += ", ";
    forwarded_for += ToString(it->value());
  }
  if (!client_ip.empty()) {
    forwarded_for = forwarded_for.empty() ? client_ip : forwarded_for + ", " + client_ip;
  }
  if (!forwarded_for.empty()) req.set("X-Forwarded-For", forwarded_for);
  req.set("X-Forwarded-Host", host);  // the Host header itself is kept as is
  req.set("X-Forwarded-Proto", "http");
  req.version(11);

  // --- Request: header, then the body streamed as it arrives.
  bool request_complete = true;
  {
    http::request_serializer<http::buffer_body> sr{req};
    req.body().data = nullptr;
    req.body().size = 0;
    req.body().more = !rp.is_done();
    co_await http::async_write_header(upstream, sr, net::redirect_error(use_awaitable, ec));
    if (ec) {
      co_return co_await WriteErrorPage(client, client_version, head, false, unreachable);
    }
    if (expect_continue && !rp.is_done()) {
      static constexpr std::string_view k100 = "HTTP/1.1 100 Continue\r\n\r\n";
      co_await net::async_write(client, net::buffer(k100.data(), k100.size()),
                                net::redirect_error(use_awaitable, ec));
      if (ec) co_return false;
    }
    bool read_side = false;
    ec = co_await RelayBody<true>(client, client_buffer, rp, upstream, sr, buf, &read_side);
    if (ec && read_side) co_return false;  // the client went away mid-body
    // The backend stopped reading: it may still have answered (e.g. 413).
    if (ec) request_complete = false;
  }

  // --- Response header; interim 1xx responses (other than 101) are dropped.
  beast::flat_buffer upstream_buffer;
  std::optional<http::response_parser<http::buffer_body>> rsp;
  for (;;) {
    rsp.emplace();
    rsp->header_limit(kHeaderLimitBytes);
    rsp->body_limit(kNoBodyLimit);
    if (head) rsp->skip(true);
    co_await http::async_read_header(upstream, upstream_buffer, *rsp,
                                     net::redirect_error(use_awaitable, ec));
    if (ec) {
      LOG_WARN("ingress proxy: backend failed").Kv("host", host).Kv("error", ec.message());
      co_return co_await WriteErrorPage(client, client_version, head,
                                        client_keep && request_complete, unreachable);
    }
    unsigned status = rsp->get().result_int();
    if (status < 100 || status >= 200 || status == 101) break;
  }
  auto& res = rsp->get();
  const unsigned status = res.result_int();

  if (status == 101) {
    if (upgrade.empty()) {
      co_return co_await WriteErrorPage(client, client_version, head, false, unreachable);
    }
    // --- Upgraded: forward the 101, then raw bytes both ways until either ends.
    std::string upgraded_to = ToString(res[http::field::upgrade]);
    RemoveHopByHop(res);
    res.set(http::field::connection, "Upgrade");
    res.set(http::field::upgrade, upgraded_to);
    http::response_serializer<http::buffer_body> sr{res};
    co_await http::async_write_header(client, sr, net::redirect_error(use_awaitable, ec));
    if (ec) co_return false;
    // Bytes that arrived behind the headers belong to the new protocol.
    if (upstream_buffer.size() > 0) {
      co_await net::async_write(client, upstream_buffer.data(),
                                net::redirect_error(use_awaitable, ec));
    }
    if (!ec && client_buffer.size() > 0) {
      co_await net::async_write(upstream, client_buffer.data(),
                                net::redirect_error(use_awaitable, ec));
    }
    if (ec || !conn.EnterTunnel(stopping)) co_return false;
    auto shut_both = [&] {
      error_code ignored;
      client.socket().shutdown(tcp::socket::shutdown_both, ignored);
      upstream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    };
    net::steady_timer other_done(executor, net::steady_timer::time_point::max());
    bool other_finished = false;
    net::co_spawn(executor, Pump(upstream.socket(), client.socket()), [&](std::exception_ptr) {
      other_finished = true;
      shut_both();
      other_done.cancel();
    });
    co_await Pump(client.socket(), upstream.socket());
    shut_both();
    // The spawned pump uses sockets from this frame: wait for it to finish.
    if (!other_finished) co_await other_done.async_wait(net::redirect_error(use_awaitable, ec));
    co_return false;
  }

  // --- Response: status and headers pass through, hop-by-hop fields aside.
  const bool has_body = !head && status != 204 && status != 304;
  const bool response_chunked = res.chunked();
  const bool has_length = rsp->content_length().has_value();
  bool keep = client_keep && request_complete && !stopping;
  RemoveHopByHop(res);
  if (has_body && (response_chunked || !has_length)) {
    // Length unknown up front: chunk it for HTTP/1.1 clients; an HTTP/1.0
    // client reads until we close.
    if (client_version >= 11) {
      res.chunked(true);
    } else {
      keep = false;
    }
  }
  res.version(client_version);
  res.keep_alive(keep);

  http::response_serializer<http::buffer_body> sr{res};
  res.body().data = nullptr;
  res.body().size = 0;
  res.body().more = has_body && !rsp->is_done();
  co_await http::async_write_header(client, sr, net::redirect_error(use_awaitable, ec));
  if (ec) co_return false;
  if (has_body) {
    bool read_side = false;
    ec = co_await RelayBody<false>(upstream, upstream_buffer, *rsp, client, sr, buf, &read_side);
    // A backend failing mid-body leaves the client a truncated message: the
    // only honest signal left is closing the connection.
    if (ec) co_return false;
  }
  co_return keep;
}

void IngressProxy::Impl::StopAll() {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (stopped) return;
    stopped = true;
    if (!started) return;
  }
  stopping = true;
  net::post(accept_strand, [this] {
    error_code ec;
    acceptor.close(ec);
  });
  const auto deadline = std::chrono::steady_clock::now() + kShutdownGrace;
  {
    std::unique_lock<std::mutex> lock(mu);
    // Idle keep-alive connections and tunnels end now; requests in flight
    // finish (they see `stopping` and close afterwards).
    for (auto* c : conns) c->Shutdown(/*quiet_only=*/true);
    auto none_left = [&] { return conns.empty(); };
    if (!cv.wait_until(lock, deadline - std::chrono::seconds(1), none_left)) {
      LOG_WARN("ingress proxy: closing busy connections").Kv("count", conns.size());
      for (auto* c : conns) c->Shutdown(/*quiet_only=*/false);
      cv.wait_until(lock, deadline, none_left);
    }
  }
  // Normally every session has ended and run() returns by itself; stop()
  // covers a session that is still unwinding at the deadline.
  ioc.stop();
  for (auto& t : threads) t.join();
  threads.clear();
}

// ---------------------------------------------------------------------------

IngressProxy::IngressProxy(RouteTable* routes, IngressProxyOptions options)
    : impl_(std::make_shared<Impl>(routes, std::move(options))) {}

IngressProxy::~IngressProxy() { Stop(); }

Status IngressProxy::Start() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->started || impl_->stopped) return Status::Internal("ingress proxy: already started");
  }
  CARA_RETURN_IF_ERROR(impl_->Listen());
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->started = true;
  }
  net::co_spawn(impl_->accept_strand, impl_->AcceptLoop(), net::detached);
  int n = std::max(1, impl_->options.io_threads);
  for (int i = 0; i < n; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] {
      for (;;) {
        try {
          impl->ioc.run();
          return;
        } catch (const std::exception& e) {
          // A handler threw; keep serving the other connections.
          LOG_ERROR("ingress proxy: io thread error").Kv("error", e.what());
        }
      }
    });
  }
  LOG_INFO("ingress proxy listening")
      .Kv("addr", impl_->options.listen_address)
      .Kv("port", impl_->bound_port.load());
  return Status::Ok();
}

int IngressProxy::port() const { return impl_->bound_port; }

void IngressProxy::Stop() { impl_->StopAll(); }

}  // namespace cara::agent
