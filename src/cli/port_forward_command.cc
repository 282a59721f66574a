// caractrl port-forward <project>/<service> [LOCAL:]REMOTE:
// listens on 127.0.0.1:LOCAL and carries each accepted TCP connection over
// its own WebSocket, as binary frames: through the server's
// /api/v1/projects/<p>/portforward route (which relays it to the node's
// agent), or with --node straight to an agent's /api/v1/forward/<p>/<s>/<R>.
#include <csignal>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <thread>
#include <variant>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "api/validation.h"
#include "cli/agent_address.h"
#include "cli/commands.h"
#include "cli/tunnel_endpoint.h"
#include "net/host_port.h"

namespace cara::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr size_t kBufferSize = 32 * 1024;

Status ParsePorts(const std::string& spec, int* local, int* remote) {
  size_t colon = spec.find(':');
  if (colon == std::string::npos) {
    auto port = net::ParsePort(spec);
    if (!port) return Status::Invalid("invalid port " + api::GoQuote(spec));
    *local = *remote = *port;
    return Status::Ok();
  }
  std::string l = spec.substr(0, colon);
  std::string r = spec.substr(colon + 1);
  if (r.find(':') != std::string::npos)
    return Status::Invalid("invalid port " + api::GoQuote(spec));
  auto local_port = net::ParsePort(l);
  if (!local_port) return Status::Invalid("invalid local port " + api::GoQuote(l));
  auto remote_port = net::ParsePort(r);
  if (!remote_port) return Status::Invalid("invalid remote port " + api::GoQuote(r));
  *local = *local_port;
  *remote = *remote_port;
  return Status::Ok();
}

// Serialises lines written to stderr from several threads.
class Log {
 public:
  explicit Log(std::ostream* err) : err_(err) {}
  void Line(const std::string& text) {
    std::lock_guard<std::mutex> lock(mu_);
    *err_ << text << "\n";
    err_->flush();
  }

 private:
  std::mutex mu_;
  std::ostream* err_;
};

std::string Endpoint(const tcp::endpoint& e) {
  return net::JoinHostPort(e.address().to_string(), e.port());
}

// A tunnel's WebSocket: over TLS to an https server, else plain TCP.
using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// A tunnel, whatever its stream.
class OpenTunnel {
 public:
  virtual ~OpenTunnel() = default;
  // Runs the whole exchange; returns when both directions have ended.
  virtual void Run() = 0;
  // Ends the exchange from another thread.
  virtual void Abort() = 0;
};

// One accepted connection and its WebSocket, driven by its own io_context on
// its own thread.
template <class Ws>
class Tunnel : public OpenTunnel, public std::enable_shared_from_this<Tunnel<Ws>> {
  static constexpr bool kTls = std::is_same_v<Ws, TlsWs>;

 public:
  Tunnel(tcp::socket accepted, std::string peer, const TunnelEndpoint& endpoint, Log* log)
      : local_(ioc_),
        ws_(MakeWs(ioc_, endpoint)),
        resolver_(ioc_),
        peer_(std::move(peer)),
        endpoint_(endpoint),
        log_(log) {
    beast::error_code ec;
    auto fd = accepted.release(ec);  // moved onto this tunnel's io_context
    if (!ec) local_.assign(tcp::v4(), fd, ec);
  }

  void Run() override {
    Dial();
    ioc_.run();
    if (handling_) log_->Line("Connection from " + peer_ + " closed");
  }

  void Abort() override {
    asio::post(ioc_, [self = this->shared_from_this()] { self->CloseBoth(); });
  }

 private:
  static Ws MakeWs(asio::io_context& ioc, const TunnelEndpoint& endpoint) {
    if constexpr (kTls) {
      return Ws(ioc, *endpoint.ssl);
    } else {
      return Ws(ioc);
    }
  }

  void Dial() {
    resolver_.async_resolve(
        endpoint_.host, endpoint_.port,
        [self = this->shared_from_this()](beast::error_code ec,
                                          tcp::resolver::results_type results) {
          if (ec) return self->DialFailed(ec.message());
          beast::get_lowest_layer(self->ws_).expires_after(std::chrono::seconds(30));
          beast::get_lowest_layer(self->ws_).async_connect(
              results, [self](beast::error_code ec2, const tcp::endpoint&) {
                if (ec2) return self->DialFailed(ec2.message());
                self->SecureThenHandshake();
              });
        });
  }

