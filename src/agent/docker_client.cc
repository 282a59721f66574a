#include "agent/docker_client.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>
#include <string_view>
#include <utility>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "net/percent_encoding.h"

namespace cara::agent {
namespace {

using json = nlohmann::json;

// Engine 20.10 (Debian 12's docker.io) speaks 1.41. Pinning the version keeps
// response shapes stable when the daemon is upgraded.
constexpr std::string_view kApiPrefix = "/v1.41";
constexpr std::string_view kUnixScheme = "unix://";
constexpr const char* kDefaultSocket = "/var/run/docker.sock";

// Ordinary calls. Creating a container on the vfs driver copies the image's
// whole rootfs, which takes seconds for big images, hence not httplib's 5 s.
constexpr time_t kCallReadTimeoutSec = 120;
// Stop waits for the container's grace period before answering.
constexpr time_t kStopExtraReadTimeoutSec = 60;
// A pull can go quiet while a large layer is extracted.
constexpr time_t kPullReadTimeoutSec = 600;
// A follow-mode log stream of a quiet container legitimately sends nothing for
// hours; StreamCancel, not the timeout, is how such a stream is ended early.
constexpr time_t kFollowReadTimeoutSec = 7 * 24 * 3600;
constexpr time_t kConnectTimeoutSec = 10;
// A daemon that takes longer than this to answer a ping is not answering
// (the agent's heartbeat reports it: workload.md §1).
constexpr time_t kPingReadTimeoutSec = 5;
// Idle keep-alive connections kept for reuse. More concurrent callers simply
// open more connections; only this many are kept afterwards.
constexpr size_t kMaxIdleConnections = 4;

// Docker's stream multiplexing header: [stream, 0, 0, 0, size (4 bytes BE)].
constexpr size_t kFrameHeaderSize = 8;

struct Reply {
  int status = 0;
  std::string body;
};

// Percent-encoding for query values. httplib leaves '%' alone, so values
// encoded here reach Docker unchanged.
std::string QueryEncode(std::string_view s) { return net::PercentEncode(s); }

// Path segments keep '/', ':' and '@': Docker's image routes are
// /images/{name:.*}/json, so "localhost:5000/a/b@sha256:.." goes in verbatim.
std::string PathEncode(std::string_view s) { return net::PercentEncode(s, "/:@"); }

// "filters={"label":["k=v",...]}" (URL-encoded), or "" for no filter. Docker
// ANDs label filters, which is the "carrying every given label" contract. An
// empty value becomes the bare key, Docker's "has this label, any value"
// (its "k=" would match only an empty value).
std::string LabelFilterQuery(const Labels& labels) {
  if (labels.empty()) return "";
  json list = json::array();
  for (const auto& [k, v] : labels) list.push_back(v.empty() ? k : k + "=" + v);
  return "filters=" + QueryEncode(json{{"label", list}}.dump());
}

std::string StringField(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

// Docker sends null rather than {} for an empty label set.
Labels LabelsFrom(const json& obj) {
  Labels labels;
  if (!obj.is_object()) return labels;
  for (const auto& [k, v] : obj.items()) {
    if (v.is_string()) labels[k] = v.get<std::string>();
  }
  return labels;
}

std::string StripSlash(std::string name) {
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return name;
}

// Docker's error text: the "message" of its JSON body, else the body itself.
std::string DockerMessage(int http_status, const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
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

// Accepts 2xx, and 304 where Docker uses it for "nothing to do" (start of a
// running container, stop of a stopped one).
Status CheckReply(const Reply& reply, bool not_modified_ok = false) {
  if (IsSuccess(reply.status) || (not_modified_ok && reply.status == 304)) return Status::Ok();
  return StatusFromHttp(reply.status, reply.body);
}

Result<json> ParseJson(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Internal("invalid JSON from Docker: " + body.substr(0, 200));
  }
  return j;
}

// Runs `body`, turning any exception (a bad_alloc, a throwing log consumer,
// a json type error we did not foresee) into kInternal: no exception leaves
// the client.
template <typename F>
auto Guarded(const char* what, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("docker client: ") + what + ": " + e.what());
  } catch (...) {
    return Status::Internal(std::string("docker client: ") + what + ": unknown exception");
  }
}

// Removes Docker's 8-byte frame headers from a multiplexed (non-TTY) stream.
// Chunks from the HTTP layer split frames anywhere, headers included, so the
// header is buffered and payload bytes are passed on as they come (a frame is
// not held back until complete: follow mode must deliver promptly).
class Demuxer {
 public:
  explicit Demuxer(const std::function<bool(const char*, size_t)>& sink) : sink_(sink) {}

