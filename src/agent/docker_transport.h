// HTTP to the Docker Engine API over its UNIX socket: endpoint parsing, a
// small pool of keep-alive connections for ordinary calls, a connection of
// its own for each streamed answer, and Docker's errors turned into Status
// values that keep Docker's message.
#pragma once

#include <ctime>
#include <exception>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/container_engine.h"
#include "agent/http_client_pool.h"
#include "common/status.h"

namespace cara::agent {

// Ordinary calls. Creating a container on the vfs driver copies the image's
// whole rootfs, which takes seconds for big images, hence not httplib's 5 s.
inline constexpr time_t kCallReadTimeoutSec = 120;

// Extra request headers (name, value), e.g. X-Registry-Auth.
using DockerHeaders = std::vector<std::pair<std::string, std::string>>;

struct DockerReply {
  int status = 0;
  std::string body;
};

// OK for a 2xx answer, and for 304 where Docker uses it for "nothing to do"
// (start of a running container, stop of a stopped one) if not_modified_ok;
// else the Status for Docker's error answer.
Status CheckReply(const DockerReply& reply, bool not_modified_ok = false);

class DockerTransport {
 public:
  // endpoint: "unix:///var/run/docker.sock" (DOCKER_HOST syntax) or a socket
  // path; "" means /var/run/docker.sock. Anything else makes every call fail
  // with kInvalid naming the endpoint.
  explicit DockerTransport(const std::string& endpoint);

  const std::string& socket_path() const { return socket_path_; }

  // One request, whole answer in memory. `path` is below the API version
  // prefix ("/containers/json").
  Result<DockerReply> Call(const std::string& method, const std::string& path,
                           const std::string& body = "", time_t read_timeout = kCallReadTimeoutSec);
  // One request whose answer only needs to be a success (2xx).
  Status CallChecked(const std::string& method, const std::string& path,
                     const std::string& body = "");
  // One request whose answer must be a success carrying a JSON body.
  Result<nlohmann::json> CallJson(const std::string& method, const std::string& path,
                                  const std::string& body = "");

  // A request whose 2xx body is handed to on_data as it arrives, on a
  // connection of its own (a follow stream may last for hours and must not
  // hold up other calls or the pool). Returns OK when the body ended, when
  // on_data returned false, or when `cancel` (optional) was cancelled; a
  // non-2xx answer becomes the usual Status with Docker's message.
  Status Stream(const std::string& method, const std::string& path, time_t read_timeout,
                const std::function<bool(const char*, size_t)>& on_data,
                StreamCancel* cancel = nullptr, const DockerHeaders& headers = {});

 private:
  std::string socket_path_;
  Status config_error_;  // a bad endpoint fails every call with this
  HttpClientPool pool_;
};

// Runs `body`, turning any exception (a bad_alloc, a throwing log consumer,
// a json type error we did not foresee) into kInternal: no exception leaves
// the Docker client.
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

}  // namespace cara::agent
