// Agent HTTP API on Boost.Beast (cpp-httplib 0.11 cannot hijack a connection
// for a WebSocket; see notes/dependencies.md).
//
// Threading: one acceptor thread, then one thread per connection running the
// connection's own single-threaded io_context. That choice follows from the
// ContainerLookup seam, whose calls block (Docker over a UNIX socket, and a
// follow-mode log stream blocks for as long as the container runs): a blocked
// connection must hold only its own thread, never an io thread that other
// requests need. Inside a connection everything is C++20 coroutines on that
// io_context, so the tunnel's two directions run concurrently without locks
// (a single-threaded io_context is an implicit strand). The agent serves a
// handful of CLI users, so a thread per connection is cheap here.
//
// Shutdown: Stop() closes the acceptor, then wakes the sockets of idle
// keep-alive connections, tunnels and log streams with shutdown(2) (safe from
// another thread, unlike asio's close()), lets in-flight short requests
// finish, and joins.
//
// Follow-mode logs: while StreamLogs blocks the connection's thread, a small
// watcher thread polls the client socket for a hang-up (or Stop()'s
// shutdown) and ends the stream through LogOptions::cancel, so a client
// leaving a quiet container's log is noticed at once, not at the next line.
// A ContainerLookup that ignored the cancel hook would still be stopped at
// its next chunk; Stop() detaches such a thread after its deadline.
#include "agent/agent_http_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "agent/container_lookup.h"
#include "common/log.h"

