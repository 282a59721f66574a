// A ContainerEngine that keeps images, containers, networks and volumes in
// memory and answers the way dockerd does where the agent depends on it
// (NotFound for a missing object, Conflict for a name in use, OK for starting
// a running container or stopping a stopped one). Every call that changes
// something is recorded, so tests can say exactly what a reconcile pass did.
// Thread-safe: the runtime stops containers in parallel.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/container_engine.h"

namespace cara::agent {

class FakeContainerEngine final : public ContainerEngine {
 public:
  FakeContainerEngine();

  // --- test controls ---

  // While false every call fails with kUnavailable, as an engine whose socket
  // does not answer.
  void SetAnswering(bool answering);
  void AddImage(const std::string& image);
  // Pulls of `image` fail with `error` (a registry that refuses it).
  void FailPull(const std::string& image, Status error);
  // Sets a container's state as if its process had exited (or died).
  void SetContainerState(const std::string& name, const std::string& state, int exit_code);
  // The container's process exits with `exit_code` as soon as it starts
  // (a service that crashes at once).
  void ExitOnStart(const std::string& container, int exit_code);
  // Starts of `container` fail with `error` (e.g. a host port in use).
  void FailStart(const std::string& container, Status error);
  // The healthcheck status inspect reports; a container created with a
  // healthcheck is "starting" from each start until this is called.
  void SetHealth(const std::string& container, const std::string& health);
  // A container that no spec of ours created, e.g. left by an earlier agent.
  void AddContainer(const ContainerSpec& spec, const std::string& state);
  void SetLogs(const std::string& container, std::string logs);

  // The changing calls so far, each as "<verb> <name>" (e.g. "create shop-web",
  // "pull img", "create-network cara-shop"), in order; Take clears the list.
  std::vector<std::string> TakeCalls();
  // The spec the container was created with; kNotFound when there is none.
  Result<ContainerSpec> CreatedSpec(const std::string& container) const;
  std::set<std::string> ContainerNames() const;
  std::set<std::string> NetworkNames() const;
  std::set<std::string> VolumeNames() const;
  std::set<std::string> Images() const;
  // The username of the credentials the last pull of `image` carried; "" when
  // it carried none.
  std::string PullUser(const std::string& image) const;

  // --- ContainerEngine ---
  Status Ping() override;
  Status ImageExists(const std::string& image) override;
  Status PullImage(const std::string& image,
                   const std::optional<RegistryCredentials>& credentials) override;
  Result<std::string> CreateContainer(const ContainerSpec& spec) override;
  Status StartContainer(const std::string& name_or_id) override;
  Status StopContainer(const std::string& name_or_id, int timeout_seconds) override;
  Status RemoveContainer(const std::string& name_or_id, bool force) override;
  Result<ContainerInfo> InspectContainer(const std::string& name_or_id) override;
  Result<std::vector<ContainerSummary>> ListContainers(const Labels& label_filter) override;
  Status StreamLogs(const std::string& name_or_id, const LogOptions& options,
                    const std::function<bool(const char* data, size_t size)>& on_chunk) override;
  Status CreateNetwork(const std::string& name, const Labels& labels) override;
  Status NetworkExists(const std::string& name) override;
  Status RemoveNetwork(const std::string& name) override;
  Result<std::vector<std::string>> ListNetworks(const Labels& label_filter) override;
  Status CreateVolume(const std::string& name, const Labels& labels) override;
  Status VolumeExists(const std::string& name) override;
  Status RemoveVolume(const std::string& name, bool force) override;
  Result<std::vector<std::string>> ListVolumes(const Labels& label_filter) override;

 private:
  struct Container {
    ContainerSpec spec;
    std::string id;
    std::string state;  // created, running, exited, dead
    int exit_code = 0;
    std::string health;  // "" without a healthcheck
    std::string ip;      // on spec.network while running
    std::string logs;
  };

  // These need mu_ held.
  Status Unreachable() const;
  Container* Find(const std::string& name_or_id);
  void Record(const std::string& verb, const std::string& name);

  mutable std::mutex mu_;
  bool answering_ = true;
  std::set<std::string> images_;
  std::map<std::string, Status> pull_errors_;
  std::map<std::string, std::string> pull_users_;
  std::map<std::string, int> exit_on_start_;
  std::map<std::string, Status> start_errors_;
  std::map<std::string, Container> containers_;  // by name
  std::map<std::string, Labels> networks_;
  std::map<std::string, Labels> volumes_;
  std::vector<std::string> calls_;
  int next_id_ = 1;
};

// True when `labels` carry every label of `filter` (an empty value in the
// filter: any value), the engine's label filter rule.
bool MatchesLabelFilter(const Labels& labels, const Labels& filter);

}  // namespace cara::agent
