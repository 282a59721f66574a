#include "agent/ingress_relay.h"

#include <chrono>

namespace cara::agent {

asio::awaitable<bool> DiscardBody(boost::beast::tcp_stream& client,
                                  boost::beast::flat_buffer& client_buffer, ProxyRequestParser& rp,
                                  std::vector<char>& buf, size_t limit) {
  size_t total = 0;
  while (!rp.is_done()) {
    rp.get().body().data = buf.data();
    rp.get().body().size = buf.size();
    error_code ec;
    co_await http::async_read(client, client_buffer, rp, Redirect(ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return false;
    total += buf.size() - rp.get().body().size;
    if (total > limit) co_return false;
  }
  co_return true;
}

asio::awaitable<void> LingeringClose(boost::beast::tcp_stream& client) {
  error_code ec;
  client.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  std::vector<char> sink(16 * 1024);
  client.expires_after(std::chrono::milliseconds(500));
  for (;;) {
    co_await client.async_read_some(asio::buffer(sink), Redirect(ec));
    if (ec) break;
  }
  client.expires_never();
}

}  // namespace cara::agent
