#include "agent/agent_http_response.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/write.hpp>

#include "net/problem.h"

namespace cara::agent {

asio::awaitable<bool> WriteResponse(boost::beast::tcp_stream& stream, const AgentRequest& req,
                                    http::status status, std::string content_type, std::string body,
                                    ExtraHeaders extra) {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::content_type, content_type);
  for (auto& [k, v] : extra) res.set(k, v);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  http::response_serializer<http::string_body> sr{res};
  boost::system::error_code ec;
  stream.expires_after(kAgentIoTimeout);  // a client that never reads must not pin us
  if (req.method() == http::verb::head) {
    co_await http::async_write_header(stream, sr, Redirect(ec));
  } else {
    co_await http::async_write(stream, sr, Redirect(ec));
  }
  stream.expires_never();
  co_return !ec && res.keep_alive();
}

asio::awaitable<bool> WriteProblem(boost::beast::tcp_stream& stream, const AgentRequest& req,
                                   int status, const std::string& detail) {
  co_return co_await WriteResponse(stream, req, static_cast<http::status>(status),
                                   net::kProblemContentType, net::ProblemBody(status, detail));
}

asio::awaitable<bool> WritePlain(boost::beast::tcp_stream& stream, const AgentRequest& req,
                                 http::status status, std::string text, ExtraHeaders extra) {
  extra.emplace_back("X-Content-Type-Options", "nosniff");
  co_return co_await WriteResponse(stream, req, status, "text/plain; charset=utf-8",
                                   std::move(text) + "\n", std::move(extra));
}

}  // namespace cara::agent
