// Listening, admission and shutdown of net::HttpServer; the requests of one
// connection are served in http_connection.cc.
#include "net/http_server.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "common/log.h"
#include "net/http_server_impl.h"
#include "net/tls_server_context.h"

namespace cara::net {
namespace {

using error_code = boost::system::error_code;

constexpr int kListenBacklog = 1024;
// Descriptors kept for everything else a process opens (database, files).
constexpr rlim_t kDescriptorsForOtherUses = 128;

// The global cap cannot exceed what the process may open: past that, accept
// fails and the reserve would be a fiction.
ConnectionLimits EffectiveLimits(ConnectionLimits limits) {
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY &&
      nofile.rlim_cur > kDescriptorsForOtherUses) {
    limits.max_connections =
        std::min<size_t>(limits.max_connections, nofile.rlim_cur - kDescriptorsForOtherUses);
  }
  limits.reserved_for_new_clients =
      std::min(limits.reserved_for_new_clients, limits.max_connections / 2);
  return limits;
}

std::string ClientAddress(const tcp::socket& socket) {
  error_code ec;
  auto address = socket.remote_endpoint(ec).address();
  if (ec) return "";
  // On a dual-stack listener IPv4 clients appear as ::ffff:a.b.c.d.
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

}  // namespace

HttpServer::Impl::Impl(HttpServerOptions o, HttpHandler h, ErrorResponder e)
    : options(std::move(o)),
      handler(std::move(h)),
      on_error(std::move(e)),
      limiter(EffectiveLimits(options.limits)),
      handlers(std::max<size_t>(1, options.handler_threads)) {}

HttpResponse HttpServer::Impl::ErrorResponse(int status, const std::string& detail) const {
  HttpResponse res;
  res.status = status;
  if (on_error) {
    on_error(status, detail, res);
  } else {
    res.SetHeader("Content-Type", "text/plain; charset=utf-8");
    res.body = detail + "\n";
  }
  return res;
}

Status HttpServer::Impl::Listen() {
  if (options.tls.enabled()) {
    auto context = NewTlsServerContext(options.tls);
    if (!context.ok()) return context.status();
    tls = std::move(*context);
  }
  error_code ec;
  auto address = asio::ip::make_address(options.host.empty() ? "0.0.0.0" : options.host, ec);
  if (ec) return Status::Invalid("invalid listen address \"" + options.host + "\"");
  ec = listener.Listen({tcp::endpoint(address, static_cast<unsigned short>(options.port))},
                       kListenBacklog);
  if (ec) {
    return Status::Unavailable("cannot listen on " + options.host + ":" +
                               std::to_string(options.port) + ": " + ec.message());
  }
  return Status::Ok();
}

void HttpServer::Impl::Admit(tcp::socket socket) {
  std::string client = ClientAddress(socket);
  if (!limiter.TryAdmit(client)) {
    // Best effort and without waiting: a flood must not cost more than this.
    static const char kRefusal[] =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 21\r\nConnection: close\r\n\r\ntoo many connections\n";
    ::send(socket.native_handle(), kRefusal, sizeof kRefusal - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
    return;
  }
  auto conn = std::make_shared<Connection>(std::move(socket), std::move(client));
  {
    std::lock_guard<std::mutex> lock(mu);
    connections.insert(conn);
  }
  auto executor = conn->stream.get_executor();
  asio::co_spawn(executor, Serve(conn), [this, conn](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        LOG_ERROR("http server: connection failed").Kv("error", ex.what());
      }
    }
    limiter.Release(conn->client);
    std::lock_guard<std::mutex> lock(mu);
    connections.erase(conn);
    cv.notify_all();
  });
}

bool HttpServer::Impl::EnterWaiting(Connection& conn) {
  std::lock_guard<std::mutex> lock(mu);
  if (stopping) return false;
  conn.waiting = true;
  return true;
}

void HttpServer::Impl::LeaveWaiting(Connection& conn) {
  std::lock_guard<std::mutex> lock(mu);
  conn.waiting = false;
}

bool HttpServer::Impl::EnterTakeover(Connection& conn) {
  std::lock_guard<std::mutex> lock(mu);
  if (stopping) return false;
  conn.taken_over = true;
  return true;
}

void HttpServer::Impl::Stop() {
  {
    std::unique_lock<std::mutex> lock(mu);
    if (!started || stopped) return;
    stopped = true;
    stopping = true;
    listener.Close();
    // Connections waiting for a request end now, and relays (a tunnel has
    // no request to finish); the others after their response (they see
    // `stopping`).
    for (const auto& conn : connections) {
      if (conn->waiting) {
        asio::post(conn->stream.get_executor(), [conn] { conn->stream.cancel(); });
      } else if (conn->taken_over) {
        asio::post(conn->stream.get_executor(), [conn] { conn->stream.close(); });
      } else {
        // A response stream waiting for more ends now (see WriteResponse).
        asio::post(conn->stream.get_executor(), [conn] {
          if (conn->wake) conn->wake->timer.cancel();
        });
      }
    }
    if (!cv.wait_for(lock, options.stop_grace, [this] { return connections.empty(); })) {
      LOG_WARN("http server: cutting requests still running at shutdown")
          .Kv("connections", connections.size());
      for (const auto& conn : connections) {
        asio::post(conn->stream.get_executor(), [conn] { conn->stream.close(); });
      }
      cv.wait_for(lock, std::chrono::seconds(1), [this] { return connections.empty(); });
    }
  }
  work.reset();
  ioc.stop();
  for (auto& t : io_threads) t.join();
  handlers.join();
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler, ErrorResponder on_error)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(handler), std::move(on_error))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  Status listening = impl_->Listen();
  if (!listening.ok()) return listening;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->started = true;
  }
  Impl* impl = impl_.get();
  asio::co_spawn(impl->accept_strand,
                 impl->listener.AcceptLoop(
                     "http server", [impl] { return tcp::socket(asio::make_strand(impl->ioc)); },
                     [impl](tcp::socket socket) { impl->Admit(std::move(socket)); }),
                 asio::detached);
  size_t n = std::max<size_t>(1, impl_->options.io_threads);
  for (size_t i = 0; i < n; ++i) {
    impl_->io_threads.emplace_back([impl = impl_.get()] { impl->ioc.run(); });
  }
  return Status::Ok();
}

int HttpServer::port() const { return impl_->listener.port(); }

size_t HttpServer::open_connections() const { return impl_->limiter.open(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace cara::net