  // TLS first when the server speaks https, checking its name as the API
  // client does.
  void SecureThenHandshake() {
    if constexpr (!kTls) {
      Handshake();
    } else {
      SSL* ssl = ws_.next_layer().native_handle();
      beast::error_code not_ip;
      asio::ip::make_address(endpoint_.host, not_ip);
      if (not_ip) SSL_set_tlsext_host_name(ssl, endpoint_.host.c_str());  // SNI: names only
      ws_.next_layer().async_handshake(
          asio::ssl::stream_base::client, [self = this->shared_from_this()](beast::error_code ec) {
            if (ec) return self->DialFailed("tls: " + ec.message());
            Status named = net::CheckServerName(self->ws_.next_layer().native_handle(),
                                                self->endpoint_.host, self->endpoint_.tls);
            if (!named.ok()) return self->DialFailed("tls: " + named.message());
            self->Handshake();
          });
    }
  }

  void Handshake() {
    ws_.set_option(
        websocket::stream_base::decorator([token = endpoint_.token](websocket::request_type& req) {
          req.set(beast::http::field::user_agent, "caractrl");
          if (!token.empty()) req.set(beast::http::field::authorization, "Bearer " + token);
        }));
    ws_.async_handshake(
        response_, net::JoinHostPort(endpoint_.host, std::stoi(endpoint_.port)), endpoint_.target,
        [self = this->shared_from_this()](beast::error_code ec) {
          if (ec) {
            if (self->response_.result_int() != 0) {
              self->log_->Line("Error: " + DescribeHttpError(ApiResponse{
                                               static_cast<int>(self->response_.result_int()),
                                               self->response_.body()}));
              return self->CloseBoth();
            }
            return self->DialFailed(ec.message());
          }
          self->Start();
        });
  }

  void DialFailed(const std::string& why) {
    log_->Line("WebSocket dial failed: dial " + endpoint_.Url() + ": " + why);
    CloseBoth();
  }

  void Start() {
    handling_ = true;
    log_->Line("Handling connection for " + peer_);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.binary(true);
    ws_.read_message_max(0);
    ReadLocal();
    ReadRemote();
  }

  // TCP → WebSocket, one binary message per read (up to 32 KiB).
  void ReadLocal() {
    local_.async_read_some(asio::buffer(local_buf_),
                           [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                             if (ec) return self->CloseBoth();
                             self->ws_.async_write(asio::buffer(self->local_buf_.data(), n),
                                                   [self](beast::error_code ec2, size_t) {
                                                     if (ec2) return self->CloseBoth();
                                                     self->ReadLocal();
                                                   });
                           });
  }

  // WebSocket → TCP: every data message's payload, raw.
  void ReadRemote() {
    remote_buf_.clear();
    ws_.async_read(remote_buf_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->CloseBoth();
      asio::async_write(self->local_, self->remote_buf_.data(),
                        [self](beast::error_code ec2, size_t) {
                          if (ec2) return self->CloseBoth();
                          self->ReadRemote();
                        });
    });
  }

  // Abrupt close of both sides, without a WebSocket close handshake (as the
  // agent does).
  void CloseBoth() {
    beast::error_code ec;
    resolver_.cancel();
    local_.shutdown(tcp::socket::shutdown_both, ec);
    local_.close(ec);
    auto& remote = beast::get_lowest_layer(ws_).socket();
    remote.shutdown(tcp::socket::shutdown_both, ec);
    remote.close(ec);
  }

  asio::io_context ioc_;
  tcp::socket local_;
  Ws ws_;
  tcp::resolver resolver_;
  websocket::response_type response_;
  std::array<char, kBufferSize> local_buf_{};
  beast::flat_buffer remote_buf_;
  bool handling_ = false;
  std::string peer_;
  TunnelEndpoint endpoint_;
  Log* log_;
};

// What to forward where.
struct ForwardPlan {
  Target target;
  int local_port = 0;
  int remote_port = 0;
  TunnelEndpoint endpoint;
};

// Through the server, or with --node to the agent directly.
Result<TunnelEndpoint> EndpointFor(const CliContext& ctx, const PortForwardOptions& o,
                                   const Target& target, int remote_port) {
  if (o.node.empty()) {
    // The reference's errors for a missing or unscheduled project.
    Result<std::string> node_ref = ProjectNodeRef(*ctx.client, target.project);
    if (!node_ref.ok()) return node_ref.status();
    return ServerTunnelEndpoint(*ctx.client, target.project, target.service, remote_port);
  }
  auto address = ResolveAgentAddress(*ctx.client, target.project, o.node, *ctx.err);
  if (!address.ok()) return address.status();
  return AgentTunnelEndpoint(*address, target.project, target.service, remote_port);
}