  // False when the consumer wants no more or the stream is not multiplexed.
  bool Feed(const char* data, size_t size) {
    while (size > 0) {
      if (remaining_ == 0) {
        size_t take = std::min(kFrameHeaderSize - header_len_, size);
        std::memcpy(header_ + header_len_, data, take);
        header_len_ += take;
        data += take;
        size -= take;
        if (header_len_ < kFrameHeaderSize) return true;
        header_len_ = 0;
        // Stream ids are 0..3 and bytes 1..3 are zero; anything else means
        // the stream is raw after all (a TTY container), and guessing would
        // hand garbage to the user.
        if (header_[0] > 3 || header_[1] != 0 || header_[2] != 0 || header_[3] != 0) {
          malformed_ = true;
          return false;
        }
        remaining_ = (uint32_t{header_[4]} << 24) | (uint32_t{header_[5]} << 16) |
                     (uint32_t{header_[6]} << 8) | uint32_t{header_[7]};
        continue;
      }
      size_t take = std::min<size_t>(remaining_, size);
      remaining_ -= static_cast<uint32_t>(take);
      if (!sink_(data, take)) return false;
      data += take;
      size -= take;
    }
    return true;
  }
  bool malformed() const { return malformed_; }

 private:
  const std::function<bool(const char*, size_t)>& sink_;
  unsigned char header_[kFrameHeaderSize] = {};
  size_t header_len_ = 0;
  uint32_t remaining_ = 0;
  bool malformed_ = false;
};

// Splits an NDJSON stream (pull progress) into lines.
class LineSplitter {
 public:
  template <typename F>
  void Feed(const char* data, size_t size, F&& on_line) {
    buffer_.append(data, size);
    size_t start = 0;
    for (size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
      on_line(std::string_view(buffer_).substr(start, nl - start));
    }
    buffer_.erase(0, start);
  }
  template <typename F>
  void Finish(F&& on_line) {
    if (!buffer_.empty()) on_line(std::string_view(buffer_));
    buffer_.clear();
  }

 private:
  std::string buffer_;
};

}  // namespace

DockerErrorKind KindOf(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return DockerErrorKind::kNone;
    case Code::kNotFound:
      return DockerErrorKind::kNotFound;
    case Code::kConflict:
      return DockerErrorKind::kConflict;
    case Code::kUnavailable:
      return DockerErrorKind::kUnreachable;
    default:
      return DockerErrorKind::kOther;
  }
}

ImageReference SplitImageReference(const std::string& image) {
  std::string name = image;
  std::string digest;
  if (size_t at = name.find('@'); at != std::string::npos) {
    digest = name.substr(at + 1);
    name.resize(at);
  }
  std::string tag;
  // A ':' after the last '/' starts the tag; one before it is a registry port.
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    tag = name.substr(colon + 1);
    name.resize(colon);
  }
  if (!digest.empty()) return {name, digest};
  return {name, tag.empty() ? "latest" : tag};
}

void StreamCancel::Cancel() {
  std::function<void()> stop;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    stop = stop_;
  }
  // Outside the lock: Client::stop() takes httplib's socket mutex, and the
  // streaming thread calls cancelled() from inside httplib; never holding
  // both locks at once rules out a lock-order deadlock.
  if (stop) stop();
}

bool StreamCancel::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

struct DockerClient::Impl {
  std::string socket_path;
  Status config_error;  // a bad endpoint fails every call with this

