// Internals of IngressProxy shared by ingress_proxy.cc (listening, client
// connections, shutdown) and ingress_request.cc (one proxied request).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "agent/ingress_proxy.h"
#include "agent/ingress_relay.h"
#include "net/connection_registry.h"
#include "net/listener.h"
#include "net/run_state.h"

namespace cara::agent {

struct Backend;

// One request from a client, as read so far (its header).
struct ClientRequest {
  beast::tcp_stream& client;
  beast::flat_buffer& client_buffer;
  ProxyRequestParser& rp;
  std::vector<char>& buf;  // the relay buffer of the connection
  std::string host;        // the Host header
  unsigned version = 11;
  bool head = false;
  bool keep_alive = false;  // as the client asked
  bool expect_continue = false;
};

using ProxyResponseParser = beast::http::response_parser<beast::http::buffer_body>;

struct IngressProxy::Impl {
  Impl(RouteTable* r, IngressProxyOptions o) : routes(r), options(std::move(o)) {}

  Status Listen();
  awaitable<void> Session(tcp::socket socket);
  void StopAll();

  // ingress_request.cc. Each returns whether the client connection may serve
  // another request.
  awaitable<bool> HandleRequest(net::TrackedConnection& conn, ClientRequest& r,
                                const std::string& client_ip);
  // Sends the 502 page, first dropping a request body that was not read.
  awaitable<bool> Refuse(ClientRequest& r, const std::string& detail);
  awaitable<bool> WriteErrorPage(beast::tcp_stream& client, unsigned version, bool head,
                                 bool keep_alive, const std::string& detail);
  awaitable<bool> TunnelUpgrade(net::TrackedConnection& conn, ClientRequest& r,
                                beast::tcp_stream& upstream, beast::flat_buffer& upstream_buffer,
                                ProxyResponseParser& rsp);
  awaitable<bool> ForwardResponse(ClientRequest& r, beast::tcp_stream& upstream,
                                  beast::flat_buffer& upstream_buffer, ProxyResponseParser& rsp,
                                  bool request_complete);

  RouteTable* const routes;
  const IngressProxyOptions options;
  // Declared before the io_context: coroutine frames destroyed with it
  // leave the registry.
  net::ConnectionRegistry registry;
  net::RunState run_state;

  boost::asio::io_context ioc;
  boost::asio::strand<boost::asio::io_context::executor_type> accept_strand{ioc.get_executor()};
  net::Listener listener{accept_strand};
  std::vector<std::thread> threads;
};

}  // namespace cara::agent
