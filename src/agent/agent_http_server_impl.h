// Internals of AgentHttpServer shared by agent_http_server.cc (listening,
// connections, routing, shutdown), agent_logs.cc and agent_port_forward.cc.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "agent/agent_http_response.h"
#include "agent/agent_http_server.h"
#include "net/connection_registry.h"
#include "net/listener.h"
#include "net/run_state.h"

namespace cara::agent {

// One connection with its own single-threaded io_context and thread.
struct AgentConnection {
  // Before the io_context: a coroutine frame destroyed with it releases its
  // fd registrations here.
  net::TrackedConnection tracked;
  boost::asio::io_context ioc{1};
  std::thread thread;
  bool done = false;  // guarded by AgentHttpServer::Impl::mu
};

struct AgentHttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(ContainerLookup* l, AgentHttpServerOptions o) : lookup(l), options(std::move(o)) {}

  using ConnectionBody = awaitable<void> (Impl::*)(std::shared_ptr<AgentConnection>, tcp::socket);

  Status Listen();
  // Runs `body` on the connection's own thread; false (and the socket
  // closed) once Stop() has taken the list of connections.
  bool StartConnection(std::shared_ptr<AgentConnection> conn, tcp::socket socket,
                       ConnectionBody body);
  void ReapFinished();
  void StopAll();
  // Joins the finished connection threads, detaches the others.
  void JoinOrDetach(std::list<std::shared_ptr<AgentConnection>> remaining);

  awaitable<void> Serve(std::shared_ptr<AgentConnection> conn, tcp::socket socket);
  // TLS mode (agent_tls.cc): the mutual-TLS handshake, then a relay between
  // the TLS stream and a plain Serve() connection over a socketpair.
  awaitable<void> ServeTls(std::shared_ptr<AgentConnection> conn, tcp::socket socket);
  // Each returns whether the connection may serve another request.
  awaitable<bool> Dispatch(AgentConnection& conn, beast::tcp_stream& stream, AgentRequest& req);
  awaitable<bool> HandleLogs(AgentConnection& conn, beast::tcp_stream& stream,
                             const AgentRequest& req, const std::string& project,
                             const std::string& service, std::string_view query);
  awaitable<bool> HandleForward(AgentConnection& conn, beast::tcp_stream& stream, AgentRequest& req,
                                const std::string& project, const std::string& service,
                                const std::string& raw_port);

  ContainerLookup* const lookup;
  const AgentHttpServerOptions options;
  net::ConnectionRegistry registry;

  std::shared_ptr<asio::ssl::context> tls;  // null: plain HTTP

  std::mutex mu;  // guards conns, conns_taken, AgentConnection::done
  std::list<std::shared_ptr<AgentConnection>> conns;
  bool conns_taken = false;  // Stop() owns the list; no new connection may join
  net::RunState run_state;

  boost::asio::io_context accept_ioc{1};
  net::Listener listener{accept_ioc.get_executor()};
  std::thread accept_thread;
};

}  // namespace cara::agent