// The plan, or the exit code after reporting why there is none.
std::variant<ForwardPlan, int> PlanForward(const CliContext& ctx, const PortForwardOptions& o) {
  ForwardPlan plan;
  auto target = ParseTarget(o.target);
  if (!target.ok()) return ReportError(ctx, target.status().message(), kExitInvalid);
  plan.target = *target;
  Status ports = ParsePorts(o.ports, &plan.local_port, &plan.remote_port);
  if (!ports.ok()) return ReportError(ctx, ports.message(), kExitInvalid);
  auto endpoint = EndpointFor(ctx, o, *target, plan.remote_port);
  if (!endpoint.ok()) return ReportError(ctx, endpoint.status().message());
  plan.endpoint = std::move(*endpoint);
  return plan;
}

// A tunnel for an accepted connection, over TLS when the endpoint has it.
std::shared_ptr<OpenTunnel> NewTunnel(tcp::socket socket, std::string peer,
                                      const TunnelEndpoint& endpoint, Log* log) {
  if (endpoint.ssl) {
    return std::make_shared<Tunnel<TlsWs>>(std::move(socket), std::move(peer), endpoint, log);
  }
  return std::make_shared<Tunnel<PlainWs>>(std::move(socket), std::move(peer), endpoint, log);
}

// Listens on 127.0.0.1:port, the only address port-forward serves.
Status ListenOnLoopback(tcp::acceptor& acceptor, int port) {
  beast::error_code ec;
  tcp::endpoint listen_at(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
  acceptor.open(listen_at.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(listen_at, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::Unavailable("listen tcp 127.0.0.1:" + std::to_string(port) + ": " +
                               ec.message());
  return Status::Ok();
}

// Shutting down. Senders often signal the process and its group, so a second
// SIGINT may still be on its way: once the signal_set is gone it would kill
// the process with the default action instead of letting it exit 0.
void IgnoreLateSignals(asio::signal_set& signals) {
  beast::error_code ec;
  signals.clear(ec);
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
}

}  // namespace

int RunPortForward(const CliContext& ctx, const PortForwardOptions& o) {
  auto planned = PlanForward(ctx, o);
  if (const int* exit_code = std::get_if<int>(&planned)) return *exit_code;
  const ForwardPlan& plan = std::get<ForwardPlan>(planned);

  asio::io_context ioc;
  // Registered before any thread starts, so that no connection thread takes
  // the signals away from the signal_set.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  tcp::acceptor acceptor(ioc);
  if (Status listening = ListenOnLoopback(acceptor, plan.local_port); !listening.ok()) {
    return ReportError(ctx, listening.message());
  }

  Log log(ctx.err);
  log.Line("Forwarding 127.0.0.1:" + std::to_string(plan.local_port) + " -> " +
           plan.target.project + "/" + plan.target.service + ":" +
           std::to_string(plan.remote_port));

  std::mutex mu;  // guards open and threads
  std::set<std::shared_ptr<OpenTunnel>> open;
  std::vector<std::thread> threads;
  bool shutting_down = false;

  std::function<void()> accept_next = [&] {
    acceptor.async_accept([&](beast::error_code aec, tcp::socket socket) {
      if (aec) {
        if (aec == asio::error::operation_aborted || !acceptor.is_open()) return;
        log.Line("Error: accept: " + aec.message());
        return accept_next();
      }
      beast::error_code pec;
      auto peer = socket.remote_endpoint(pec);
      auto tunnel = NewTunnel(std::move(socket), pec ? "?" : Endpoint(peer), plan.endpoint, &log);
      {
        std::lock_guard<std::mutex> lock(mu);
        open.insert(tunnel);
        threads.emplace_back([&, tunnel] {
          tunnel->Run();
          std::lock_guard<std::mutex> lock2(mu);
          open.erase(tunnel);
          // The last connection ending after shutdown lets the main loop exit.
          if (shutting_down && open.empty()) asio::post(ioc, [&] { signals.cancel(); });
        });
      }
      accept_next();
    });
  };

  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](beast::error_code sec, int) {
      if (sec) return;
      std::lock_guard<std::mutex> lock(mu);
      if (!shutting_down) {
        shutting_down = true;
        log.Line("\nShutting down...");
        beast::error_code cec;
        acceptor.close(cec);
        if (open.empty()) return;  // nothing to wait for: the loop runs out of work
      } else {
        // A second signal: stop waiting and cut the open connections.
        for (const auto& t : open) t->Abort();
      }
      wait_signal();
    });
  };

  accept_next();
  wait_signal();
  ioc.run();
  IgnoreLateSignals(signals);

  std::vector<std::thread> to_join;
  {
    std::lock_guard<std::mutex> lock(mu);
    to_join.swap(threads);
  }
  for (auto& t : to_join) t.join();
  return kExitOk;
}

}  // namespace cara::cli