  std::mutex mu;
  std::vector<std::unique_ptr<httplib::Client>> idle;  // guarded by mu

  std::unique_ptr<httplib::Client> NewClient(bool keep_alive) const {
    auto cli = std::make_unique<httplib::Client>(socket_path);
    cli->set_address_family(AF_UNIX);
    // httplib would send "Host: <socket path>", which dockerd rejects (400).
    cli->set_default_headers({{"Host", "localhost"}});
    cli->set_keep_alive(keep_alive);
    cli->set_connection_timeout(kConnectTimeoutSec, 0);
    return cli;
  }

  // A pooled keep-alive connection: the client is exclusively the caller's
  // until Release, so concurrent calls never share a socket. httplib notices
  // when Docker closed an idle connection and reconnects.
  std::unique_ptr<httplib::Client> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!idle.empty()) {
        auto cli = std::move(idle.back());
        idle.pop_back();
        return cli;
      }
    }
    return NewClient(/*keep_alive=*/true);
  }

  void Release(std::unique_ptr<httplib::Client> cli) {
    std::lock_guard<std::mutex> lock(mu);
    if (idle.size() < kMaxIdleConnections) idle.push_back(std::move(cli));
  }

  Status TransportError(httplib::Error error, time_t read_timeout) const {
    std::string detail;
    switch (error) {
      case httplib::Error::Connection:
      case httplib::Error::ConnectionTimeout: {
        // httplib does not keep errno; look at the socket ourselves so the
        // common cases (no daemon, no permission) read clearly.
        struct stat st {};
        if (::stat(socket_path.c_str(), &st) != 0) {
          detail = std::string("connect: ") + std::strerror(errno);
        } else if (!S_ISSOCK(st.st_mode)) {
          detail = "connect: not a socket";
        } else if (::access(socket_path.c_str(), R_OK | W_OK) != 0) {
          detail = std::string("connect: ") + std::strerror(errno);
        } else {
          detail = "connect: connection refused (is dockerd running?)";
        }
        break;
      }
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

  static httplib::Request MakeRequest(const std::string& method, const std::string& path) {
    httplib::Request req;
    req.method = method;
    req.path = std::string(kApiPrefix) + path;
    req.set_header("Host", "localhost");
    return req;
  }

  // One request whose answer only needs to be a success (2xx).
  Status CallChecked(const std::string& method, const std::string& path,
                     const std::string& body = "") {
    Result<Reply> reply = Call(method, path, body);
    if (!reply.ok()) return reply.status();
    return CheckReply(*reply);
  }

  // One request whose answer must be a success carrying a JSON body.
  Result<json> CallJson(const std::string& method, const std::string& path,
                        const std::string& body = "") {
    Result<Reply> reply = Call(method, path, body);
    if (!reply.ok()) return reply.status();
    CARA_RETURN_IF_ERROR(CheckReply(*reply));
    return ParseJson(reply->body);
  }

  // One request, whole answer in memory.
  Result<Reply> Call(const std::string& method, const std::string& path,
                     const std::string& body = "", time_t read_timeout = kCallReadTimeoutSec) {
    if (!config_error.ok()) return config_error;
    auto cli = Acquire();
    cli->set_read_timeout(read_timeout, 0);
    httplib::Request req = MakeRequest(method, path);
    if (!body.empty()) {
      req.body = body;
      req.set_header("Content-Type", "application/json");
    }
    // Docker answers "already started/stopped" with 304 and no
    // Content-Length; httplib 0.11 then waits for a body until the connection
    // closes (a read timeout later). A 304 never has a body: stop reading
    // after the headers and drop that connection.
    bool not_modified = false;
    req.response_handler = [&](const httplib::Response& r) {
      not_modified = r.status == 304;
      return !not_modified;
    };
    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    if (!cli->send(req, res, error)) {
      if (not_modified) return Reply{304, ""};
      return TransportError(error, read_timeout);  // the broken connection is dropped
    }
    Release(std::move(cli));
    return Reply{res.status, std::move(res.body)};
  }

  // Hooks that let a StreamCancel reach the connection of a running stream.
  struct CancelHooks {
    // Called with the stream's client before the request; false if the
    // stream was cancelled already.
    std::function<bool(const std::shared_ptr<httplib::Client>&)> attach;
    std::function<void()> detach;
    std::function<bool()> cancelled;
  };

  // A request whose 2xx body is handed to on_data as it arrives, on a
  // connection of its own (a follow stream may last for hours and must not
  // hold up other calls or the pool). Returns OK when the body ended, when
  // on_data returned false, or when cancelled; a non-2xx answer becomes the
  // usual Status with Docker's message.
  Status Stream(const std::string& method, const std::string& path, time_t read_timeout,
                const std::function<bool(const char*, size_t)>& on_data,
                const CancelHooks* hooks = nullptr) {
    if (!config_error.ok()) return config_error;
    std::shared_ptr<httplib::Client> cli = NewClient(/*keep_alive=*/false);
    cli->set_read_timeout(read_timeout, 0);
    if (hooks != nullptr && !hooks->attach(cli)) return Status::Ok();

    httplib::Request req = MakeRequest(method, path);
    int http_status = 0;
    std::string error_body;
    bool consumer_stopped = false;
    req.response_handler = [&](const httplib::Response& res) {
      http_status = res.status;
      // Docker flushes the headers as soon as a log stream starts, so this
      // also catches a Cancel() that came before Client::stop() could bite.
      return hooks == nullptr || !hooks->cancelled();
    };
    req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
      if (!IsSuccess(http_status)) {  // an error body: keep it for the message
        if (error_body.size() < 64 * 1024) error_body.append(data, size);
        return true;
      }
      if ((hooks != nullptr && hooks->cancelled()) || !on_data(data, size)) {
        consumer_stopped = true;
        return false;
      }
      return true;
    };
    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    bool sent = cli->send(req, res, error);
    bool cancelled = hooks != nullptr && hooks->cancelled();
    if (hooks != nullptr) hooks->detach();
    if (consumer_stopped || cancelled) return Status::Ok();
    if (!sent) return TransportError(error, read_timeout);
    if (!IsSuccess(http_status)) return StatusFromHttp(http_status, error_body);
    return Status::Ok();
  }
};