namespace cara::agent {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;
using error_code = boost::system::error_code;

// upstream-reference.md §5.8.
constexpr size_t kTunnelBufferBytes = 32 * 1024;
constexpr auto kShutdownGrace = std::chrono::seconds(5);
// Not in the reference (its agent server had no timeouts). With a thread per
// connection an idle keep-alive client would otherwise pin a thread forever;
// no legitimate client takes a minute to send a request header.
constexpr auto kRequestHeaderTimeout = std::chrono::seconds(60);
// Dialling a container IP: Go's net.Dial has no timeout of its own, but a
// black-holed address must not hang the CLI for the kernel's ~2 minutes.
constexpr auto kDialTimeout = std::chrono::seconds(10);

// ---------------------------------------------------------------------------
// Small text helpers

bool Contains(std::string_view s, std::string_view what) {
  return s.find(what) != std::string_view::npos;
}

// Go's strconv.ParseBool; anything it rejects counts as false (§7.9).
bool ParseGoBool(const std::string& s) {
  return s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; in a query '+' also means a space. nullopt on a broken
// escape, which Go's URL parser would have rejected.
std::optional<std::string> Unescape(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// The first value of `key` in a raw query string, like Go's Query().Get.
std::string QueryGet(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    auto k = Unescape(pair.substr(0, eq), true);
    if (!k || *k != key) continue;
    if (eq == std::string_view::npos) return "";
    auto v = Unescape(pair.substr(eq + 1), true);
    return v ? *v : "";
  }
  return "";
}

// Go's strconv.Atoi restricted to what a port can be: optional sign, digits.
std::optional<int> ParsePort(const std::string& raw) {
  size_t i = 0;
  bool negative = false;
  if (i < raw.size() && (raw[i] == '+' || raw[i] == '-')) negative = raw[i++] == '-';
  if (i == raw.size() || raw.size() - i > 6) return std::nullopt;
  long value = 0;
  for (; i < raw.size(); ++i) {
    if (raw[i] < '0' || raw[i] > '9') return std::nullopt;
    value = value * 10 + (raw[i] - '0');
  }
  if (negative) value = -value;
  if (value < 1 || value > 65535) return std::nullopt;
  return static_cast<int>(value);
}

// "ip:port" as Go's net.JoinHostPort writes it ("[v6]:port").
std::string JoinHostPort(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

// Go prints syscall errors in lower case ("connection refused").
std::string GoErrorText(const error_code& ec) {
  if (ec == beast::error::timeout || ec == net::error::timed_out) return "i/o timeout";
  std::string m = ec.message();
  if (m.size() > 1 && m[0] >= 'A' && m[0] <= 'Z' && !(m[1] >= 'A' && m[1] <= 'Z')) {
    m[0] = static_cast<char>(m[0] - 'A' + 'a');  // but keep acronyms
  }
  return "connect: " + m;
}

// A container's address for the tunnel: any network with an IP, preferring
// the project's own `cara-*` network (§7.9 step 4). The map is ordered, so
// the choice is deterministic.
std::string PickContainerIp(const ContainerInfo& info) {
  std::string fallback;
  for (const auto& [network, ip] : info.ip_by_network) {
    if (ip.empty()) continue;
    if (network.rfind("cara-", 0) == 0) return ip;
    if (fallback.empty()) fallback = ip;
  }
  return fallback;
}

// Titles as in server/response.cc (the agent must not depend on the server).
const char* ProblemTitle(int status) {
  switch (status) {
    case 400:
      return "Validation Problem";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return status >= 500 ? "Internal Server Error" : "Bad Request";
  }
}

std::string ProblemJson(int status, const std::string& detail) {
  nlohmann::ordered_json j;
  j["title"] = ProblemTitle(status);
  j["status"] = status;
  j["type"] = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/" + std::to_string(status);
  j["detail"] = detail;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// RFC 6455 §4.2.1, checked by hand so that every malformed handshake gets the
// reference's plain `400 Bad Request` (Beast's own rejection carries its own
// wording). Same checks as gorilla/websocket's Upgrader.
bool IsValidWebSocketHandshake(const http::request<http::string_body>& req) {
  if (req.method() != http::verb::get || req.version() < 11) return false;
  if (!websocket::is_upgrade(req)) return false;  // Connection: upgrade, Upgrade: websocket
  if (req[http::field::sec_websocket_version] != "13") return false;
  // The key must be base64 of 16 bytes: 22 base64 characters plus "==".
  beast::string_view key = req[http::field::sec_websocket_key];
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (size_t i = 0; i < 22; ++i) {
    char c = key[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Connection bookkeeping shared with Stop()

struct Conn {
  enum class Phase { kBusy, kIdle, kStreaming };

  net::io_context ioc{1};
  std::thread thread;
  bool done = false;  // guarded by Impl::mu

  std::mutex mu;
  Phase phase = Phase::kBusy;
  std::vector<int> fds;  // dup()s of this connection's sockets (client, tunnel target)

  // Entering kIdle or kStreaming fails once the server is stopping; the
  // check and the phase change happen under `mu`, the same lock Stop() takes
  // to look at the phase, so a connection cannot slip into a wait unseen.
  bool Enter(Phase p, const std::atomic<bool>& stopping) {
    std::lock_guard<std::mutex> lock(mu);
    if (p != Phase::kBusy && stopping.load()) return false;
    phase = p;
    return true;
  }

  // shutdown(2), not close(2): it wakes blocked reads and writes in the
  // connection's thread without racing with that thread's use of the socket.
  void Shutdown(bool quiet_only) {
    std::lock_guard<std::mutex> lock(mu);
    if (quiet_only && phase == Phase::kBusy) return;
    for (int fd : fds) ::shutdown(fd, SHUT_RDWR);
  }
};

// Registers a dup() of a socket's fd in Conn::fds for Stop(). The duplicate
// makes shutdown(2) from Stop() race-free: the number can never be recycled
// for an unrelated file while registered, even when Beast closes the original
// fd itself (tcp_stream does on a timeout). The socket is fully closed only
// once both are, i.e. at Release() at the latest.
class FdRegistration {
 public:
  FdRegistration(Conn* conn, int fd) : conn_(conn), dup_(::fcntl(fd, F_DUPFD_CLOEXEC, 0)) {
    if (dup_ < 0) return;
    std::lock_guard<std::mutex> lock(conn_->mu);
    conn_->fds.push_back(dup_);
  }
  ~FdRegistration() { Release(); }
  FdRegistration(const FdRegistration&) = delete;
  FdRegistration& operator=(const FdRegistration&) = delete;
  void Release() {
    if (dup_ < 0) return;
    {
      std::lock_guard<std::mutex> lock(conn_->mu);
      std::erase(conn_->fds, dup_);
    }
    ::close(dup_);
    dup_ = -1;
  }

 private:
  Conn* conn_;
  int dup_;
};

// True when the client has closed its end (or the socket failed). Used while
// a log stream runs: the client sends nothing more, so a readable EOF is the
// prompt signal that nobody is listening, before a write would fail.
bool PeerGone(int fd) {
  char c;
  ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;
  return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

// Watches a client socket while a blocking follow-mode log stream runs and
// cancels the stream when the client hangs up or the socket is shut down
// (Stop()). Only POLLRDHUP is asked for: a client that pipelines another
// request makes the socket readable, which must neither cancel the stream
// nor make poll() spin.
class DisconnectWatcher {
 public:
  DisconnectWatcher(int fd, std::shared_ptr<StreamCancel> cancel)
      : wake_(::eventfd(0, EFD_CLOEXEC)), cancel_(std::move(cancel)) {
    thread_ = std::thread([this, fd] { Run(fd); });
  }
  ~DisconnectWatcher() {
    uint64_t one = 1;
    if (wake_ >= 0) (void)!::write(wake_, &one, sizeof one);
    thread_.join();
    if (wake_ >= 0) ::close(wake_);
  }
  DisconnectWatcher(const DisconnectWatcher&) = delete;
  DisconnectWatcher& operator=(const DisconnectWatcher&) = delete;

  bool client_gone() const { return gone_; }

 private:
  void Run(int fd) {
    pollfd fds[2] = {{fd, POLLRDHUP, 0}, {wake_, POLLIN, 0}};
    for (;;) {
      int n = ::poll(fds, wake_ >= 0 ? 2 : 1, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || fds[1].revents != 0) return;  // done, or poll broke: on_chunk still checks
      if (fds[0].revents != 0) {
        gone_ = true;
        cancel_->Cancel();
        return;
      }
    }
  }

  int wake_;
  std::shared_ptr<StreamCancel> cancel_;
  std::atomic<bool> gone_{false};
  std::thread thread_;
};

}  // namespace

// ---------------------------------------------------------------------------

struct AgentHttpServer::Impl : std::enable_shared_from_this<Impl> {
  ContainerLookup* lookup;
  AgentHttpServerOptions options;

  std::atomic<bool> stopping{false};
  std::atomic<int> bound_port{0};

  std::mutex mu;  // guards conns, Conn::done, started, stopped
  std::condition_variable cv;
  std::list<std::shared_ptr<Conn>> conns;
  bool started = false;
  bool stopped = false;

  net::io_context accept_ioc{1};
  tcp::acceptor acceptor{accept_ioc};
  std::thread accept_thread;

  Impl(ContainerLookup* l, AgentHttpServerOptions o) : lookup(l), options(std::move(o)) {}

  Status Listen();
  awaitable<void> AcceptLoop();
  void StartConnection(std::shared_ptr<Conn> conn, tcp::socket socket);
  void ReapFinished();
  void StopAll();

  awaitable<void> Serve(std::shared_ptr<Conn> conn, tcp::socket socket);
  awaitable<bool> Dispatch(Conn& conn, beast::tcp_stream& stream,
                           http::request<http::string_body>& req);
  awaitable<bool> HandleLogs(Conn& conn, beast::tcp_stream& stream,
                             const http::request<http::string_body>& req,
                             const std::string& project, const std::string& service,
                             std::string_view query);
  awaitable<bool> HandleForward(Conn& conn, beast::tcp_stream& stream,
                                http::request<http::string_body>& req, const std::string& project,
                                const std::string& service, const std::string& raw_port);
};

namespace {

// Writes a complete response; returns whether the connection may be reused.
awaitable<bool> WriteResponse(beast::tcp_stream& stream,
                              const http::request<http::string_body>& req, http::status status,
                              std::string content_type, std::string body,
                              std::vector<std::pair<std::string, std::string>> extra = {}) {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::content_type, content_type);
  for (auto& [k, v] : extra) res.set(k, v);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  http::response_serializer<http::string_body> sr{res};
  error_code ec;
  stream.expires_after(kRequestHeaderTimeout);  // a client that never reads must not pin us
  if (req.method() == http::verb::head) {
    co_await http::async_write_header(stream, sr, net::redirect_error(use_awaitable, ec));
  } else {
    co_await http::async_write(stream, sr, net::redirect_error(use_awaitable, ec));
  }
  stream.expires_never();
  co_return !ec && res.keep_alive();
}

awaitable<bool> WriteProblem(beast::tcp_stream& stream, const http::request<http::string_body>& req,
                             int status, const std::string& detail) {
  co_return co_await WriteResponse(stream, req, static_cast<http::status>(status),
                                   "application/problem+json", ProblemJson(status, detail));
}

// Go's http.Error: plain text with a trailing newline and nosniff.
awaitable<bool> WritePlain(beast::tcp_stream& stream, const http::request<http::string_body>& req,
                           http::status status, std::string text,
                           std::vector<std::pair<std::string, std::string>> extra = {}) {
  extra.emplace_back("X-Content-Type-Options", "nosniff");
  co_return co_await WriteResponse(stream, req, status, "text/plain; charset=utf-8",
                                   std::move(text) + "\n", std::move(extra));
}

// One direction of the tunnel: TCP bytes become binary WebSocket messages.
awaitable<void> PumpTcpToWs(tcp::socket& from, websocket::stream<beast::tcp_stream>& to) {
  std::vector<char> buf(kTunnelBufferBytes);
  for (;;) {
    error_code ec;
    size_t n =
        co_await from.async_read_some(net::buffer(buf), net::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    co_await to.async_write(net::buffer(buf.data(), n), net::redirect_error(use_awaitable, ec));
    if (ec) co_return;
  }
}

// The other direction: every data message (binary or text), possibly in
// pieces, is written raw to TCP.
awaitable<void> PumpWsToTcp(websocket::stream<beast::tcp_stream>& from, tcp::socket& to) {
  std::vector<char> buf(kTunnelBufferBytes);
  for (;;) {
    error_code ec;
    size_t n =
        co_await from.async_read_some(net::buffer(buf), net::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    co_await net::async_write(to, net::buffer(buf.data(), n),
                              net::redirect_error(use_awaitable, ec));
    if (ec) co_return;
  }
}

}  // namespace

Status AgentHttpServer::Impl::Listen() {
  error_code ec;
  std::string host = options.address.empty() ? "0.0.0.0" : options.address;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto address = net::ip::make_address(host, ec);
  if (ec) {
    // A host name: resolve it (blocking, once, at start-up).
    tcp::resolver resolver(accept_ioc);
    auto results = resolver.resolve(host, std::to_string(options.port), ec);
    if (ec || results.empty()) {
      return Status::Unavailable("listen tcp " + JoinHostPort(host, options.port) + ": " +
                                 (ec ? ec.message() : "no address"));
    }
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
  std::string where = JoinHostPort(address.to_string(), options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor.close(ignored);
    return Status::Unavailable("listen tcp " + where + ": " + ec.message());
  }
  bound_port = acceptor.local_endpoint().port();
  return Status::Ok();
}

awaitable<void> AgentHttpServer::Impl::AcceptLoop() {
  for (;;) {
    auto conn = std::make_shared<Conn>();
    // Accept straight onto the connection's own io_context.
    tcp::socket socket(conn->ioc);
    error_code ec;
    co_await acceptor.async_accept(socket, net::redirect_error(use_awaitable, ec));
    if (stopping || !acceptor.is_open()) co_return;
    if (ec) {
      // EMFILE and friends: back off instead of spinning.
      LOG_WARN("agent api: accept failed").Kv("error", ec.message());
      net::steady_timer timer(accept_ioc, std::chrono::milliseconds(100));
      co_await timer.async_wait(net::redirect_error(use_awaitable, ec));
      continue;
    }
    ReapFinished();
    StartConnection(std::move(conn), std::move(socket));
  }
}

void AgentHttpServer::Impl::StartConnection(std::shared_ptr<Conn> conn, tcp::socket socket) {
  auto self = shared_from_this();
  {
    std::lock_guard<std::mutex> lock(mu);
    conns.push_back(conn);
  }
  // The thread keeps both the server state and the connection alive, so a
  // straggler detached by Stop() never touches freed memory.
  conn->thread = std::thread([self, conn, s = std::move(socket)]() mutable {
    net::co_spawn(conn->ioc, self->Serve(conn, std::move(s)), net::detached);
    try {
      conn->ioc.run();
    } catch (const std::exception& e) {
      LOG_ERROR("agent api: connection failed").Kv("error", e.what());
    }
    std::lock_guard<std::mutex> lock(self->mu);
    conn->done = true;
    self->cv.notify_all();
  });
}

void AgentHttpServer::Impl::ReapFinished() {
  std::list<std::shared_ptr<Conn>> finished;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = conns.begin(); it != conns.end();) {
      if ((*it)->done) {
        finished.push_back(std::move(*it));
        it = conns.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : finished) {
    if (c->thread.joinable()) c->thread.join();  // already finished: instant
  }
}

awaitable<void> AgentHttpServer::Impl::Serve(std::shared_ptr<Conn> conn, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  FdRegistration registration(conn.get(), stream.socket().native_handle());
  error_code ec;
  stream.socket().set_option(tcp::no_delay(true), ec);  // streamed chunks go out at once
  beast::flat_buffer buffer;
  try {
    for (;;) {
      if (!conn->Enter(Conn::Phase::kIdle, stopping)) break;
      http::request_parser<http::string_body> parser;
      parser.header_limit(64 * 1024);
      parser.body_limit(1024 * 1024);  // no route takes a body
      stream.expires_after(kRequestHeaderTimeout);
      co_await http::async_read(stream, buffer, parser, net::redirect_error(use_awaitable, ec));
      conn->Enter(Conn::Phase::kBusy, stopping);
      stream.expires_never();
      if (ec) {
        if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message) {
          // What Go's server answers to a malformed request.
          static constexpr std::string_view kBad =
              "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
              "Connection: close\r\n\r\n400 Bad Request";
          co_await net::async_write(stream, net::buffer(kBad.data(), kBad.size()),
                                    net::redirect_error(use_awaitable, ec));
        }
        break;
      }
      http::request<http::string_body> req = parser.release();
      bool keep = co_await Dispatch(*conn, stream, req);
      if (!keep || stopping) break;
    }
  } catch (const std::exception& e) {
    LOG_ERROR("agent api: request failed").Kv("error", e.what());
  }
  registration.Release();
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream.socket().close(ec);
}

awaitable<bool> AgentHttpServer::Impl::Dispatch(Conn& conn, beast::tcp_stream& stream,
                                                http::request<http::string_body>& req) {
  const std::string_view target(req.target().data(), req.target().size());
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);

  // Go 1.22 ServeMux semantics: wildcards are single non-empty segments,
  // matched on the escaped path and then unescaped.
  std::vector<std::string> segments;
  bool well_formed = !path.empty() && path.front() == '/';
  if (well_formed) {
    std::string_view rest = path.substr(1);
    for (;;) {
      size_t slash = rest.find('/');
      auto seg = Unescape(rest.substr(0, slash), false);
      if (!seg) {
        well_formed = false;
        break;
      }
      segments.push_back(std::move(*seg));
      if (slash == std::string_view::npos) break;
      rest = rest.substr(slash + 1);
    }
  }
  auto all_non_empty = [&] {
    for (const auto& s : segments) {
      if (s.empty()) return false;
    }
    return true;
  };
  enum class Route { kNone, kHealth, kLogs, kForward } route = Route::kNone;
  if (well_formed && segments.size() == 1 && segments[0] == "healthz") {
    route = Route::kHealth;
  } else if (well_formed && segments.size() == 5 && segments[0] == "api" && segments[1] == "v1" &&
             segments[2] == "logs" && all_non_empty()) {
    route = Route::kLogs;
  } else if (well_formed && segments.size() == 6 && segments[0] == "api" && segments[1] == "v1" &&
             segments[2] == "forward" && all_non_empty()) {
    route = Route::kForward;
  }

  if (route == Route::kNone) {
    co_return co_await WritePlain(stream, req, http::status::not_found, "404 page not found");
  }
  // GET routes also answer HEAD; anything else is 405 with Allow.
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    // A named vector: GCC 12 miscompiles initializer lists inside co_await.
    std::vector<std::pair<std::string, std::string>> allow{{"Allow", "GET, HEAD"}};
    co_return co_await WritePlain(stream, req, http::status::method_not_allowed,
                                  "Method Not Allowed", std::move(allow));
  }
  switch (route) {
    case Route::kHealth:
      co_return co_await WriteResponse(stream, req, http::status::ok, "text/plain; charset=utf-8",
                                       "OK");
    case Route::kLogs:
      co_return co_await HandleLogs(conn, stream, req, segments[3], segments[4], query);
    case Route::kForward:
      co_return co_await HandleForward(conn, stream, req, segments[3], segments[4], segments[5]);
    case Route::kNone:
      break;
  }
  co_return false;
}

awaitable<bool> AgentHttpServer::Impl::HandleLogs(Conn& conn, beast::tcp_stream& stream,
                                                  const http::request<http::string_body>& req,
                                                  const std::string& project,
                                                  const std::string& service,
                                                  std::string_view query) {
  LogOptions opts;
  opts.follow = ParseGoBool(QueryGet(query, "follow"));
  opts.timestamps = ParseGoBool(QueryGet(query, "timestamps"));
  opts.tail = QueryGet(query, "tail");
  if (opts.tail.empty()) opts.tail = "all";

  const std::string container = project + "-" + service;
  // Note the '/' here against '-' in the forward errors: as in the reference.
  const std::string display = project + "/" + service;

  // Classification by message text, exactly as the reference does it.
  auto fail = [&](const Status& st) -> std::pair<int, std::string> {
    const std::string& m = st.message();
    if (Contains(m, "not found") || Contains(m, "No such")) {
      return {404, "container " + display + ": container not found"};
    }
    if (Contains(m, "not running"))
      return {409, "container " + display + ": container not running"};
    LOG_WARN("agent api: logs failed").Kv("container", container).Kv("error", m);
    return {404, "container " + display + ": container not found"};
  };

  // Blocking call: holds only this connection's thread (see the file comment).
  Result<ContainerInfo> info = lookup->Inspect(container);
  Status err = info.status();
  if (err.ok() && opts.follow && info->state != "running") {
    err = Status::Conflict("container " + container + " is not running");
  }
  if (!err.ok()) {
    auto [status, detail] = fail(err);
    co_return co_await WriteProblem(stream, req, status, detail);
  }

  // Chunked for HTTP/1.1; an HTTP/1.0 client gets a close-delimited body.
  const bool chunked = req.version() >= 11;
  http::response<http::empty_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set("X-Content-Type-Options", "nosniff");
  if (chunked) res.chunked(true);
  res.keep_alive(false);  // a log stream is the last thing on its connection
  const int fd = stream.socket().native_handle();
  bool header_sent = false;
  bool aborted = false;
  error_code ec;
  auto send_header = [&]() -> bool {
    http::response_serializer<http::empty_body> sr{res};
    http::write_header(stream, sr, ec);
    header_sent = true;
    return !ec;
  };

  if (req.method() == http::verb::head) {
    send_header();
    co_return false;
  }
  if (!conn.Enter(Conn::Phase::kStreaming, stopping)) co_return false;
  // A follow stream may stay silent for a long time: send the status line at
  // once so that clients see 200. Otherwise wait for the first chunk, so that
  // a Docker error before any output still becomes a proper problem response.
  if (opts.follow && !send_header()) co_return false;

  // Only a follow stream can block for long without output.
  std::optional<DisconnectWatcher> watcher;
  if (opts.follow) {
    opts.cancel = std::make_shared<StreamCancel>();
    watcher.emplace(fd, opts.cancel);
  }

  // Synchronous writes from inside the blocking StreamLogs callback; this
  // thread has no other work, and a slow reader applies backpressure to the
  // Docker stream. Each chunk is written (flushed) as it comes.
  Status st = lookup->StreamLogs(container, opts, [&](const char* data, size_t size) -> bool {
    if (stopping || PeerGone(fd)) {
      aborted = true;
      return false;
    }
    if (size == 0) return true;  // an empty chunk would end the chunked body
    if (!header_sent && !send_header()) {
      aborted = true;
      return false;
    }
    if (chunked) {
      net::write(stream, http::make_chunk(net::const_buffer(data, size)), ec);
    } else {
      net::write(stream, net::const_buffer(data, size), ec);
    }
    if (ec) aborted = true;
    return !ec;
  });

  const bool client_gone = watcher && watcher->client_gone();
  watcher.reset();  // joins the watcher thread
  if (aborted || client_gone) co_return false;
  if (!header_sent) {
    if (!st.ok()) {
      auto [status, detail] = fail(st);
      co_return co_await WriteProblem(stream, req, status, detail);
    }
    if (!send_header()) co_return false;
  } else if (!st.ok()) {
    // Too late for a status code; end the body cleanly as the reference does.
    LOG_WARN("agent api: log stream ended with an error")
        .Kv("container", container)
        .Kv("error", st.message());
  }
  if (chunked) net::write(stream, http::make_chunk_last(), ec);
  co_return false;
}

awaitable<bool> AgentHttpServer::Impl::HandleForward(Conn& conn, beast::tcp_stream& stream,
                                                     http::request<http::string_body>& req,
                                                     const std::string& project,
                                                     const std::string& service,
                                                     const std::string& raw_port) {
  auto port = ParsePort(raw_port);
  if (!port) co_return co_await WriteProblem(stream, req, 400, "invalid port: " + raw_port);

  const std::string container = project + "-" + service;
  Result<ContainerInfo> info = lookup->Inspect(container);  // blocking, see above
  if (!info.ok()) {
    LOG_DEBUG("agent api: forward inspect failed")
        .Kv("container", container)
        .Kv("error", info.status().message());
    co_return co_await WriteProblem(stream, req, 404,
                                    "container " + container + ": container not found");
  }
  if (info->state != "running") {
    co_return co_await WriteProblem(stream, req, 503,
                                    "container " + container + ": container not running");
  }

  // Dial before upgrading, so that an unreachable port is a clean HTTP error.
  const std::string ip = PickContainerIp(*info);
  if (ip.empty()) {
    co_return co_await WriteProblem(stream, req, 502,
                                    "cannot reach " + container + ":" + std::to_string(*port) +
                                        ": container has no IP address: port unreachable");
  }
  const std::string target = JoinHostPort(ip, *port);
  error_code ec;
  auto address = net::ip::make_address(ip, ec);
  if (ec) {
    co_return co_await WriteProblem(stream, req, 502,
                                    "cannot reach " + target + ": dial tcp " + target +
                                        ": invalid IP address: port unreachable");
  }
  beast::tcp_stream upstream(co_await net::this_coro::executor);
  upstream.expires_after(kDialTimeout);
  co_await upstream.async_connect(tcp::endpoint(address, static_cast<unsigned short>(*port)),
                                  net::redirect_error(use_awaitable, ec));
  upstream.expires_never();
  if (ec) {
    co_return co_await WriteProblem(stream, req, 502,
                                    "cannot reach " + target + ": dial tcp " + target + ": " +
                                        GoErrorText(ec) + ": port unreachable");
  }
  tcp::socket tcp_side = std::move(upstream.socket());
  FdRegistration tcp_registration(&conn, tcp_side.native_handle());
  tcp_side.set_option(tcp::no_delay(true), ec);

  if (!IsValidWebSocketHandshake(req)) {
    tcp_registration.Release();
    tcp_side.close(ec);
    std::vector<std::pair<std::string, std::string>> version{{"Sec-WebSocket-Version", "13"}};
    co_return co_await WritePlain(stream, req, http::status::bad_request, "Bad Request",
                                  std::move(version));
  }
  if (!conn.Enter(Conn::Phase::kStreaming, stopping)) co_return false;

  websocket::stream<beast::tcp_stream> ws(std::move(stream));
  ws.auto_fragment(false);  // a 32 KiB read goes out as one frame
  ws.read_message_max(0);   // messages are a byte stream here; no size cap
  ws.binary(true);
  // Any Origin is accepted (the reference's CheckOrigin returns true).
  co_await ws.async_accept(req, net::redirect_error(use_awaitable, ec));
  if (ec) co_return false;

  // Both directions run on this connection's io_context; whichever ends first
  // shuts both sockets down, which ends the other. No close handshake: the
  // reference closes abruptly too.
  auto shut_both = [&] {
    error_code ignored;
    beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_side.shutdown(tcp::socket::shutdown_both, ignored);
  };
  auto executor = co_await net::this_coro::executor;
  net::steady_timer other_done(executor, net::steady_timer::time_point::max());
  bool other_finished = false;
  net::co_spawn(executor, PumpTcpToWs(tcp_side, ws), [&](std::exception_ptr) {
    other_finished = true;
    shut_both();
    other_done.cancel();
  });
  try {
    co_await PumpWsToTcp(ws, tcp_side);
  } catch (const std::exception& e) {
    LOG_WARN("agent api: tunnel failed").Kv("error", e.what());
  }
  shut_both();
  // The spawned pump uses ws and tcp_side from this frame: wait for it.
  if (!other_finished) co_await other_done.async_wait(net::redirect_error(use_awaitable, ec));
  co_return false;
}

void AgentHttpServer::Impl::StopAll() {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (stopped) return;
    stopped = true;
    if (!started) return;
  }
  stopping = true;
  net::post(accept_ioc, [this] {
    error_code ec;
    acceptor.close(ec);
  });
  if (accept_thread.joinable()) accept_thread.join();

  const auto deadline = std::chrono::steady_clock::now() + kShutdownGrace;
  // Idle connections, tunnels and log streams end at once; busy ones finish
  // their response first (they see `stopping` and close afterwards).
  std::unique_lock<std::mutex> lock(mu);
  for (auto& c : conns) c->Shutdown(/*quiet_only=*/true);
  auto all_done = [&] {
    for (auto& c : conns) {
      if (!c->done) return false;
    }
    return true;
  };
  // Most of the grace period is for in-flight requests; the rest for the
  // forced shutdown to take effect.
  if (!cv.wait_until(lock, deadline - std::chrono::seconds(1), all_done)) {
    for (auto& c : conns) c->Shutdown(/*quiet_only=*/false);
    cv.wait_until(lock, deadline, all_done);
  }
  std::list<std::shared_ptr<Conn>> remaining = std::move(conns);
  conns.clear();
  lock.unlock();
  size_t detached = 0;
  for (auto& c : remaining) {
    bool finished;
    {
      std::lock_guard<std::mutex> l(mu);
      finished = c->done;
    }
    if (finished) {
      c->thread.join();
    } else {
      // Blocked inside ContainerLookup (an Inspect against a hung daemon, or
      // a log stream that ignores its cancel hook); it holds its own
      // references and exits when the call returns.
      c->thread.detach();
      ++detached;
    }
  }
  if (detached > 0) {
    LOG_WARN("agent api: connections still busy at shutdown, detached").Kv("count", detached);
  }
}

// ---------------------------------------------------------------------------

AgentHttpServer::AgentHttpServer(ContainerLookup* lookup, AgentHttpServerOptions options)
    : impl_(std::make_shared<Impl>(lookup, std::move(options))) {}

AgentHttpServer::~AgentHttpServer() { Stop(); }

Status AgentHttpServer::Start() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->started || impl_->stopped) return Status::Internal("agent api: already started");
  }
  CARA_RETURN_IF_ERROR(impl_->Listen());
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->started = true;
  }
  net::co_spawn(impl_->accept_ioc, impl_->AcceptLoop(), net::detached);
  impl_->accept_thread = std::thread([impl = impl_] { impl->accept_ioc.run(); });
  LOG_INFO("agent api listening")
      .Kv("addr", JoinHostPort(impl_->options.address.empty() ? "0.0.0.0" : impl_->options.address,
                               impl_->bound_port));
  return Status::Ok();
}

int AgentHttpServer::port() const { return impl_->bound_port; }

void AgentHttpServer::Stop() { impl_->StopAll(); }

}  // namespace cara::agent
