// The ContainerEngine over the Docker Engine API (v1.41) on its UNIX socket.
// No shelling out to the docker CLI. Every call returns a Status/Result;
// Docker errors keep Docker's message so they can be reported to users
// verbatim. The calls are split by concept: docker_client.cc (construction,
// ping, networks, volumes), docker_containers.cc, docker_images.cc,
// docker_logs.cc, all over agent/docker_transport.h.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/container_engine.h"
#include "common/status.h"

namespace cara::agent {

class DockerTransport;

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

class DockerClient final : public ContainerEngine {
 public:
  // endpoint: "unix:///var/run/docker.sock" (DOCKER_HOST syntax) or a socket
  // path; "" means /var/run/docker.sock. Anything else (tcp://, ssh://) makes
  // every call fail with kInvalid naming the endpoint. Safe to use from several
  // threads at once: requests go over a small pool of keep-alive connections,
  // and a log stream holds a connection of its own.
  explicit DockerClient(const std::string& endpoint);
  ~DockerClient() override;
  DockerClient(const DockerClient&) = delete;
  DockerClient& operator=(const DockerClient&) = delete;

  const std::string& socket_path() const;

  // OK when the daemon answers /_ping within 5 s.
  Status Ping() override;

  // Images. A pull drains the progress stream; an error inside the stream
  // fails the pull. Credentials go in the X-Registry-Auth header.
  Status ImageExists(const std::string& image) override;
  Status PullImage(const std::string& image,
                   const std::optional<RegistryCredentials>& credentials) override;

  // Containers
  Result<std::string> CreateContainer(const ContainerSpec& spec) override;
  Status StartContainer(const std::string& name_or_id) override;
  Status StopContainer(const std::string& name_or_id, int timeout_seconds) override;
  Status RemoveContainer(const std::string& name_or_id, bool force) override;
  Result<ContainerInfo> InspectContainer(const std::string& name_or_id) override;
  Result<std::vector<ContainerSummary>> ListContainers(const Labels& label_filter) override;

  // Inspects the container first (is it a TTY?), so a missing one is kNotFound.
  Status StreamLogs(const std::string& name_or_id, const LogOptions& options,
                    const std::function<bool(const char* data, size_t size)>& on_chunk) override;

  // Networks (bridge driver) and volumes (local driver)
  Status CreateNetwork(const std::string& name, const Labels& labels) override;
  Status NetworkExists(const std::string& name) override;
  Status RemoveNetwork(const std::string& name) override;
  Result<std::vector<std::string>> ListNetworks(const Labels& label_filter) override;
  Status CreateVolume(const std::string& name, const Labels& labels) override;
  Status VolumeExists(const std::string& name) override;
  Status RemoveVolume(const std::string& name, bool force) override;
  Result<std::vector<std::string>> ListVolumes(const Labels& label_filter) override;

 private:
  std::unique_ptr<DockerTransport> transport_;
};

}  // namespace cara::agent
