// The accepting half shared by every Beast server here (net::HttpServer,
// the agent's API, the ingress proxy): bind and listen on the first
// candidate address that works, accept until closed, back off when accept
// fails (EMFILE) instead of spinning on the backlog.
//
// Each server keeps its own threading (an I/O pool with a handler pool, a
// thread per connection, a strand per connection): `make_socket` creates
// the socket on the executor its connection will run on, and `on_accept`
// starts the connection. A TLS listener plugs in at `on_accept`: the
// connection coroutine wraps the socket in a TLS stream and handshakes
// before its first read, under the same header deadline; the registry
// (net/connection_registry.h) keeps working on the lowest layer's fd.
//
// Internal to Beast users: includes Asio.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <utility>  // before Asio 1.18's awaitable.hpp, which uses std::exchange
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace cara::net {

class Listener {
 public:
  using tcp = boost::asio::ip::tcp;

  // `executor` runs the accept loop (and must be a strand or a one-thread
  // io_context: the acceptor is not thread-safe).
  explicit Listener(boost::asio::any_io_executor executor) : acceptor_(executor) {}

  // Opens, binds (SO_REUSEADDR) and listens on the first of `candidates`
  // that works; the error of the last one tried otherwise. With
  // `dual_stack`, an IPv6 wildcard also accepts IPv4 clients.
  boost::system::error_code Listen(const std::vector<tcp::endpoint>& candidates, int backlog,
                                   bool dual_stack = false);
  // The bound port (useful with port 0); 0 before Listen().
  int port() const { return port_; }

  // Accepts until Close(). `who` prefixes the log line of a failed accept.
  boost::asio::awaitable<void> AcceptLoop(std::string who, std::function<tcp::socket()> make_socket,
                                          std::function<void(tcp::socket)> on_accept);

  // Ends the accept loop; callable from any thread.
  void Close();

 private:
  tcp::acceptor acceptor_;
  std::atomic<bool> closed_{false};
  std::atomic<int> port_{0};
};

}  // namespace cara::net
