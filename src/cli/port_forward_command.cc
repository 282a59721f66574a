// caractrl port-forward <project>/<service> [LOCAL:]REMOTE:
// listens on 127.0.0.1:LOCAL and carries each
// accepted TCP connection over its own WebSocket to the agent's
// /api/v1/forward/<p>/<s>/<R> tunnel, as binary frames.
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
#include <boost/beast/websocket.hpp>

#include "api/validation.h"
#include "cli/agent_address.h"
#include "cli/commands.h"
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

// One accepted connection and its WebSocket, driven by its own io_context on
// its own thread.
class Tunnel : public std::enable_shared_from_this<Tunnel> {
 public:
  Tunnel(tcp::socket accepted, std::string peer, std::string agent_host, std::string agent_port,
         std::string target, Log* log)
      : local_(ioc_),
        ws_(ioc_),
        resolver_(ioc_),
        peer_(std::move(peer)),
        agent_host_(std::move(agent_host)),
        agent_port_(std::move(agent_port)),
        target_(std::move(target)),
        log_(log) {
    beast::error_code ec;
    auto fd = accepted.release(ec);  // moved onto this tunnel's io_context
    if (!ec) local_.assign(tcp::v4(), fd, ec);
  }

  // Runs the whole exchange; returns when both directions have ended.
  void Run() {
    Dial();
    ioc_.run();
    if (handling_) log_->Line("Connection from " + peer_ + " closed");
  }

  // Ends the exchange from another thread.
  void Abort() {
    asio::post(ioc_, [self = shared_from_this()] { self->CloseBoth(); });
  }

 private:
  void Dial() {
    resolver_.async_resolve(
        agent_host_, agent_port_,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec) return self->DialFailed(ec);
          beast::get_lowest_layer(self->ws_).expires_after(std::chrono::seconds(30));
          beast::get_lowest_layer(self->ws_).async_connect(
              results, [self](beast::error_code ec2, const tcp::endpoint&) {
                if (ec2) return self->DialFailed(ec2);
                self->Handshake();
              });
        });
  }

  void Handshake() {
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "caractrl"); }));
    ws_.async_handshake(
        response_, agent_host_ + ":" + agent_port_, target_,
        [self = shared_from_this()](beast::error_code ec) {
          if (ec) {
            if (self->response_.result_int() != 0) {
              self->log_->Line("Error: " + DescribeHttpError(ApiResponse{
                                               static_cast<int>(self->response_.result_int()),
                                               self->response_.body()}));
              return self->CloseBoth();
            }
            return self->DialFailed(ec);
          }
          self->Start();
        });
  }

  void DialFailed(const beast::error_code& ec) {
    log_->Line("WebSocket dial failed: dial ws://" + agent_host_ + ":" + agent_port_ + target_ +
               ": " + ec.message());
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
                           [self = shared_from_this()](beast::error_code ec, size_t n) {
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
    ws_.async_read(remote_buf_, [self = shared_from_this()](beast::error_code ec, size_t) {
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
  websocket::stream<beast::tcp_stream> ws_;
  tcp::resolver resolver_;
  websocket::response_type response_;
  std::array<char, kBufferSize> local_buf_{};
  beast::flat_buffer remote_buf_;
  bool handling_ = false;
  std::string peer_;
  std::string agent_host_;
  std::string agent_port_;
  std::string target_;
  Log* log_;
};

// What to forward where, from the arguments and the agent's address.
struct ForwardPlan {
  Target target;
  int local_port = 0;
  int remote_port = 0;
  std::string agent_host;
  std::string agent_port;
  std::string ws_target;  // the agent's tunnel path
};

// The plan, or the exit code after reporting why there is none.
std::variant<ForwardPlan, int> PlanForward(const CliContext& ctx, const PortForwardOptions& o) {
  ForwardPlan plan;
  auto target = ParseTarget(o.target);
  if (!target.ok()) return ReportError(ctx, target.status().message(), kExitInvalid);
  plan.target = *target;
  Status ports = ParsePorts(o.ports, &plan.local_port, &plan.remote_port);
  if (!ports.ok()) return ReportError(ctx, ports.message(), kExitInvalid);
  auto address = ResolveAgentAddress(*ctx.client, target->project, o.node, *ctx.err);
  if (!address.ok()) return ReportError(ctx, address.status().message());
  auto agent = net::SplitHostPort(*address);
  if (!agent.ok()) return ReportError(ctx, "invalid agent address: " + agent.status().message());
  plan.agent_host = agent->host;
  plan.agent_port = std::to_string(agent->port);
  plan.ws_target = "/api/v1/forward/" + PathEscape(target->project) + "/" +
                   PathEscape(target->service) + "/" + std::to_string(plan.remote_port);
  return plan;
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
  std::set<std::shared_ptr<Tunnel>> open;
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
      auto tunnel =
          std::make_shared<Tunnel>(std::move(socket), pec ? "?" : Endpoint(peer), plan.agent_host,
                                   plan.agent_port, plan.ws_target, &log);
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
