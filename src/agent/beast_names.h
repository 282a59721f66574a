// Short names for Asio and Beast in the agent's Beast code (its API and the
// ingress proxy). Internal headers and .cc files of the agent only.
#pragma once

#include <utility>  // before Asio 1.18's awaitable.hpp, which uses std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace cara::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
template <class T>
using awaitable = asio::awaitable<T>;

// Completion token of a coroutine step that reports failure in `ec`
// instead of throwing.
inline auto Redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

}  // namespace cara::agent
