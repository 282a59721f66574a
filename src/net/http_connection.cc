// The requests of one connection of net::HttpServer (see http_server.h for
// the life of a connection). Runs as a coroutine on the connection's strand;
// handlers and body streams run on the handler pool.
#include <algorithm>
#include <utility>  // before Asio 1.18's awaitable.hpp, which uses std::exchange

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

#include "common/log.h"
#include "net/http_server_impl.h"

namespace cara::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using error_code = boost::system::error_code;

auto Redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// Runs fn on the handler pool; the coroutine resumes on its own strand.
template <class Fn>
awaitable<void> OnPool(asio::thread_pool& pool, Fn fn) {
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [&pool, &fn](auto done) {
        asio::post(pool, [&fn, done = std::move(done)]() mutable {
          fn();
          auto strand = asio::get_associated_executor(done);
          asio::post(strand, std::move(done));
        });
      },
      asio::use_awaitable);
}

StreamStep Pull(const BodyStream& stream, std::string* piece) {
  try {
    return stream(piece);
  } catch (const std::exception& e) {
    LOG_ERROR("http server: response stream failed").Kv("error", e.what());
    return StreamStep::kFailed;
  }
}

std::string Str(beast::string_view s) { return std::string(s.data(), s.size()); }

HttpRequest ToRequest(http::request<http::string_body>&& m, const tcp::socket& socket) {
  HttpRequest req;
  req.method = Str(m.method_string());
  req.target = Str(m.target());
  req.version = m.version();
  for (const auto& field : m)
    req.headers.emplace_back(Str(field.name_string()), Str(field.value()));
  req.body = std::move(m.body());
  error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (!ec) {
    req.remote_addr = remote.address().to_string();
    req.remote_port = remote.port();
  }
  auto local = socket.local_endpoint(ec);
  if (!ec) {
    req.local_addr = local.address().to_string();
    req.local_port = local.port();
  }
  return req;
}

template <class Message>
void CopyHeaders(const HttpResponse& res, Message& m) {
  for (const auto& [name, value] : res.headers) m.insert(name, value);
}

bool HasNoBody(int status) { return status < 200 || status == 204 || status == 304; }

// The status and detail answering a failed read of headers or body, or 0
// when the connection is just over (peer gone, timeout: nothing to answer).
std::pair<int, std::string> ReadFailure(const error_code& ec, const HttpServerOptions& o) {
  if (ec == http::error::body_limit) {
    return {413,
            "request body exceeds the limit of " + std::to_string(o.max_body_bytes) + " bytes"};
  }
  if (ec == http::error::header_limit) {
    return {431,
            "request header exceeds the limit of " + std::to_string(o.max_header_bytes) + " bytes"};
  }
  if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return {400, "malformed HTTP request: " + ec.message()};
  }
  return {0, ""};
}

// Drains what the client still sends after our last response, so that
// closing does not reset the connection and destroy that response in the
// client's receive queue (a client still sending a too-large body reads
// its 413 only after it is done writing). Gives up after `silence` without
// input or `total` in all.
awaitable<void> LingeringClose(beast::tcp_stream& stream, std::chrono::milliseconds silence,
                               std::chrono::milliseconds total) {
  error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  static thread_local char sink[16 * 1024];
  const auto give_up = std::chrono::steady_clock::now() + total;
  while (!ec && std::chrono::steady_clock::now() < give_up) {
    stream.expires_after(silence);  // closes the socket when it fires
    co_await stream.async_read_some(asio::buffer(sink), Redirect(ec));
  }
}

}  // namespace

