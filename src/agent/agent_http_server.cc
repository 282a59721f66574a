// Agent HTTP API on Boost.Beast (cpp-httplib 0.11 cannot hijack a connection
// for a WebSocket): listening, connections,
// routing and shutdown. The log stream is in agent_logs.cc, the port-forward
// tunnel in agent_port_forward.cc.
//
// Threading: one acceptor thread, then one thread per connection running the
// connection's own single-threaded io_context. That choice follows from the
// ContainerLookup seam, whose calls block (Docker over a UNIX socket, and a
// follow-mode log stream blocks for as long as the container runs): a blocked
// connection must hold only its own thread, never an io thread that other
// requests need. Inside a connection everything is C++20 coroutines on that
// io_context, so the tunnel's two directions run concurrently without locks
// (a single-threaded io_context is an implicit strand). The agent serves a
// handful of CLI users, so a thread per connection is cheap here.
//
// Shutdown (net/connection_registry.h): Stop() closes the listener, then
// wakes the sockets of idle keep-alive connections, tunnels and log streams
// with shutdown(2), lets in-flight short requests finish, and joins. A
// connection blocked inside ContainerLookup past the deadline is detached.
#include "agent/agent_http_server.h"

#include <chrono>
#include <utility>  // before Asio 1.18's awaitable.hpp, which uses std::exchange
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>

#include "agent/agent_api_routes.h"
#include "agent/agent_http_server_impl.h"
#include "agent/agent_tls.h"
#include "common/log.h"
#include "net/host_port.h"
#include "net/parse_error_reply.h"

namespace cara::agent {
namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(5);
// Of the grace period, what is left for a forced shutdown to take effect.
constexpr auto kForceMargin = std::chrono::seconds(1);

}  // namespace

Status AgentHttpServer::Impl::Listen() {
  error_code ec;
  std::string host(net::StripBrackets(options.address.empty() ? "0.0.0.0" : options.address));
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    // A host name: resolve it (blocking, once, at start-up).
    tcp::resolver resolver(accept_ioc);
    auto results = resolver.resolve(host, std::to_string(options.port), ec);
    if (ec || results.empty()) {
      return Status::Unavailable("listen tcp " + net::JoinHostPort(host, options.port) + ": " +
                                 (ec ? ec.message() : "no address"));
    }
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
  ec = listener.Listen({endpoint}, asio::socket_base::max_listen_connections);
  if (ec) {
    return Status::Unavailable(
        "listen tcp " + net::JoinHostPort(address.to_string(), options.port) + ": " + ec.message());
  }
  return Status::Ok();
}

bool AgentHttpServer::Impl::StartConnection(std::shared_ptr<AgentConnection> conn,
                                            tcp::socket socket, ConnectionBody body) {
  auto self = shared_from_this();
  {
    std::lock_guard<std::mutex> lock(mu);
    if (conns_taken) {
      error_code ignored;
      socket.close(ignored);
      return false;
    }
    conns.push_back(conn);
  }
  registry.Add(&conn->tracked);
  // The thread keeps both the server state and the connection alive, so a
  // straggler detached by Stop() never touches freed memory.
  conn->thread = std::thread([self, conn, body, s = std::move(socket)]() mutable {
    asio::co_spawn(conn->ioc, ((*self).*body)(conn, std::move(s)), asio::detached);
    try {
      conn->ioc.run();
    } catch (const std::exception& e) {
      LOG_ERROR("agent api: connection failed").Kv("error", e.what());
    }
    {
      std::lock_guard<std::mutex> lock(self->mu);
      conn->done = true;
    }
    self->registry.Remove(&conn->tracked);
  });
  return true;
}

void AgentHttpServer::Impl::ReapFinished() {
  std::list<std::shared_ptr<AgentConnection>> finished;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = conns.begin(); it != conns.end();) {
      if ((*it)->done) {
        finished.push_back(std::move(*it));
        it = conns.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : finished) {
    if (c->thread.joinable()) c->thread.join();  // already finished: instant
  }
}

asio::awaitable<void> AgentHttpServer::Impl::Serve(std::shared_ptr<AgentConnection> conn,
                                                   tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  net::FdRegistration registration(&conn->tracked, stream.socket().native_handle());
  error_code ec;
  stream.socket().set_option(tcp::no_delay(true), ec);  // streamed chunks go out at once
  beast::flat_buffer buffer;
  try {
    for (;;) {
      if (!conn->tracked.EnterQuiet(registry)) break;
      http::request_parser<http::string_body> parser;
      parser.header_limit(64 * 1024);
      parser.body_limit(1024 * 1024);  // no route takes a body
      stream.expires_after(kAgentIoTimeout);
      co_await http::async_read(stream, buffer, parser, Redirect(ec));
      conn->tracked.EnterBusy();
      stream.expires_never();
      if (ec) {
        std::string_view reply = net::ParseErrorReply(ec);
        if (!reply.empty()) co_await asio::async_write(stream, asio::buffer(reply), Redirect(ec));
        break;
      }
      AgentRequest req = parser.release();
      bool keep = co_await Dispatch(*conn, stream, req);
      if (!keep || registry.stopping()) break;
    }
  } catch (const std::exception& e) {
    LOG_ERROR("agent api: request failed").Kv("error", e.what());
  }
  registration.Release();
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream.socket().close(ec);
}

