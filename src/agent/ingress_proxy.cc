// Ingress reverse proxy on Boost.Beast: listening, client connections and
// shutdown. One proxied request is in ingress_request.cc, the streaming of
// bodies in ingress_relay.h.
//
// Threading: a small pool of io threads runs one io_context; every client
// connection is a C++20 coroutine on its own strand, so its client socket,
// backend socket and (for upgrades) both tunnel directions are never touched
// concurrently. Nothing here blocks: the route lookup is a mutex-guarded map.
//
// Shutdown (net/connection_registry.h): Stop() closes the listener, wakes
// idle keep-alive connections and upgraded tunnels with shutdown(2), waits
// for in-flight requests for up to 5 s, then forces the rest.
#include "agent/ingress_proxy.h"

#include <chrono>
#include <limits>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>

#include "agent/ingress_proxy_impl.h"
#include "common/log.h"
#include "net/host_port.h"
#include "net/parse_error_reply.h"
#include "net/tls_server_context.h"

namespace cara::agent {
namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(5);
// Of the grace period, what is left for a forced shutdown to take effect.
constexpr auto kForceMargin = std::chrono::seconds(1);
constexpr size_t kRelayBufferBytes = 64 * 1024;
constexpr uint32_t kHeaderLimitBytes = 64 * 1024;
// Not boost::none: Beast 1.74 compares `length > optional` and so rejects
// every Content-Length body when the limit is disabled (fixed in 1.75).
constexpr uint64_t kNoBodyLimit = std::numeric_limits<uint64_t>::max();

// The client's address for X-Forwarded-For. On the dual-stack "::" listener
// IPv4 clients show up as ::ffff:a.b.c.d; Go writes a.b.c.d.
std::string ClientIp(const tcp::socket& socket) {
  error_code ec;
  auto ip = socket.remote_endpoint(ec).address();
  if (ec) return "";
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) {
    ip = asio::ip::make_address_v4(asio::ip::v4_mapped, ip.to_v6());
  }
  return ip.to_string();
}

}  // namespace

Status IngressProxy::Impl::Listen() {
  auto address = net::SplitHostPort(options.listen_address);
  if (!address.ok()) {
    return Status::Invalid("invalid proxy listen address: " + options.listen_address);
  }
  const auto& [host, port] = *address;
  std::vector<tcp::endpoint> candidates;
  error_code ec;
  if (host.empty()) {
    // All interfaces: dual-stack "::" like Go, else IPv4 when IPv6 is off.
    candidates.emplace_back(asio::ip::address_v6::any(), port);
    candidates.emplace_back(asio::ip::address_v4::any(), port);
  } else if (auto ip = asio::ip::make_address(host, ec); !ec) {
    candidates.emplace_back(ip, port);
  } else {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) {
      return Status::Unavailable("listen tcp " + options.listen_address + ": " + ec.message());
    }
    for (const auto& r : results) candidates.push_back(r.endpoint());
  }
  ec = listener.Listen(candidates, asio::socket_base::max_listen_connections,
                       /*dual_stack=*/host.empty());
  if (ec) return Status::Unavailable("listen tcp " + options.listen_address + ": " + ec.message());
  return Status::Ok();
}

asio::awaitable<void> IngressProxy::Impl::Session(tcp::socket socket) {
  const auto first_deadline = std::chrono::steady_clock::now() + options.header_timeout;
  net::TrackedConnection conn;
  net::ConnectionRegistry::Membership member(&registry, &conn);
  beast::tcp_stream client(std::move(socket));
  net::FdRegistration client_fd(&conn, client.socket().native_handle());
  error_code ec;
  client.socket().set_option(tcp::no_delay(true), ec);
  const std::string client_ip = ClientIp(client.socket());
  if (!tls) {
    co_await ServeRequests(conn, client, client_ip, first_deadline);
  } else {
    TlsClientStream stream(client, *tls);
    client.expires_at(first_deadline);
    co_await stream.async_handshake(asio::ssl::stream_base::server, Redirect(ec));
    if (!ec) {
      co_await ServeRequests(conn, stream, client_ip, first_deadline);
    } else {
      // Plain HTTP on the TLS port, a scanner, or a client that stalled.
      LOG_DEBUG("ingress proxy: TLS handshake failed")
          .Kv("client", client_ip)
          .Kv("error", ec.message());
    }
  }
  co_await LingeringClose(client);
  client_fd.Release();
  client.socket().close(ec);
}