DockerClient::DockerClient(const std::string& endpoint) : impl_(std::make_unique<Impl>()) {
  if (endpoint.empty()) {
    impl_->socket_path = kDefaultSocket;
  } else if (endpoint.rfind(kUnixScheme, 0) == 0) {
    impl_->socket_path = endpoint.substr(kUnixScheme.size());
  } else if (endpoint.front() == '/') {
    impl_->socket_path = endpoint;
  } else {
    impl_->config_error =
        Status::Invalid("unsupported Docker endpoint \"" + endpoint +
                        "\": only unix:///path/to/docker.sock (or a socket path) is supported");
    return;
  }
  if (impl_->socket_path.empty() || impl_->socket_path.front() != '/') {
    impl_->config_error =
        Status::Invalid("unsupported Docker endpoint \"" + endpoint +
                        "\": the socket path must be absolute (unix:///path/to/docker.sock)");
  } else if (impl_->socket_path.size() >= sizeof(sockaddr_un::sun_path)) {
    // The kernel's limit; httplib would fail with an unhelpful error.
    impl_->config_error = Status::Invalid("Docker socket path is too long (" +
                                          std::to_string(impl_->socket_path.size()) +
                                          " bytes, max 107): " + impl_->socket_path);
  }
}

DockerClient::~DockerClient() = default;

const std::string& DockerClient::socket_path() const { return impl_->socket_path; }

Status DockerClient::Ping() {
  return Guarded("ping", [&]() -> Status {
    Result<Reply> reply = impl_->Call("GET", "/_ping", "", kPingReadTimeoutSec);
    if (!reply.ok()) return reply.status();
    return CheckReply(*reply);
  });
}

Status DockerClient::ImageExists(const std::string& image) {
  return Guarded("inspect image", [&]() -> Status {
    return impl_->CallChecked("GET", "/images/" + PathEncode(image) + "/json");
  });
}