// Sends `res` (see HttpResponse::stream for the framing). False when the
// connection is broken and must be closed at once.
template <class Stream>
awaitable<bool> HttpServer::Impl::WriteResponse(Connection& conn, Stream& stream, HttpResponse& res,
                                                StreamStep step, unsigned version, bool head,
                                                bool keep) {
  auto& tcp = beast::get_lowest_layer(stream);
  error_code ec;
  const auto status = static_cast<http::status>(res.status);
  const bool streaming = step == StreamStep::kMore || step == StreamStep::kWait;
  tcp.expires_after(options.write_timeout);
  if (streaming && !head && version >= 11) {
    http::response<http::empty_body> m{status, version};
    CopyHeaders(res, m);
    m.keep_alive(keep);
    m.chunked(true);
    http::response_serializer<http::empty_body> sr{m};
    co_await http::async_write_header(stream, sr, Redirect(ec));
    std::string piece = std::move(res.body);
    while (!ec) {
      if (!piece.empty()) {
        tcp.expires_after(options.write_timeout);
        co_await asio::async_write(stream, http::make_chunk(asio::buffer(piece)), Redirect(ec));
      }
      if (ec || (step != StreamStep::kMore && step != StreamStep::kWait)) break;
      piece.clear();
      if (step == StreamStep::kWait) {
        co_await WaitForStream(conn);
        // At shutdown a waiting stream ends cleanly: its client sees a
        // complete body and resumes elsewhere or later.
        if (stopping) break;
      }
      co_await OnPool(handlers, [&] { step = Pull(res.stream, &piece); });
      if (step == StreamStep::kFailed) co_return false;
    }
    conn.wake.reset();
    if (!ec) co_await asio::async_write(stream, http::make_chunk_last(), Redirect(ec));
  } else if (head || HasNoBody(res.status)) {
    http::response<http::empty_body> m{status, version};
    CopyHeaders(res, m);
    m.keep_alive(keep);
    if (streaming) {
      m.chunked(true);
    } else if (!HasNoBody(res.status)) {
      m.content_length(res.body.size());
    }
    // The header only: a chunked message would otherwise get its last chunk.
    http::response_serializer<http::empty_body> sr{m};
    co_await http::async_write_header(stream, sr, Redirect(ec));
  } else {
    http::response<http::string_body> m{status, version};
    CopyHeaders(res, m);
    m.keep_alive(keep);
    m.body() = std::move(res.body);
    m.prepare_payload();
    co_await http::async_write(stream, m, Redirect(ec));
  }
  tcp.expires_never();
  co_return !ec;
}

void HttpServer::Impl::BindWake(Connection& conn, HttpResponse& res) {
  auto wake = std::make_shared<StreamWake>(conn.stream.get_executor());
  conn.wake = wake;
  std::weak_ptr<StreamWake> weak = wake;
  auto executor = conn.stream.get_executor();
  res.bind_wake([weak, executor] {
    asio::post(executor, [weak] {
      if (auto w = weak.lock()) {
        w->signaled = true;
        w->timer.cancel();
      }
    });
  });
}

awaitable<void> HttpServer::Impl::WaitForStream(Connection& conn) {
  std::shared_ptr<StreamWake> wake = conn.wake;
  if (!wake) {
    // A stream that waits without a wake function is polled.
    wake = conn.wake = std::make_shared<StreamWake>(conn.stream.get_executor());
  }
  if (!wake->signaled && !stopping) {
    wake->timer.expires_after(options.stream_recheck);
    error_code ec;
    co_await wake->timer.async_wait(Redirect(ec));
  }
  wake->signaled = false;
}

// Runs the handler and the stream's first call on the pool. An HTTP/1.0
// client cannot take chunks: its stream is read whole.
awaitable<StreamStep> HttpServer::Impl::Handle(Connection& conn, HttpRequest& req,
                                               HttpResponse& res) {
  StreamStep step = StreamStep::kDone;
  const bool whole = req.version < 11 && req.method != "HEAD";
  co_await OnPool(handlers, [&] {
    try {
      handler(req, res);
    } catch (const std::exception& e) {
      LOG_ERROR("http server: handler failed").Kv("error", e.what());
      res = ErrorResponse(500, "Internal server error");
    }
  });
  if (!res.stream || res.takeover) co_return step;
  if (res.bind_wake) BindWake(conn, res);
  co_await OnPool(handlers, [&] {
    step = Pull(res.stream, &res.body);
    while (step == StreamStep::kMore && whole) {
      step = Pull(res.stream, &res.body);
    }
    // An HTTP/1.0 client takes no chunks: a waiting stream ends with what it has.
    if (step == StreamStep::kWait && whole) step = StreamStep::kDone;
    if (step == StreamStep::kFailed) {
      res = ErrorResponse(500, "Internal server error");
      step = StreamStep::kDone;
    }
  });
  co_return step;
}

// The client's side of a taken-over connection: the bytes already read past
// the request first, then the stream itself.
template <class Stream>
class HandedOverStream final : public ByteStream {
 public:
  HandedOverStream(Stream& stream, beast::flat_buffer& buffered)
      : stream_(stream), buffered_(buffered) {}