asio::awaitable<bool> AgentHttpServer::Impl::Dispatch(AgentConnection& conn,
                                                      beast::tcp_stream& stream,
                                                      AgentRequest& req) {
  AgentRoute route = MatchAgentRoute(std::string_view(req.target().data(), req.target().size()));
  if (route.kind == AgentRoute::Kind::kNone) {
    co_return co_await WritePlain(stream, req, http::status::not_found, "404 page not found");
  }
  // GET routes also answer HEAD; anything else is 405 with Allow.
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    // A named vector: GCC 12 miscompiles initializer lists inside co_await.
    ExtraHeaders allow{{"Allow", "GET, HEAD"}};
    co_return co_await WritePlain(stream, req, http::status::method_not_allowed,
                                  "Method Not Allowed", std::move(allow));
  }
  switch (route.kind) {
    case AgentRoute::Kind::kHealth:
      co_return co_await WriteResponse(stream, req, http::status::ok, "text/plain; charset=utf-8",
                                       "OK");
    case AgentRoute::Kind::kLogs:
      co_return co_await HandleLogs(conn, stream, req, route.project, route.service, route.query);
    case AgentRoute::Kind::kForward:
      co_return co_await HandleForward(conn, stream, req, route.project, route.service, route.port);
    case AgentRoute::Kind::kNone:
      break;
  }
  co_return false;
}

void AgentHttpServer::Impl::StopAll() {
  if (!run_state.BeginStop()) return;
  registry.BeginStop();
  listener.Close();
  if (accept_thread.joinable()) accept_thread.join();
  // Idle connections, tunnels and log streams end at once; busy ones finish
  // their response first (they see `stopping` and close afterwards).
  registry.Drain(kShutdownGrace, kForceMargin);
  std::list<std::shared_ptr<AgentConnection>> remaining;
  {
    std::lock_guard<std::mutex> lock(mu);
    remaining = std::move(conns);
    conns.clear();
    conns_taken = true;
  }
  JoinOrDetach(std::move(remaining));
}

void AgentHttpServer::Impl::JoinOrDetach(std::list<std::shared_ptr<AgentConnection>> remaining) {
  size_t detached = 0;
  for (auto& c : remaining) {
    bool finished;
    {
      std::lock_guard<std::mutex> lock(mu);
      finished = c->done;
    }
    if (finished) {
      c->thread.join();
    } else {
      // Blocked inside ContainerLookup (an Inspect against a hung daemon, or
      // a log stream that ignores its cancel hook); it holds its own
      // references and exits when the call returns.
      c->thread.detach();
      ++detached;
    }
  }
  if (detached > 0) {
    LOG_WARN("agent api: connections still busy at shutdown, detached").Kv("count", detached);
  }
}

// ---------------------------------------------------------------------------

AgentHttpServer::AgentHttpServer(ContainerLookup* lookup, AgentHttpServerOptions options)
    : impl_(std::make_shared<Impl>(lookup, std::move(options))) {}

AgentHttpServer::~AgentHttpServer() { Stop(); }

Status AgentHttpServer::Start() {
  CARA_RETURN_IF_ERROR(impl_->run_state.CheckCanStart("agent api"));
  if (impl_->options.tls.enabled()) {
    Result<std::shared_ptr<asio::ssl::context>> tls = NewAgentTlsContext(impl_->options.tls);
    if (!tls.ok()) return tls.status();
    impl_->tls = std::move(*tls);
  }
  CARA_RETURN_IF_ERROR(impl_->Listen());
  impl_->run_state.MarkStarted();
  // Each connection is accepted straight onto its own io_context.
  auto next = std::make_shared<std::shared_ptr<AgentConnection>>();
  auto make_socket = [next] {
    *next = std::make_shared<AgentConnection>();
    return tcp::socket((*next)->ioc);
  };
  auto on_accept = [impl = impl_.get(), next](tcp::socket socket) {
    impl->ReapFinished();
    impl->StartConnection(std::move(*next), std::move(socket),
                          impl->tls ? &Impl::ServeTls : &Impl::Serve);
  };
  asio::co_spawn(impl_->accept_ioc, impl_->listener.AcceptLoop("agent api", make_socket, on_accept),
                 asio::detached);
  impl_->accept_thread = std::thread([impl = impl_] { impl->accept_ioc.run(); });
  LOG_INFO("agent api listening")
      .Kv("tls", impl_->tls ? "mutual" : "off")
      .Kv("addr", net::JoinHostPort(
                      net::StripBrackets(impl_->options.address.empty() ? "0.0.0.0"
                                                                        : impl_->options.address),
                      impl_->listener.port()));
  return Status::Ok();
}

int AgentHttpServer::port() const { return impl_->listener.port(); }

void AgentHttpServer::Stop() { impl_->StopAll(); }

}  // namespace cara::agent