Status DockerClient::PullImage(const std::string& image) {
  return Guarded("pull image", [&]() -> Status {
    ImageReference ref = SplitImageReference(image);
    std::string path =
        "/images/create?fromImage=" + QueryEncode(ref.repo) + "&tag=" + QueryEncode(ref.tag);
    // Docker answers 200 before it knows whether the pull works; failures
    // then arrive as a progress line {"error":..,"errorDetail":{..}}.
    std::string stream_error;
    LineSplitter lines;
    auto on_line = [&](std::string_view line) {
      if (!stream_error.empty()) return;
      json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object()) return;  // progress lines we cannot read are not errors
      std::string message = StringField(j, "error");
      if (auto it = j.find("errorDetail"); message.empty() && it != j.end()) {
        message = StringField(*it, "message");
        if (message.empty()) message = it->dump();
      }
      if (!message.empty()) stream_error = message;
    };
    Status st = impl_->Stream("POST", path, kPullReadTimeoutSec, [&](const char* data, size_t n) {
      lines.Feed(data, n, on_line);
      return true;  // drain: Docker ends the stream itself after an error
    });
    CARA_RETURN_IF_ERROR(st);
    lines.Finish(on_line);
    if (!stream_error.empty()) return Status::Internal(stream_error);
    return Status::Ok();
  });
}

Result<std::string> DockerClient::CreateContainer(const ContainerSpec& spec) {
  return Guarded("create container", [&]() -> Result<std::string> {
    json body = {{"Image", spec.image}, {"Env", spec.env}, {"Labels", spec.labels}};
    if (!spec.command.empty()) body["Cmd"] = spec.command;
    // No RestartPolicy and no PortBindings: the agent restarts nothing and
    // reaches containers on their network address (spec 7.8).
    json host_config = {{"Binds", spec.binds}};
    if (!spec.network.empty()) {
      // NetworkMode too, as the docker CLI does: with only EndpointsConfig,
      // Docker would also attach the container to its default network.
      host_config["NetworkMode"] = spec.network;
      body["NetworkingConfig"] = {
          {"EndpointsConfig", {{spec.network, {{"Aliases", spec.network_aliases}}}}}};
    }
    body["HostConfig"] = std::move(host_config);
    std::string path = "/containers/create";
    if (!spec.name.empty()) path += "?name=" + QueryEncode(spec.name);
    Result<json> j = impl_->CallJson("POST", path, body.dump());
    if (!j.ok()) return j.status();
    std::string id = StringField(*j, "Id");
    if (id.empty()) return Status::Internal("Docker created a container but sent no Id");
    if (auto it = j->find("Warnings"); it != j->end() && it->is_array() && !it->empty()) {
      LOG_WARN("docker create warnings").Kv("container", spec.name).Kv("warnings", it->dump());
    }
    return id;
  });
}

Status DockerClient::StartContainer(const std::string& name_or_id) {
  return Guarded("start container", [&]() -> Status {
    Result<Reply> reply = impl_->Call("POST", "/containers/" + PathEncode(name_or_id) + "/start");
    if (!reply.ok()) return reply.status();
    return CheckReply(*reply, /*not_modified_ok=*/true);
  });
}

Status DockerClient::StopContainer(const std::string& name_or_id, int timeout_seconds) {
  return Guarded("stop container", [&]() -> Status {
    int t = std::max(0, timeout_seconds);
    Result<Reply> reply = impl_->Call(
        "POST", "/containers/" + PathEncode(name_or_id) + "/stop?t=" + std::to_string(t), "",
        kStopExtraReadTimeoutSec + t);
    if (!reply.ok()) return reply.status();
    return CheckReply(*reply, /*not_modified_ok=*/true);
  });
}

Status DockerClient::RemoveContainer(const std::string& name_or_id, bool force) {
  return Guarded("remove container", [&]() -> Status {
    // v=false: named volumes outlive their containers; anonymous ones are
    // not used by the agent.
    Result<Reply> reply =
        impl_->Call("DELETE", "/containers/" + PathEncode(name_or_id) +
                                  "?force=" + (force ? "true" : "false") + "&v=false");
    if (!reply.ok()) return reply.status();
    return CheckReply(*reply);
  });
}

