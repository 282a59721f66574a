// A client for the Docker Engine API (v1.41) over its UNIX socket. No shelling
// out to the docker CLI. Every call returns a Status/Result; Docker errors
// keep Docker's message so they can be reported to users verbatim.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace cara::agent {

// Docker's answers that the reconcile logic needs to tell apart.
enum class DockerErrorKind {
  kNone,
  kNotFound,     // 404: no such container/network/volume/image
  kConflict,     // 409: name in use, container not running, ...
  kUnreachable,  // the daemon's socket does not answer
  kOther,
};

// Status codes: kNotFound for 404, kConflict for 409, kUnavailable when the
// daemon is unreachable ("cannot reach Docker at <socket>: ..."), kInvalid for
// an unsupported endpoint, kInternal otherwise. The message is Docker's own
// (the "message" of its JSON error body).
DockerErrorKind KindOf(const Status& status);

using Labels = std::map<std::string, std::string>;

// An image reference split the way the Engine API's pull wants it:
// "repo" for fromImage and "tag" for tag. "host:5000/a/b" has no tag (the colon
// belongs to the registry) so tag is "latest"; "a/b@sha256:..." yields the
// digest as the tag, and a digest wins over a tag ("a:1@sha256:.." pulls the
// digest).
struct ImageReference {
  std::string repo;
  std::string tag;
};
ImageReference SplitImageReference(const std::string& image);

struct ContainerSpec {
  std::string name;
  std::string image;
  std::vector<std::string> env;      // "NAME=VALUE"
  std::vector<std::string> command;  // replaces the image CMD when non-empty
  std::vector<std::string> binds;    // "volume:/path"
  Labels labels;
  std::string network;  // attached at create time (HostConfig.NetworkMode too); "" = default
  std::vector<std::string> network_aliases;  // DNS names on `network`
};

struct ContainerInfo {
  std::string id;
  std::string name;   // without the leading '/'
  std::string image;  // as requested at create time (Config.Image)
  std::string state;  // running, exited, created, restarting, paused, dead
  int exit_code = 0;
  bool tty = false;
  Labels labels;
  // network name -> IPv4; networks without an address (e.g. a stopped
  // container) are left out.
  std::map<std::string, std::string> ip_by_network;
};

struct ContainerSummary {  // from /containers/json
  std::string id;
  std::string name;   // without the leading '/'
  std::string image;  // as requested at create time (an image ID if the tag moved since)
  std::string state;
  Labels labels;
};

// Ends a StreamLogs call from another thread. A follow-mode stream of a quiet
// container blocks in a read and would only notice on_chunk's "stop" when the
// next line arrives; Cancel() closes the connection instead. Thread-safe and
// idempotent; a Cancel() that comes before the stream starts stops it at once.
class StreamCancel {
 public:
  void Cancel();
  bool cancelled() const;

 private:
  friend class DockerClient;
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::function<void()> stop_;  // set by StreamLogs while a stream runs
};

struct LogOptions {
  bool follow = false;
  bool timestamps = false;
  std::string tail = "all";              // passed to Docker as is; "" means "all"
  std::shared_ptr<StreamCancel> cancel;  // optional
};

class DockerClient {
 public:
  // endpoint: "unix:///var/run/docker.sock" (DOCKER_HOST syntax) or a socket
  // path; "" means /var/run/docker.sock. Anything else (tcp://, ssh://) makes
  // every call fail with kInvalid naming the endpoint. Safe to use from several
  // threads at once: requests go over a small pool of keep-alive connections,
  // and a log stream holds a connection of its own.
  explicit DockerClient(const std::string& endpoint);
  ~DockerClient();
  DockerClient(const DockerClient&) = delete;
  DockerClient& operator=(const DockerClient&) = delete;

  const std::string& socket_path() const;

  // OK when the daemon answers /_ping within 5 s.
  Status Ping();

  // Images
  Status ImageExists(const std::string& image);  // OK, or kNotFound
  // Pulls and drains the progress stream; an error inside the stream fails the pull.
  Status PullImage(const std::string& image);

  // Containers
  Result<std::string> CreateContainer(const ContainerSpec& spec);  // returns the id
  Status StartContainer(const std::string& name_or_id);            // already running: OK
  // Already stopped: OK. Docker kills the container after timeout_seconds.
  Status StopContainer(const std::string& name_or_id, int timeout_seconds);
  Status RemoveContainer(const std::string& name_or_id, bool force);
  Result<ContainerInfo> InspectContainer(const std::string& name_or_id);
  // All containers (running or not) carrying every given label. In a
  // label_filter (also ListNetworks/ListVolumes) an empty value means "has the
  // label, any value"; an empty filter lists everything.
  Result<std::vector<ContainerSummary>> ListContainers(const Labels& label_filter);

  // Streams the container's log. For non-TTY containers `on_chunk` gets the
  // payload with Docker's 8-byte frame headers removed (stdout and stderr
  // interleaved as written); TTY containers' bytes pass through raw. Returning
  // false from on_chunk, or options.cancel->Cancel(), stops the stream and the
  // call returns OK. In follow mode the call returns when the container stops.
  // Inspects the container first (is it a TTY?), so a missing one is kNotFound.
  Status StreamLogs(const std::string& name_or_id, const LogOptions& options,
                    const std::function<bool(const char* data, size_t size)>& on_chunk);

  // Networks (bridge driver) and volumes (local driver)
  Status CreateNetwork(const std::string& name, const Labels& labels);  // taken: kConflict
  Status NetworkExists(const std::string& name);  // OK, or kNotFound (exact name only)
  Status RemoveNetwork(const std::string& name);
  Result<std::vector<std::string>> ListNetworks(const Labels& label_filter);  // names
  // Docker answers an existing name with the existing volume: OK, not kConflict.
  Status CreateVolume(const std::string& name, const Labels& labels);
  Status VolumeExists(const std::string& name);  // OK, or kNotFound
  Status RemoveVolume(const std::string& name, bool force);
  Result<std::vector<std::string>> ListVolumes(const Labels& label_filter);  // names

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cara::agent
