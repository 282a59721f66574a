// The container engine seam: what the agent's runtime, reconciler, heartbeat
// and log streaming ask of Docker. DockerClient (Engine API over the UNIX
// socket) is the real one; tests/agent/fake_container_engine.h keeps the state
// in memory, so reconcile decisions are tested without a daemon.
#pragma once

#include <cstddef>
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

// The engine's answers that the reconcile logic needs to tell apart.
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

// Credentials for a private registry (a Registry Secret's keys). Held in
// memory only: never logged, put in a label or written to a file.
struct RegistryCredentials {
  std::string server;  // as the Secret says: "ghcr.io", "https://index.docker.io/v1/", ...
  std::string username;
  std::string password;
};

// A container port, reachable on the project network; also bound on the
// host when host_port > 0.
struct PortSpec {
  int container_port = 0;
  std::string protocol = "tcp";  // tcp | udp
  int host_port = 0;             // 0: not published
  std::string host_ip;           // "" = every address
  bool operator==(const PortSpec&) const = default;
};

// Docker HEALTHCHECK; a zero duration or retry count leaves Docker's default.
struct HealthcheckSpec {
  std::vector<std::string> command;  // exec form, run as ["CMD", ...]
  int64_t interval_ns = 0;
  int64_t timeout_ns = 0;
  int64_t start_period_ns = 0;
  int retries = 0;
  bool operator==(const HealthcheckSpec&) const = default;
};

struct ContainerSpec {
  std::string name;
  std::string image;
  std::vector<std::string> env;  // "NAME=VALUE"
  // "NAME=VALUE" from Secrets: passed to the engine after `env`, never
  // hashed, labelled or logged; `secret_digests` stands for them in the
  // config hash.
  std::vector<std::string> secret_env;
  std::vector<std::string> secret_digests;
  std::vector<std::string> command;  // replaces the image CMD when non-empty
  std::vector<std::string> binds;    // "volume:/path"
  Labels labels;
  std::string network;  // attached at create time (HostConfig.NetworkMode too); "" = default
  std::vector<std::string> network_aliases;  // DNS names on `network`
  std::vector<PortSpec> ports;
  int64_t nano_cpus = 0;     // CPU limit in 1e-9 CPUs; 0 = unlimited
  int64_t memory_bytes = 0;  // memory limit; 0 = unlimited
  std::optional<HealthcheckSpec> healthcheck;
};

struct ContainerInfo {
  std::string id;
  std::string name;   // without the leading '/'
  std::string image;  // as requested at create time (Config.Image)
  std::string state;  // running, exited, created, restarting, paused, dead
  int exit_code = 0;
  // State.Health.Status: starting | healthy | unhealthy; "" without a
  // healthcheck.
  std::string health;
  std::string started_at;   // State.StartedAt (RFC 3339), for ordering and back-off
  std::string finished_at;  // State.FinishedAt
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

  // For engines: `stop` ends the running stream (called at most once, from
  // Cancel). False, and `stop` is not kept, when Cancel() came first.
  bool Attach(std::function<void()> stop);
  void Detach();  // the stream is over; a later Cancel() only marks it

 private:
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::function<void()> stop_;  // set while a stream runs
};

struct LogOptions {
  bool follow = false;
  bool timestamps = false;
  std::string tail = "all";              // passed to Docker as is; "" means "all"
  std::shared_ptr<StreamCancel> cancel;  // optional
};

// Every call returns a Status/Result and is safe to make from several
// threads at once. In a label_filter an empty value means "has the label, any
// value"; an empty filter lists everything.
class ContainerEngine {
 public:
  virtual ~ContainerEngine() = default;

  // OK when the engine answers (within 5 s for Docker).
  virtual Status Ping() = 0;

  // Images
  virtual Status ImageExists(const std::string& image) = 0;  // OK, or kNotFound
  // Pulls the image, as `credentials` when given (else anonymously); an
  // error reported while pulling fails the pull with the registry's message.
  virtual Status PullImage(const std::string& image,
                           const std::optional<RegistryCredentials>& credentials) = 0;

  // Containers
  virtual Result<std::string> CreateContainer(const ContainerSpec& spec) = 0;  // the id
  virtual Status StartContainer(const std::string& name_or_id) = 0;  // already running: OK
  // Already stopped: OK. The engine kills the container after timeout_seconds.
  virtual Status StopContainer(const std::string& name_or_id, int timeout_seconds) = 0;
  virtual Status RemoveContainer(const std::string& name_or_id, bool force) = 0;
  virtual Result<ContainerInfo> InspectContainer(const std::string& name_or_id) = 0;
  // All containers (running or not) carrying every given label.
  virtual Result<std::vector<ContainerSummary>> ListContainers(const Labels& label_filter) = 0;

  // Streams the container's log. For non-TTY containers `on_chunk` gets the
  // payload with Docker's 8-byte frame headers removed (stdout and stderr
  // interleaved as written); TTY containers' bytes pass through raw. Returning
  // false from on_chunk, or options.cancel->Cancel(), stops the stream and the
  // call returns OK. In follow mode the call returns when the container stops.
  // A missing container is kNotFound.
  virtual Status StreamLogs(const std::string& name_or_id, const LogOptions& options,
                            const std::function<bool(const char* data, size_t size)>& on_chunk) = 0;

  // Networks (bridge driver) and volumes (local driver)
  virtual Status CreateNetwork(const std::string& name, const Labels& labels) = 0;  // kConflict
  virtual Status NetworkExists(const std::string& name) = 0;  // OK, or kNotFound (exact name)
  virtual Status RemoveNetwork(const std::string& name) = 0;
  virtual Result<std::vector<std::string>> ListNetworks(const Labels& label_filter) = 0;
  // An existing name answers with the existing volume: OK, not kConflict.
  virtual Status CreateVolume(const std::string& name, const Labels& labels) = 0;
  virtual Status VolumeExists(const std::string& name) = 0;  // OK, or kNotFound
  virtual Status RemoveVolume(const std::string& name, bool force) = 0;
  virtual Result<std::vector<std::string>> ListVolumes(const Labels& label_filter) = 0;
};

}  // namespace cara::agent
