#include "fake_container_engine.h"

#include <utility>

namespace cara::agent {

bool MatchesLabelFilter(const Labels& labels, const Labels& filter) {
  for (const auto& [key, value] : filter) {
    auto it = labels.find(key);
    if (it == labels.end() || (!value.empty() && it->second != value)) return false;
  }
  return true;
}

namespace {

std::vector<std::string> NamesMatching(const std::map<std::string, Labels>& objects,
                                       const Labels& filter) {
  std::vector<std::string> names;
  for (const auto& [name, labels] : objects) {
    if (MatchesLabelFilter(labels, filter)) names.push_back(name);
  }
  return names;
}

}  // namespace

FakeContainerEngine::FakeContainerEngine() = default;

void FakeContainerEngine::SetAnswering(bool answering) {
  std::lock_guard<std::mutex> lock(mu_);
  answering_ = answering;
}

void FakeContainerEngine::AddImage(const std::string& image) {
  std::lock_guard<std::mutex> lock(mu_);
  images_.insert(image);
}

void FakeContainerEngine::FailPull(const std::string& image, Status error) {
  std::lock_guard<std::mutex> lock(mu_);
  pull_errors_[image] = std::move(error);
}

void FakeContainerEngine::SetContainerState(const std::string& name, const std::string& state,
                                            int exit_code) {
  std::lock_guard<std::mutex> lock(mu_);
  Container& c = containers_.at(name);
  c.state = state;
  c.exit_code = exit_code;
  if (state != "running") c.ip.clear();
}

void FakeContainerEngine::SetHealth(const std::string& container, const std::string& health) {
  std::lock_guard<std::mutex> lock(mu_);
  containers_.at(container).health = health;
}

void FakeContainerEngine::ExitOnStart(const std::string& container, int exit_code) {
  std::lock_guard<std::mutex> lock(mu_);
  exit_on_start_[container] = exit_code;
}

void FakeContainerEngine::FailStart(const std::string& container, Status error) {
  std::lock_guard<std::mutex> lock(mu_);
  start_errors_[container] = std::move(error);
}

void FakeContainerEngine::AddContainer(const ContainerSpec& spec, const std::string& state) {
  std::lock_guard<std::mutex> lock(mu_);
  Container& c = containers_[spec.name];
  c.spec = spec;
  c.id = "id" + std::to_string(next_id_++);
  c.state = state;
  if (state == "running") c.ip = "10.0.0." + std::to_string(next_id_);
}

void FakeContainerEngine::SetLogs(const std::string& container, std::string logs) {
  std::lock_guard<std::mutex> lock(mu_);
  containers_.at(container).logs = std::move(logs);
}

std::vector<std::string> FakeContainerEngine::TakeCalls() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(calls_, {});
}

Result<ContainerSpec> FakeContainerEngine::CreatedSpec(const std::string& container) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = containers_.find(container);
  if (it == containers_.end()) return Status::NotFound("no container " + container);
  return it->second.spec;
}

std::set<std::string> FakeContainerEngine::ContainerNames() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> names;
  for (const auto& [name, c] : containers_) names.insert(name);
  return names;
}

std::set<std::string> FakeContainerEngine::NetworkNames() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> names;
  for (const auto& [name, labels] : networks_) names.insert(name);
  return names;
}

std::set<std::string> FakeContainerEngine::VolumeNames() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> names;
  for (const auto& [name, labels] : volumes_) names.insert(name);
  return names;
}

std::set<std::string> FakeContainerEngine::Images() const {
  std::lock_guard<std::mutex> lock(mu_);
  return images_;
}

Status FakeContainerEngine::Unreachable() const {
  if (answering_) return Status::Ok();
  return Status::Unavailable(
      "cannot reach Docker at /fake/docker.sock: connect: connection refused");
}

FakeContainerEngine::Container* FakeContainerEngine::Find(const std::string& name_or_id) {
  auto it = containers_.find(name_or_id);
  if (it != containers_.end()) return &it->second;
  for (auto& [name, c] : containers_) {
    if (c.id == name_or_id) return &c;
  }
  return nullptr;
}

void FakeContainerEngine::Record(const std::string& verb, const std::string& name) {
  calls_.push_back(verb + " " + name);
}

Status FakeContainerEngine::Ping() {
  std::lock_guard<std::mutex> lock(mu_);
  return Unreachable();
}

Status FakeContainerEngine::ImageExists(const std::string& image) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  if (images_.count(image)) return Status::Ok();
  return Status::NotFound("No such image: " + image);
}

std::string FakeContainerEngine::PullUser(const std::string& image) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pull_users_.find(image);
  return it == pull_users_.end() ? "" : it->second;
}

Status FakeContainerEngine::PullImage(const std::string& image,
                                      const std::optional<RegistryCredentials>& credentials) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  Record("pull", image);
  pull_users_[image] = credentials ? credentials->username : "";
  if (auto it = pull_errors_.find(image); it != pull_errors_.end()) return it->second;
  images_.insert(image);
  return Status::Ok();
}

