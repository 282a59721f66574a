#include "agent/docker_transport.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

#include <httplib.h>

#include "agent/docker_wire.h"
#include "common/clock.h"
#include "common/log.h"

namespace cara::agent {
namespace {

// Engine 20.10 (Debian 12's docker.io) speaks 1.41. Pinning the version keeps
// response shapes stable when the daemon is upgraded.
constexpr std::string_view kApiPrefix = "/v1.41";
constexpr std::string_view kUnixScheme = "unix://";
constexpr const char* kDefaultSocket = "/var/run/docker.sock";
constexpr time_t kConnectTimeoutSec = 10;
// Idle keep-alive connections kept for reuse.
constexpr size_t kMaxIdleConnections = 4;
// An error body is kept for its message up to this size.
constexpr size_t kMaxErrorBody = 64 * 1024;

// The socket path of a DOCKER_HOST-style endpoint, or why it is not usable.
Result<std::string> SocketPathOf(const std::string& endpoint) {
  std::string path;
  if (endpoint.empty()) {
    path = kDefaultSocket;
  } else if (endpoint.rfind(kUnixScheme, 0) == 0) {
    path = endpoint.substr(kUnixScheme.size());
  } else if (endpoint.front() == '/') {
    path = endpoint;
  } else {
    return Status::Invalid("unsupported Docker endpoint \"" + endpoint +
                           "\": only unix:///path/to/docker.sock (or a socket path) is supported");
  }
  if (path.empty() || path.front() != '/') {
    return Status::Invalid("unsupported Docker endpoint \"" + endpoint +
                           "\": the socket path must be absolute (unix:///path/to/docker.sock)");
  }
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    // The kernel's limit; httplib would fail with an unhelpful error.
    return Status::Invalid("Docker socket path is too long (" + std::to_string(path.size()) +
                           " bytes, max 107): " + path);
  }
  return path;
}

std::unique_ptr<httplib::Client> NewClient(const std::string& socket_path, bool keep_alive) {
  auto cli = std::make_unique<httplib::Client>(socket_path);
  cli->set_address_family(AF_UNIX);
  // httplib would send "Host: <socket path>", which dockerd rejects (400).
  cli->set_default_headers({{"Host", "localhost"}});
  cli->set_keep_alive(keep_alive);
  cli->set_connection_timeout(kConnectTimeoutSec, 0);
  return cli;
}

httplib::Request MakeRequest(const std::string& method, const std::string& path) {
  httplib::Request req;
  req.method = method;
  req.path = std::string(kApiPrefix) + path;
  req.set_header("Host", "localhost");
  return req;
}

// Why the socket did not answer. httplib does not keep errno; look at the
// socket ourselves so the common cases (no daemon, no permission) read clearly.
std::string ConnectFailure(const std::string& socket_path) {
  struct stat st {};
  if (::stat(socket_path.c_str(), &st) != 0) return std::string("connect: ") + std::strerror(errno);
  if (!S_ISSOCK(st.st_mode)) return "connect: not a socket";
  if (::access(socket_path.c_str(), R_OK | W_OK) != 0) {
    return std::string("connect: ") + std::strerror(errno);
  }
  return "connect: connection refused (is dockerd running?)";
}

Status TransportError(const std::string& socket_path, httplib::Error error, time_t read_timeout) {
  std::string detail;
  switch (error) {
    case httplib::Error::Connection:
    case httplib::Error::ConnectionTimeout:
      detail = ConnectFailure(socket_path);
      break;
    case httplib::Error::Read:
      detail = "no complete answer within " + std::to_string(read_timeout) +
               " s (read failed or connection closed)";
      break;
    case httplib::Error::Write:
      detail = "write failed (connection closed)";
      break;
    default:
      detail = "HTTP client error " + httplib::to_string(error);
      break;
  }
  return Status::Unavailable("cannot reach Docker at " + socket_path + ": " + detail);
}

// Docker's error text: the "message" of its JSON body, else the body itself.
std::string DockerMessage(int http_status, const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string message = StringField(j, "message");
  if (message.empty()) {
    message = body;
    while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) {
      message.pop_back();
    }
  }
  if (message.empty()) message = "HTTP " + std::to_string(http_status) + " from Docker";
  return message;
}

