#include "support/ws_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace cara::testing {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

struct WsClient::Impl {
  boost::asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() { Close(); }

bool WsClient::Connect(const std::string& host, int port, const std::string& target) {
  beast::error_code ec;
  tcp::resolver resolver(impl_->ioc);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (!ec) beast::get_lowest_layer(impl_->ws).connect(endpoints, ec);
  if (ec) {
    error_ = ec.message();
    return false;
  }
  websocket::response_type res;
  impl_->ws.handshake(res, host + ":" + std::to_string(port), target, ec);
  if (ec) {
    refused_status_ = res.result_int();
    error_ = ec.message() + ": " + res.body();
    return false;
  }
  impl_->ws.binary(true);
  return true;
}

bool WsClient::SendBinary(const std::string& data) {
  beast::error_code ec;
  impl_->ws.write(boost::asio::buffer(data), ec);
  return !ec;
}

std::string WsClient::ReadUntil(const std::string& until, int timeout_ms) {
  std::string received;
  beast::get_lowest_layer(impl_->ws).expires_after(std::chrono::milliseconds(timeout_ms));
  while (received.find(until) == std::string::npos) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    impl_->ws.read(buffer, ec);
    if (ec) break;
    received += beast::buffers_to_string(buffer.data());
  }
  beast::get_lowest_layer(impl_->ws).expires_never();
  return received;
}

void WsClient::Close() {
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).socket().close(ec);
}

}  // namespace cara::testing