Result<std::string> FakeContainerEngine::CreateContainer(const ContainerSpec& spec) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  if (!images_.count(spec.image)) return Status::NotFound("No such image: " + spec.image);
  if (containers_.count(spec.name)) {
    return Status::Conflict("Conflict. The container name \"/" + spec.name +
                            "\" is already in use");
  }
  if (!spec.network.empty() && !networks_.count(spec.network)) {
    return Status::NotFound("network " + spec.network + " not found");
  }
  Record("create", spec.name);
  Container& c = containers_[spec.name];
  c.spec = spec;
  c.id = "id" + std::to_string(next_id_++);
  c.state = "created";
  return c.id;
}

Status FakeContainerEngine::StartContainer(const std::string& name_or_id) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  Container* c = Find(name_or_id);
  if (c == nullptr) return Status::NotFound("No such container: " + name_or_id);
  if (c->state == "running") return Status::Ok();
  Record("start", c->spec.name);
  if (auto failed = start_errors_.find(c->spec.name); failed != start_errors_.end()) {
    return failed->second;
  }
  if (auto exits = exit_on_start_.find(c->spec.name); exits != exit_on_start_.end()) {
    c->state = "exited";
    c->exit_code = exits->second;
    return Status::Ok();
  }
  c->state = "running";
  c->exit_code = 0;
  c->health = c->spec.healthcheck ? "starting" : "";
  c->ip = "10.0.0." + std::to_string(next_id_++);
  return Status::Ok();
}

Status FakeContainerEngine::StopContainer(const std::string& name_or_id, int) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  Container* c = Find(name_or_id);
  if (c == nullptr) return Status::NotFound("No such container: " + name_or_id);
  if (c->state != "running") return Status::Ok();
  Record("stop", c->spec.name);
  c->state = "exited";
  c->ip.clear();
  return Status::Ok();
}

Status FakeContainerEngine::RemoveContainer(const std::string& name_or_id, bool force) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  Container* c = Find(name_or_id);
  if (c == nullptr) return Status::NotFound("No such container: " + name_or_id);
  if (c->state == "running" && !force) {
    return Status::Conflict("You cannot remove a running container " + c->id);
  }
  std::string name = c->spec.name;
  Record("remove", name);
  containers_.erase(name);
  return Status::Ok();
}

Result<ContainerInfo> FakeContainerEngine::InspectContainer(const std::string& name_or_id) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  Container* c = Find(name_or_id);
  if (c == nullptr) return Status::NotFound("No such container: " + name_or_id);
  ContainerInfo info;
  info.id = c->id;
  info.name = c->spec.name;
  info.image = c->spec.image;
  info.state = c->state;
  info.exit_code = c->exit_code;
  info.health = c->health;
  info.labels = c->spec.labels;
  if (!c->ip.empty()) info.ip_by_network[c->spec.network] = c->ip;
  return info;
}

Result<std::vector<ContainerSummary>> FakeContainerEngine::ListContainers(
    const Labels& label_filter) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  std::vector<ContainerSummary> out;
  for (const auto& [name, c] : containers_) {
    if (!MatchesLabelFilter(c.spec.labels, label_filter)) continue;
    out.push_back({c.id, name, c.spec.image, c.state, c.spec.labels});
  }
  return out;
}

Status FakeContainerEngine::StreamLogs(const std::string& name_or_id, const LogOptions&,
                                       const std::function<bool(const char*, size_t)>& on_chunk) {
  std::string logs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    CARA_RETURN_IF_ERROR(Unreachable());
    Container* c = Find(name_or_id);
    if (c == nullptr) return Status::NotFound("No such container: " + name_or_id);
    logs = c->logs;
  }
  if (!logs.empty()) on_chunk(logs.data(), logs.size());
  return Status::Ok();
}

Status FakeContainerEngine::CreateNetwork(const std::string& name, const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  if (networks_.count(name))
    return Status::Conflict("network with name " + name + " already exists");
  Record("create-network", name);
  networks_[name] = labels;
  return Status::Ok();
}

Status FakeContainerEngine::NetworkExists(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  if (networks_.count(name)) return Status::Ok();
  return Status::NotFound("network " + name + " not found");
}

Status FakeContainerEngine::RemoveNetwork(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  if (!networks_.count(name)) return Status::NotFound("network " + name + " not found");
  for (const auto& [container, c] : containers_) {
    if (c.spec.network == name)
      return Status::Conflict("network " + name + " has active endpoints");
  }
  Record("remove-network", name);
  networks_.erase(name);
  return Status::Ok();
}

Result<std::vector<std::string>> FakeContainerEngine::ListNetworks(const Labels& label_filter) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  return NamesMatching(networks_, label_filter);
}

Status FakeContainerEngine::CreateVolume(const std::string& name, const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  if (volumes_.count(name)) return Status::Ok();
  Record("create-volume", name);
  volumes_[name] = labels;
  return Status::Ok();
}

Status FakeContainerEngine::VolumeExists(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  if (volumes_.count(name)) return Status::Ok();
  return Status::NotFound("get " + name + ": no such volume");
}

Status FakeContainerEngine::RemoveVolume(const std::string& name, bool) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  if (!volumes_.count(name)) return Status::NotFound("get " + name + ": no such volume");
  Record("remove-volume", name);
  volumes_.erase(name);
  return Status::Ok();
}

Result<std::vector<std::string>> FakeContainerEngine::ListVolumes(const Labels& label_filter) {
  std::lock_guard<std::mutex> lock(mu_);
  CARA_RETURN_IF_ERROR(Unreachable());
  return NamesMatching(volumes_, label_filter);
}

}  // namespace cara::agent