  awaitable<size_t> ReadSome(asio::mutable_buffer into, error_code& ec) override {
    ec = {};
    if (buffered_.size() > 0) {
      size_t n = asio::buffer_copy(into, buffered_.data());
      buffered_.consume(n);
      co_return n;
    }
    co_return co_await stream_.async_read_some(into, Redirect(ec));
  }
  awaitable<void> Write(asio::const_buffer data, error_code& ec) override {
    co_await asio::async_write(stream_, data, Redirect(ec));
  }
  void ShutdownSend() override {
    error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  void Close() override { beast::get_lowest_layer(stream_).close(); }

 private:
  Stream& stream_;
  beast::flat_buffer& buffered_;
};

template <class Stream>
awaitable<void> HttpServer::Impl::HandOver(Connection& conn, Stream& stream,
                                           beast::flat_buffer& buffered,
                                           ConnectionTakeover& takeover) {
  if (!EnterTakeover(conn)) co_return;
  HandedOverStream<Stream> client(stream, buffered);
  try {
    co_await takeover.Run(client);
  } catch (const std::exception& e) {
    LOG_ERROR("http server: connection takeover failed").Kv("error", e.what());
  }
}

awaitable<bool> HttpServer::Impl::Handshake(Connection& conn,
                                            beast::ssl_stream<beast::tcp_stream&>& stream) {
  // Like a request's headers: Stop() may end the wait, header_timeout bounds it.
  if (!EnterWaiting(conn)) co_return false;
  conn.stream.expires_at(conn.accepted + options.header_timeout);
  error_code ec;
  co_await stream.async_handshake(asio::ssl::stream_base::server, Redirect(ec));
  conn.stream.expires_never();
  LeaveWaiting(conn);
  if (ec) {
    LOG_DEBUG("http server: TLS handshake failed")
        .Kv("client", conn.client)
        .Kv("error", ec.message());
  }
  co_return !ec;
}

awaitable<void> HttpServer::Impl::Serve(std::shared_ptr<Connection> conn) {
  error_code ec;
  conn->stream.socket().set_option(tcp::no_delay(true), ec);
  if (!tls) {
    co_await ServeRequests(*conn, conn->stream);
  } else {
    beast::ssl_stream<beast::tcp_stream&> stream(conn->stream, *tls);
    if (co_await Handshake(*conn, stream)) co_await ServeRequests(*conn, stream);
  }
  conn->stream.close();
}

template <class Stream>
awaitable<void> HttpServer::Impl::ServeRequests(Connection& conn, Stream& stream) {
  auto& tcp = beast::get_lowest_layer(stream);
  error_code ec;
  beast::flat_buffer buffer;
  bool graceful = false;  // close with input possibly unread
  for (int served = 0;; ++served) {
    // Waiting for a request: Stop() may end this wait.
    if (!EnterWaiting(conn)) break;
    // A new connection has header_timeout from accept; a kept-alive one may
    // idle before its next request starts.
    if (served == 0) {
      tcp.expires_at(conn.accepted + options.header_timeout);
    } else {
      tcp.expires_after(options.idle_timeout);
    }
    if (buffer.size() == 0) {
      size_t n = co_await stream.async_read_some(buffer.prepare(4096), Redirect(ec));
      buffer.commit(n);
    }
    if (!ec && served > 0) tcp.expires_after(options.header_timeout);
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    if (!ec) co_await http::async_read_header(stream, buffer, parser, Redirect(ec));
    LeaveWaiting(conn);
    if (!ec && !parser.is_done()) {
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        tcp.expires_after(options.write_timeout);
        co_await asio::async_write(stream, asio::buffer(kContinue, sizeof kContinue - 1),
                                   Redirect(ec));
      }
      tcp.expires_after(options.body_timeout);
      if (!ec) co_await http::async_read(stream, buffer, parser, Redirect(ec));
    }
    tcp.expires_never();
    if (ec) {
      auto [status, detail] = ReadFailure(ec, options);
      if (status == 0) break;
      HttpResponse res = ErrorResponse(status, detail);
      graceful = co_await WriteResponse(conn, stream, res, StreamStep::kDone, 11, false, false);
      break;
    }
    const bool keep =
        parser.keep_alive() && !stopping && served + 1 < options.keep_alive_max_requests;
    HttpRequest req = ToRequest(parser.release(), tcp.socket());
    const unsigned version = req.version;
    const bool head = req.method == "HEAD";
    HttpResponse res;
    StreamStep step = co_await Handle(conn, req, res);
    if (res.takeover) {
      co_await HandOver(conn, stream, buffer, *res.takeover);
      co_return;
    }
    const bool keep_this = keep && !res.close && !stopping;
    if (!co_await WriteResponse(conn, stream, res, step, version, head, keep_this)) {
      break;
    }
    if (!keep_this) {
      graceful = true;
      break;
    }
  }
  if (graceful) {
    // At shutdown a client that got "Connection: close" has had its answer.
    auto silence = stopping
                       ? std::min(options.lingering_close_timeout, std::chrono::milliseconds(200))
                       : options.lingering_close_timeout;
    co_await LingeringClose(tcp, silence, std::max(silence, options.body_timeout));
  }
}

}  // namespace cara::net