Status StatusFromHttp(int http_status, const std::string& body) {
  std::string message = DockerMessage(http_status, body);
  switch (http_status) {
    case 404:
      return Status::NotFound(std::move(message));
    case 409:
      return Status::Conflict(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

bool IsSuccess(int http_status) { return http_status >= 200 && http_status < 300; }

}  // namespace

Status CheckReply(const DockerReply& reply, bool not_modified_ok) {
  if (IsSuccess(reply.status) || (not_modified_ok && reply.status == 304)) return Status::Ok();
  return StatusFromHttp(reply.status, reply.body);
}

DockerTransport::DockerTransport(const std::string& endpoint)
    : pool_([this] { return NewClient(socket_path_, /*keep_alive=*/true); }, kMaxIdleConnections) {
  Result<std::string> path = SocketPathOf(endpoint);
  if (path.ok()) {
    socket_path_ = *path;
  } else {
    config_error_ = path.status();
  }
}

Result<DockerReply> DockerTransport::Call(const std::string& method, const std::string& path,
                                          const std::string& body, time_t read_timeout) {
  if (!config_error_.ok()) return config_error_;
  // With --debug every call is logged with its duration: a profile of the
  // agent's Docker round trips.
  struct Timed {
    const std::string& method;
    const std::string& path;
    const MonotonicTime start = SystemClock::Default()->SteadyNow();
    ~Timed() {
      auto elapsed = SystemClock::Default()->SteadyNow() - start;
      LOG_DEBUG("docker call")
          .Kv("method", method)
          .Kv("path", path)
          .Kv("ms", std::chrono::duration<double, std::milli>(elapsed).count());
    }
  } timed{method, path};
  // httplib notices when Docker closed an idle pooled connection and reconnects.
  auto cli = pool_.Take();
  cli->set_read_timeout(read_timeout, 0);
  httplib::Request req = MakeRequest(method, path);
  if (!body.empty()) {
    req.body = body;
    req.set_header("Content-Type", "application/json");
  }
  // Docker answers "already started/stopped" with 304 and no Content-Length;
  // httplib 0.11 then waits for a body until the connection closes (a read
  // timeout later). A 304 never has a body: stop reading after the headers
  // and drop that connection.
  bool not_modified = false;
  req.response_handler = [&](const httplib::Response& r) {
    not_modified = r.status == 304;
    return !not_modified;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  if (!cli->send(req, res, error)) {
    if (not_modified) return DockerReply{304, ""};
    return TransportError(socket_path_, error, read_timeout);  // the connection is dropped
  }
  pool_.Give(std::move(cli));
  return DockerReply{res.status, std::move(res.body)};
}

Status DockerTransport::CallChecked(const std::string& method, const std::string& path,
                                    const std::string& body) {
  Result<DockerReply> reply = Call(method, path, body);
  if (!reply.ok()) return reply.status();
  return CheckReply(*reply);
}

Result<nlohmann::json> DockerTransport::CallJson(const std::string& method, const std::string& path,
                                                 const std::string& body) {
  Result<DockerReply> reply = Call(method, path, body);
  if (!reply.ok()) return reply.status();
  CARA_RETURN_IF_ERROR(CheckReply(*reply));
  return ParseEngineJson(reply->body);
}

Status DockerTransport::Stream(const std::string& method, const std::string& path,
                               time_t read_timeout,
                               const std::function<bool(const char*, size_t)>& on_data,
                               StreamCancel* cancel, const DockerHeaders& headers) {
  if (!config_error_.ok()) return config_error_;
  std::shared_ptr<httplib::Client> cli = NewClient(socket_path_, /*keep_alive=*/false);
  cli->set_read_timeout(read_timeout, 0);
  // The stop function shares ownership: a late Cancel() may still call stop()
  // on a finished client, which is harmless.
  if (cancel != nullptr && !cancel->Attach([cli] { cli->stop(); })) return Status::Ok();
  auto cancelled = [cancel] { return cancel != nullptr && cancel->cancelled(); };

  httplib::Request req = MakeRequest(method, path);
  for (const auto& [name, value] : headers) req.set_header(name, value);
  int http_status = 0;
  std::string error_body;
  bool consumer_stopped = false;
  // Docker flushes the headers as soon as a log stream starts, so this also
  // catches a Cancel() that came before Client::stop() could bite.
  req.response_handler = [&](const httplib::Response& res) {
    http_status = res.status;
    return !cancelled();
  };
  req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    if (!IsSuccess(http_status)) {  // an error body: keep it for the message
      if (error_body.size() < kMaxErrorBody) error_body.append(data, size);
      return true;
    }
    if (cancelled() || !on_data(data, size)) {
      consumer_stopped = true;
      return false;
    }
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  bool sent = cli->send(req, res, error);
  bool was_cancelled = cancelled();
  if (cancel != nullptr) cancel->Detach();
  if (consumer_stopped || was_cancelled) return Status::Ok();
  if (!sent) return TransportError(socket_path_, error, read_timeout);
  if (!IsSuccess(http_status)) return StatusFromHttp(http_status, error_body);
  return Status::Ok();
}

}  // namespace cara::agent
