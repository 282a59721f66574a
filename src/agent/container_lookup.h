// What the agent's HTTP server and ingress proxy need to know about
// containers, behind a seam so they can be tested without Docker.
#pragma once

#include <functional>
#include <string>

#include "agent/docker_client.h"
#include "common/status.h"

namespace cara::agent {

class ContainerLookup {
 public:
  virtual ~ContainerLookup() = default;
  // The container `<project>-<service>`: NotFound if absent.
  virtual Result<ContainerInfo> Inspect(const std::string& container) = 0;
  // Streams logs (see DockerClient::StreamLogs).
  virtual Status StreamLogs(const std::string& container, const LogOptions& options,
                            const std::function<bool(const char*, size_t)>& on_chunk) = 0;
};

// The real thing, over a DockerClient.
class DockerContainerLookup final : public ContainerLookup {
 public:
  explicit DockerContainerLookup(DockerClient* docker) : docker_(docker) {}
  Result<ContainerInfo> Inspect(const std::string& container) override {
    return docker_->InspectContainer(container);
  }
  Status StreamLogs(const std::string& container, const LogOptions& options,
                    const std::function<bool(const char*, size_t)>& on_chunk) override {
    return docker_->StreamLogs(container, options, on_chunk);
  }

 private:
  DockerClient* docker_;
};

}  // namespace cara::agent
