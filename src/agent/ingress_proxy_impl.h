// Internals of IngressProxy shared by ingress_proxy.cc (listening, client
// connections, shutdown) and ingress_request.cc (one proxied request).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "agent/ingress_proxy.h"
#include "agent/ingress_relay.h"
#include "net/connection_registry.h"
#include "net/listener.h"
#include "net/run_state.h"

namespace cara::agent {

struct Backend;

// A client connection with TLS: the handshake and the requests run over it,
// deadlines and shutdown stay on the TCP stream underneath.
using TlsClientStream = beast::ssl_stream<beast::tcp_stream&>;

// One request from a client, as read so far (its header). `Stream` is
// beast::tcp_stream or TlsClientStream.
template <class Stream>
struct ClientRequest {
  Stream& client;
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
  // The requests of one client connection, over `client` (plain TCP, or TLS
  // over it). The first header must arrive by `first_deadline`.
  template <class Stream>
  awaitable<void> ServeRequests(net::TrackedConnection& conn, Stream& client,
                                const std::string& client_ip,
                                std::chrono::steady_clock::time_point first_deadline);
  void StopAll();

  // ingress_request.cc, instantiated there for both client streams. Each
  // returns whether the client connection may serve another request.
  template <class Stream>
  awaitable<bool> HandleRequest(net::TrackedConnection& conn, ClientRequest<Stream>& r,
                                const std::string& client_ip);
  // Sends the 502 page, first dropping a request body that was not read.
  template <class Stream>
  awaitable<bool> Refuse(ClientRequest<Stream>& r, const std::string& detail);
  template <class Stream>
  awaitable<bool> WriteErrorPage(Stream& client, unsigned version, bool head, bool keep_alive,
                                 const std::string& detail);
  template <class Stream>
  awaitable<bool> TunnelUpgrade(net::TrackedConnection& conn, ClientRequest<Stream>& r,
                                beast::tcp_stream& upstream, beast::flat_buffer& upstream_buffer,
                                ProxyResponseParser& rsp);
  template <class Stream>
  awaitable<bool> ForwardResponse(ClientRequest<Stream>& r, beast::tcp_stream& upstream,
                                  beast::flat_buffer& upstream_buffer, ProxyResponseParser& rsp,
                                  bool request_complete);

  RouteTable* const routes;
  const IngressProxyOptions options;
  std::unique_ptr<asio::ssl::context> tls;  // set by Start() when options.tls is
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