Result<ContainerInfo> DockerClient::InspectContainer(const std::string& name_or_id) {
  return Guarded("inspect container", [&]() -> Result<ContainerInfo> {
    Result<json> parsed = impl_->CallJson("GET", "/containers/" + PathEncode(name_or_id) + "/json");
    if (!parsed.ok()) return parsed.status();
    const json& j = *parsed;
    ContainerInfo info;
    info.id = StringField(j, "Id");
    info.name = StripSlash(StringField(j, "Name"));
    const json state = j.value("State", json::object());
    info.state = StringField(state, "Status");
    if (auto it = state.find("ExitCode"); it != state.end() && it->is_number_integer()) {
      info.exit_code = it->get<int>();
    }
    const json config = j.value("Config", json::object());
    info.image = StringField(config, "Image");
    if (auto it = config.find("Tty"); it != config.end() && it->is_boolean()) {
      info.tty = it->get<bool>();
    }
    if (auto it = config.find("Labels"); it != config.end()) info.labels = LabelsFrom(*it);
    const json settings = j.value("NetworkSettings", json::object());
    if (auto nets = settings.find("Networks"); nets != settings.end() && nets->is_object()) {
      for (const auto& [net, endpoint] : nets->items()) {
        std::string ip = StringField(endpoint, "IPAddress");
        if (!ip.empty()) info.ip_by_network[net] = ip;
      }
    }
    return info;
  });
}

Result<std::vector<ContainerSummary>> DockerClient::ListContainers(const Labels& label_filter) {
  return Guarded("list containers", [&]() -> Result<std::vector<ContainerSummary>> {
    std::string path = "/containers/json?all=1";
    if (std::string f = LabelFilterQuery(label_filter); !f.empty()) path += "&" + f;
    Result<json> j = impl_->CallJson("GET", path);
    if (!j.ok()) return j.status();
    std::vector<ContainerSummary> out;
    if (!j->is_array()) return out;
    for (const json& c : *j) {
      ContainerSummary s;
      s.id = StringField(c, "Id");
      if (auto it = c.find("Names");
          it != c.end() && it->is_array() && !it->empty() && it->front().is_string()) {
        s.name = StripSlash(it->front().get<std::string>());
      }
      s.image = StringField(c, "Image");
      s.state = StringField(c, "State");
      if (auto it = c.find("Labels"); it != c.end()) s.labels = LabelsFrom(*it);
      out.push_back(std::move(s));
    }
    return out;
  });
}

Status DockerClient::StreamLogs(
    const std::string& name_or_id, const LogOptions& options,
    const std::function<bool(const char* data, size_t size)>& on_chunk) {
  return Guarded("stream logs", [&]() -> Status {
    // API 1.41 does not say in the response whether the stream is
    // multiplexed (1.42 added a Content-Type for that), so ask first.
    Result<ContainerInfo> info = InspectContainer(name_or_id);
    if (!info.ok()) return info.status();

    std::string path = "/containers/" + PathEncode(info->id) + "/logs?stdout=1&stderr=1" +
                       "&follow=" + (options.follow ? "1" : "0") +
                       "&timestamps=" + (options.timestamps ? "1" : "0") +
                       "&tail=" + QueryEncode(options.tail.empty() ? "all" : options.tail);

    Impl::CancelHooks hooks;
    Impl::CancelHooks* hooks_ptr = nullptr;
    if (StreamCancel* cancel = options.cancel.get(); cancel != nullptr) {
      hooks.attach = [cancel](const std::shared_ptr<httplib::Client>& cli) {
        std::lock_guard<std::mutex> lock(cancel->mu_);
        if (cancel->cancelled_) return false;
        // The lambda shares ownership: a late Cancel() may still call stop()
        // on a finished client, which is harmless.
        cancel->stop_ = [cli] { cli->stop(); };
        return true;
      };
      hooks.detach = [cancel] {
        std::lock_guard<std::mutex> lock(cancel->mu_);
        cancel->stop_ = nullptr;
      };
      hooks.cancelled = [cancel] { return cancel->cancelled(); };
      hooks_ptr = &hooks;
    }

    time_t timeout = options.follow ? kFollowReadTimeoutSec : kCallReadTimeoutSec;
    if (info->tty) return impl_->Stream("GET", path, timeout, on_chunk, hooks_ptr);

    Demuxer demux(on_chunk);
    Status st = impl_->Stream(
        "GET", path, timeout, [&](const char* data, size_t n) { return demux.Feed(data, n); },
        hooks_ptr);
    CARA_RETURN_IF_ERROR(st);
    if (demux.malformed()) {
      return Status::Internal("log stream of " + name_or_id +
                              " is not in Docker's multiplexed format");
    }
    return Status::Ok();
  });
}

