#include "net/listener.h"

#include <fcntl.h>

#include <chrono>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.h"

namespace cara::net {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

namespace {

// asio opens sockets without close-on-exec. A process that starts another
// program (a test harness, a future hook) would hand it every connection,
// and a connection the server closed would stay open in the child: the
// client never sees the FIN and its next request hangs.
void SetCloseOnExec(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

}  // namespace

error_code Listener::Listen(const std::vector<tcp::endpoint>& candidates, int backlog,
                            bool dual_stack) {
  error_code ec = make_error_code(boost::system::errc::address_not_available);  // no candidates
  for (const auto& endpoint : candidates) {
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) SetCloseOnExec(acceptor_.native_handle());
    if (!ec && dual_stack && endpoint.address().is_v6()) {
      acceptor_.set_option(asio::ip::v6_only(false), ec);
    }
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(backlog, ec);
    if (!ec) {
      port_ = acceptor_.local_endpoint().port();
      return ec;
    }
    error_code ignored;
    acceptor_.close(ignored);
  }
  return ec;
}

asio::awaitable<void> Listener::AcceptLoop(std::string who,
                                           std::function<tcp::socket()> make_socket,
                                           std::function<void(tcp::socket)> on_accept) {
  for (;;) {
    tcp::socket socket = make_socket();
    error_code ec;
    co_await acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (closed_ || !acceptor_.is_open()) co_return;
    if (ec) {
      // Typically EMFILE: back off instead of spinning on the backlog.
      LOG_WARN(who + ": accept failed").Kv("error", ec.message());
      asio::steady_timer timer(acceptor_.get_executor(), std::chrono::milliseconds(100));
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    SetCloseOnExec(socket.native_handle());
    on_accept(std::move(socket));
  }
}

void Listener::Close() {
  closed_ = true;
  asio::post(acceptor_.get_executor(), [this] {
    error_code ignored;
    acceptor_.close(ignored);
  });
}

}  // namespace cara::net
