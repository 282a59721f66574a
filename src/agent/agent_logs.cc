// GET /api/v1/logs/{project}/{service}: a container's log as a chunked
// text/plain body (close-delimited for HTTP/1.0), following it while the
// container runs when ?follow=true.
//
// StreamLogs blocks this connection's thread (see agent_http_server.cc) and
// calls back with each chunk, which is written synchronously: this thread
// has no other work, and a slow reader applies backpressure to the Docker
// stream. While a follow stream runs, a DisconnectWatcher ends it through
// LogOptions::cancel when the client hangs up or Stop() shuts the socket
// down; a ContainerLookup that ignored the cancel hook would still be
// stopped at its next chunk.
#include <optional>
#include <utility>  // before Asio 1.18's awaitable.hpp, which uses std::exchange

#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>

#include "agent/agent_api_routes.h"
#include "agent/agent_http_server_impl.h"
#include "agent/container_lookup.h"
#include "agent/disconnect_watcher.h"
#include "common/log.h"

namespace cara::agent {
namespace {

bool Contains(std::string_view s, std::string_view what) {
  return s.find(what) != std::string_view::npos;
}

// A failed log request as a problem: classified by message text, exactly as
// the reference does it. `display` is "<project>/<service>" (a '/', where the
// forward errors have '-', as in the reference).
std::pair<int, std::string> LogsProblem(const Status& st, const std::string& display,
                                        const std::string& container) {
  const std::string& m = st.message();
  if (Contains(m, "not found") || Contains(m, "No such")) {
    return {404, "container " + display + ": container not found"};
  }
  if (Contains(m, "not running")) return {409, "container " + display + ": container not running"};
  LOG_WARN("agent api: logs failed").Kv("container", container).Kv("error", m);
  return {404, "container " + display + ": container not found"};
}

LogOptions LogOptionsFrom(std::string_view query) {
  LogOptions opts;
  opts.follow = ParseGoBool(QueryGet(query, "follow"));
  opts.timestamps = ParseGoBool(QueryGet(query, "timestamps"));
  opts.tail = QueryGet(query, "tail");
  if (opts.tail.empty()) opts.tail = "all";
  return opts;
}

// The 200 response of a log stream, written synchronously piece by piece:
// chunked for HTTP/1.1, close-delimited for HTTP/1.0.
class LogResponseWriter {
 public:
  LogResponseWriter(beast::tcp_stream& stream, const AgentRequest& req)
      : stream_(stream), chunked_(req.version() >= 11), res_{http::status::ok, req.version()} {
    res_.set(http::field::content_type, "text/plain; charset=utf-8");
    res_.set("X-Content-Type-Options", "nosniff");
    if (chunked_) res_.chunked(true);
    res_.keep_alive(false);  // a log stream is the last thing on its connection
  }

  bool header_sent() const { return header_sent_; }

  bool SendHeader() {
    http::response_serializer<http::empty_body> sr{res_};
    http::write_header(stream_, sr, ec_);
    header_sent_ = true;
    return !ec_;
  }

  // One piece of the log, written (flushed) at once.
  bool Write(const char* data, size_t size) {
    if (!header_sent_ && !SendHeader()) return false;
    if (chunked_) {
      asio::write(stream_, http::make_chunk(asio::const_buffer(data, size)), ec_);
    } else {
      asio::write(stream_, asio::const_buffer(data, size), ec_);
    }
    return !ec_;
  }

  void Finish() {
    if (chunked_) asio::write(stream_, http::make_chunk_last(), ec_);
  }

 private:
  beast::tcp_stream& stream_;
  const bool chunked_;
  http::response<http::empty_body> res_;
  bool header_sent_ = false;
  error_code ec_;
};

}  // namespace

asio::awaitable<bool> AgentHttpServer::Impl::HandleLogs(
    AgentConnection& conn, beast::tcp_stream& stream, const AgentRequest& req,
    const std::string& project, const std::string& service, std::string_view query) {
  LogOptions opts = LogOptionsFrom(query);
  const std::string container = project + "-" + service;
  const std::string display = project + "/" + service;

  // Blocking call: holds only this connection's thread.
  Result<ContainerInfo> info = lookup->Inspect(container);
  Status err = info.status();
  if (err.ok() && opts.follow && info->state != "running") {
    err = Status::Conflict("container " + container + " is not running");
  }
  if (!err.ok()) {
    auto [status, detail] = LogsProblem(err, display, container);
    co_return co_await WriteProblem(stream, req, status, detail);
  }

  LogResponseWriter out(stream, req);
  if (req.method() == http::verb::head) {
    out.SendHeader();
    co_return false;
  }
  if (!conn.tracked.EnterQuiet(registry)) co_return false;
  // A follow stream may stay silent for a long time: send the status line at
  // once so that clients see 200. Otherwise wait for the first chunk, so that
  // a Docker error before any output still becomes a proper problem response.
  if (opts.follow && !out.SendHeader()) co_return false;

  const int fd = stream.socket().native_handle();
  std::optional<DisconnectWatcher> watcher;  // only a follow stream can block for long
  if (opts.follow) {
    opts.cancel = std::make_shared<StreamCancel>();
    watcher.emplace(fd, opts.cancel);
  }
  bool aborted = false;
  Status st = lookup->StreamLogs(container, opts, [&](const char* data, size_t size) -> bool {
    if (registry.stopping() || PeerGone(fd)) {
      aborted = true;
      return false;
    }
    if (size == 0) return true;  // an empty chunk would end the chunked body
    if (!out.Write(data, size)) aborted = true;
    return !aborted;
  });
  const bool client_gone = watcher && watcher->client_gone();
  watcher.reset();  // joins the watcher thread
  if (aborted || client_gone) co_return false;
  if (!out.header_sent()) {
    if (!st.ok()) {
      auto [status, detail] = LogsProblem(st, display, container);
      co_return co_await WriteProblem(stream, req, status, detail);
    }
    if (!out.SendHeader()) co_return false;
  } else if (!st.ok()) {
    // Too late for a status code; end the body cleanly as the reference does.
    LOG_WARN("agent api: log stream ended with an error")
        .Kv("container", container)
        .Kv("error", st.message());
  }
  out.Finish();
  co_return false;
}

}  // namespace cara::agent