Status DockerClient::CreateNetwork(const std::string& name, const Labels& labels) {
  return Guarded("create network", [&]() -> Status {
    // CheckDuplicate: without it Docker happily creates a second network with
    // the same name, and name lookups become ambiguous.
    json body = {
        {"Name", name}, {"Driver", "bridge"}, {"CheckDuplicate", true}, {"Labels", labels}};
    return impl_->CallChecked("POST", "/networks/create", body.dump());
  });
}

Status DockerClient::NetworkExists(const std::string& name) {
  return Guarded("inspect network", [&]() -> Status {
    // Docker also matches an ID prefix; only the exact name counts here.
    Result<json> j = impl_->CallJson("GET", "/networks/" + PathEncode(name));
    if (!j.ok()) return j.status();
    if (StringField(*j, "Name") != name) return Status::NotFound("network " + name + " not found");
    return Status::Ok();
  });
}

Status DockerClient::RemoveNetwork(const std::string& name) {
  return Guarded("remove network", [&]() -> Status {
    return impl_->CallChecked("DELETE", "/networks/" + PathEncode(name));
  });
}

Result<std::vector<std::string>> DockerClient::ListNetworks(const Labels& label_filter) {
  return Guarded("list networks", [&]() -> Result<std::vector<std::string>> {
    std::string path = "/networks";
    if (std::string f = LabelFilterQuery(label_filter); !f.empty()) path += "?" + f;
    Result<json> j = impl_->CallJson("GET", path);
    if (!j.ok()) return j.status();
    std::vector<std::string> names;
    if (j->is_array()) {
      for (const json& n : *j) names.push_back(StringField(n, "Name"));
    }
    return names;
  });
}

Status DockerClient::CreateVolume(const std::string& name, const Labels& labels) {
  return Guarded("create volume", [&]() -> Status {
    json body = {{"Name", name}, {"Driver", "local"}, {"Labels", labels}};
    return impl_->CallChecked("POST", "/volumes/create", body.dump());
  });
}

Status DockerClient::VolumeExists(const std::string& name) {
  return Guarded("inspect volume", [&]() -> Status {
    return impl_->CallChecked("GET", "/volumes/" + PathEncode(name));
  });
}

Status DockerClient::RemoveVolume(const std::string& name, bool force) {
  return Guarded("remove volume", [&]() -> Status {
    return impl_->CallChecked(
        "DELETE", "/volumes/" + PathEncode(name) + "?force=" + (force ? "true" : "false"));
  });
}

Result<std::vector<std::string>> DockerClient::ListVolumes(const Labels& label_filter) {
  return Guarded("list volumes", [&]() -> Result<std::vector<std::string>> {
    std::string path = "/volumes";
    if (std::string f = LabelFilterQuery(label_filter); !f.empty()) path += "?" + f;
    Result<json> j = impl_->CallJson("GET", path);
    if (!j.ok()) return j.status();
    std::vector<std::string> names;
    if (auto it = j->find("Volumes"); it != j->end() && it->is_array()) {
      for (const json& v : *it) names.push_back(StringField(v, "Name"));
    }
    return names;
  });
}

}  // namespace cara::agent