template <class Stream>
asio::awaitable<void> IngressProxy::Impl::ServeRequests(
    net::TrackedConnection& conn, Stream& client, const std::string& client_ip,
    std::chrono::steady_clock::time_point first_deadline) {
  beast::tcp_stream& tcp_layer = beast::get_lowest_layer(client);
  beast::flat_buffer client_buffer;
  std::vector<char> buf(kRelayBufferBytes);
  error_code ec;
  for (bool first = true;; first = false) {
    if (!conn.EnterQuiet(registry)) break;
    ProxyRequestParser rp;
    rp.header_limit(kHeaderLimitBytes);
    rp.body_limit(kNoBodyLimit);  // streamed, never held: no size cap
    // The header timeout also bounds how long an idle keep-alive connection
    // may wait for its next request.
    if (first) {
      tcp_layer.expires_at(first_deadline);
    } else {
      tcp_layer.expires_after(options.header_timeout);
    }
    co_await http::async_read_header(client, client_buffer, rp, Redirect(ec));
    conn.EnterBusy();
    tcp_layer.expires_never();
    if (ec) {
      std::string_view reply = net::ParseErrorReply(ec);
      if (!reply.empty()) co_await asio::async_write(client, asio::buffer(reply), Redirect(ec));
      break;
    }
    auto& req = rp.get();
    ClientRequest<Stream> r{client,
                            client_buffer,
                            rp,
                            buf,
                            ToString(req[http::field::host]),
                            req.version(),
                            req.method() == http::verb::head,
                            req.keep_alive(),
                            beast::iequals(req[http::field::expect], "100-continue")};
    bool keep = co_await HandleRequest(conn, r, client_ip);
    if (!keep || registry.stopping()) break;
  }
}

void IngressProxy::Impl::StopAll() {
  if (!run_state.BeginStop()) return;
  registry.BeginStop();
  listener.Close();
  // Idle keep-alive connections and tunnels end now; requests in flight
  // finish (they see `stopping` and close afterwards).
  if (size_t busy = registry.Drain(kShutdownGrace, kForceMargin); busy > 0) {
    LOG_WARN("ingress proxy: closed busy connections").Kv("count", busy);
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
  CARA_RETURN_IF_ERROR(impl_->run_state.CheckCanStart("ingress proxy"));
  if (impl_->options.tls.enabled()) {
    auto tls = net::NewTlsServerContext(impl_->options.tls);
    if (!tls.ok()) return tls.status();
    impl_->tls = std::move(*tls);
  }
  CARA_RETURN_IF_ERROR(impl_->Listen());
  impl_->run_state.MarkStarted();
  Impl* impl = impl_.get();
  // Each connection gets its own strand.
  auto make_socket = [impl] { return tcp::socket(asio::make_strand(impl->ioc)); };
  auto on_accept = [impl](tcp::socket socket) {
    auto executor = socket.get_executor();
    asio::co_spawn(executor, impl->Session(std::move(socket)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        LOG_ERROR("ingress proxy: connection failed").Kv("error", ex.what());
      }
    });
  };
  asio::co_spawn(impl->accept_strand,
                 impl->listener.AcceptLoop("ingress proxy", make_socket, on_accept),
                 asio::detached);
  int n = std::max(1, impl->options.io_threads);
  for (int i = 0; i < n; ++i) {
    impl->threads.emplace_back([impl] {
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
      .Kv("addr", impl->options.listen_address)
      .Kv("port", impl->listener.port())
      .Kv("tls", impl->tls ? "on" : "off");
  return Status::Ok();
}

int IngressProxy::port() const { return impl_->listener.port(); }

void IngressProxy::Stop() { impl_->StopAll(); }

}  // namespace cara::agent
