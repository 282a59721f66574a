#include "fake_cluster.h"

#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "common/clock.h"
#include "gitops/live_state.h"
#include "gitops/secret_view.h"

namespace cara::gitops {
namespace {

// A client of its own for each executor worker; the cluster is shared.
class Connection final : public ClusterClient {
 public:
  explicit Connection(FakeCluster& cluster) : cluster_(cluster) {}
  Result<std::vector<api::Node>> ListNodes() override { return cluster_.ListNodes(); }
  Result<std::vector<api::Project>> ListProjects() override { return cluster_.ListProjects(); }
  Result<std::vector<api::Secret>> ListSecrets() override { return cluster_.ListSecrets(); }
  Result<std::string> Get(const std::string& kind, const std::string& name) override {
    return cluster_.Get(kind, name);
  }
  Result<std::string> Create(const std::string& kind, const std::string& json) override {
    return cluster_.Create(kind, json);
  }
  Result<std::string> Replace(const std::string& kind, const std::string& name,
                              const std::string& json) override {
    return cluster_.Replace(kind, name, json);
  }
  Result<std::string> Delete(const std::string& kind, const std::string& name) override {
    return cluster_.Delete(kind, name);
  }
  Result<api::SyncRun> RecordSyncRun(const api::SyncRun& run) override {
    return cluster_.RecordSyncRun(run);
  }
  Result<std::vector<api::SyncRun>> ListSyncRuns(const std::string& source) override {
    return cluster_.ListSyncRuns(source);
  }
  Result<api::SourceState> GetSourceState(const std::string& id) override {
    return cluster_.GetSourceState(id);
  }
  Result<api::SourceState> PutSourceState(const api::SourceState& state) override {
    return cluster_.PutSourceState(state);
  }

 private:
  FakeCluster& cluster_;
};

template <typename T>
std::vector<T> Values(const std::map<std::string, T>& objects) {
  std::vector<T> out;
  for (const auto& [name, object] : objects) out.push_back(object);
  return out;
}

std::string Encode(const api::Node& n) { return api::EncodeNode(n); }
std::string Encode(const api::Project& p) { return api::EncodeProject(p); }
std::string Encode(const api::Secret& s) { return api::EncodeSecret(s); }
Result<api::Node> Parse(const std::string& json, const api::Node*) { return api::ParseNode(json); }
Result<api::Project> Parse(const std::string& json, const api::Project*) {
  return api::ParseProject(json);
}

Status NotFound(const std::string& name) { return Status::NotFound("\"" + name + "\" not found"); }

// The server keeps a Secret's values to itself and reports their digests.
Result<api::Secret> Parse(const std::string& json, const api::Secret*) {
  auto secret = api::ParseSecret(json);
  if (!secret.ok()) return secret.status();
  secret->digests.clear();
  MakeComparable(*secret);
  return secret;
}

Result<std::string> ReplaceSecretIn(std::map<std::string, api::Secret>& secrets,
                                    const std::string& name, const std::string& json,
                                    int64_t version) {
  auto secret = Parse(json, static_cast<const api::Secret*>(nullptr));
  if (!secret.ok()) return Status::Invalid(secret.status().message());
  auto it = secrets.find(name);
  if (it == secrets.end()) return NotFound(name);
  if (secret->metadata.resource_version != it->second.metadata.resource_version) {
    return Status::Conflict("\"" + name + "\" was modified; resourceVersion is stale");
  }
  secret->metadata.generation = it->second.metadata.generation + 1;
  secret->metadata.resource_version = std::to_string(version);
  it->second = *secret;
  return Encode(*secret);
}

// The store's rules for one write, on one kind's map.
template <typename T>
Result<std::string> CreateIn(std::map<std::string, T>& objects, const std::string& json,
                             int64_t version) {
  auto object = Parse(json, static_cast<const T*>(nullptr));
  if (!object.ok()) return Status::Invalid(object.status().message());
  const std::string name = object->metadata.name;
  if (objects.count(name) > 0) return Status::Conflict("\"" + name + "\" already exists");
  object->metadata.resource_version = std::to_string(version);
  object->metadata.generation = 1;
  objects[name] = *object;
  return Encode(*object);
}

template <typename T>
Result<std::string> ReplaceIn(std::map<std::string, T>& objects, const std::string& name,
                              const std::string& json, int64_t version) {
  auto object = Parse(json, static_cast<const T*>(nullptr));
  if (!object.ok()) return Status::Invalid(object.status().message());
  auto it = objects.find(name);
  if (it == objects.end()) return NotFound(name);
  T& stored = it->second;
  if (object->metadata.resource_version != stored.metadata.resource_version) {
    return Status::Conflict("\"" + name + "\" was modified; resourceVersion is stale");
  }
  object->metadata.generation = stored.metadata.generation + (object->spec == stored.spec ? 0 : 1);
  object->metadata.resource_version = std::to_string(version);
  object->status = stored.status;  // status is the controllers' and agents'
  stored = *object;
  return Encode(stored);
}

template <typename T>
Result<std::string> DeleteIn(std::map<std::string, T>& objects, const std::string& name) {
  auto it = objects.find(name);
  if (it == objects.end()) return NotFound(name);
  std::string body = Encode(it->second);
  objects.erase(it);
  return body;
}

}  // namespace

Result<std::vector<api::Node>> FakeCluster::ListNodes() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!list_error_.ok()) return list_error_;
  return Values(nodes_);
}

Result<std::vector<api::Secret>> FakeCluster::ListSecrets() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!list_error_.ok()) return list_error_;
  return Values(secrets_);
}

Result<std::vector<api::Project>> FakeCluster::ListProjects() {
  Result<std::vector<api::Project>> projects = Status::Internal("unset");
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!list_error_.ok()) return list_error_;
    projects = Values(projects_);
    hook = on_list_projects_;
  }
  if (hook) hook();
  return projects;
}

Result<std::string> FakeCluster::Get(const std::string& kind, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (kind == api::kKindNode) {
    auto it = nodes_.find(name);
    return it == nodes_.end() ? Result<std::string>(NotFound(name)) : Encode(it->second);
  }
  if (kind == api::kKindSecret) {
    auto it = secrets_.find(name);
    return it == secrets_.end() ? Result<std::string>(NotFound(name)) : Encode(it->second);
  }
  auto it = projects_.find(name);
  return it == projects_.end() ? Result<std::string>(NotFound(name)) : Encode(it->second);
}

Result<std::string> FakeCluster::Create(const std::string& kind, const std::string& json) {
  std::string name = nlohmann::json::parse(json)["metadata"].value("name", "");
  RunBeforeWrite(name);
  std::lock_guard<std::mutex> lock(mu_);
  ++writes_;
  if (kind == api::kKindNode) return CreateIn(nodes_, json, ++version_);
  if (kind == api::kKindSecret) {
    secret_writes_.push_back(json);
    return CreateIn(secrets_, json, ++version_);
  }
  return CreateIn(projects_, json, ++version_);
}

Result<std::string> FakeCluster::Replace(const std::string& kind, const std::string& name,
                                         const std::string& json) {
  RunBeforeWrite(name);
  std::lock_guard<std::mutex> lock(mu_);
  ++writes_;
  if (kind == api::kKindNode) return ReplaceIn(nodes_, name, json, ++version_);
  if (kind == api::kKindSecret) {
    secret_writes_.push_back(json);
    return ReplaceSecretIn(secrets_, name, json, ++version_);
  }
  return ReplaceIn(projects_, name, json, ++version_);
}

Result<std::string> FakeCluster::Delete(const std::string& kind, const std::string& name) {
  RunBeforeWrite(name);
  std::lock_guard<std::mutex> lock(mu_);
  ++writes_;
  if (kind == api::kKindSecret) return DeleteIn(secrets_, name);
  return kind == api::kKindNode ? DeleteIn(nodes_, name) : DeleteIn(projects_, name);
}

void FakeCluster::RunBeforeWrite(const std::string& name) {
  std::function<void(const std::string&)> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hook = before_write_;
  }
  if (hook) hook(name);
}

ClusterConnector FakeCluster::Connector() {
  return [this] { return std::make_unique<Connection>(*this); };
}

void FakeCluster::Store(api::Node node) {
  std::lock_guard<std::mutex> lock(mu_);
  node.metadata.resource_version = std::to_string(++version_);
  if (node.metadata.generation == 0) node.metadata.generation = 1;
  nodes_[node.metadata.name] = std::move(node);
}

void FakeCluster::Store(api::Project project) {
  std::lock_guard<std::mutex> lock(mu_);
  project.metadata.resource_version = std::to_string(++version_);
  if (project.metadata.generation == 0) project.metadata.generation = 1;
  projects_[project.metadata.name] = std::move(project);
}

void FakeCluster::Store(api::Secret secret) {
  std::lock_guard<std::mutex> lock(mu_);
  MakeComparable(secret);
  secret.metadata.resource_version = std::to_string(++version_);
  if (secret.metadata.generation == 0) secret.metadata.generation = 1;
  secrets_[secret.metadata.name] = std::move(secret);
}

std::optional<api::Secret> FakeCluster::FindSecret(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = secrets_.find(name);
  return it == secrets_.end() ? std::nullopt : std::optional<api::Secret>(it->second);
}

std::vector<std::string> FakeCluster::SecretWrites() const {
  std::lock_guard<std::mutex> lock(mu_);
  return secret_writes_;
}

std::optional<api::Node> FakeCluster::FindNode(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(name);
  return it == nodes_.end() ? std::nullopt : std::optional<api::Node>(it->second);
}

std::optional<api::Project> FakeCluster::FindProject(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = projects_.find(name);
  return it == projects_.end() ? std::nullopt : std::optional<api::Project>(it->second);
}

void FakeCluster::FailLists(Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  list_error_ = std::move(status);
}

void FakeCluster::OnListProjects(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  on_list_projects_ = std::move(hook);
}

void FakeCluster::BeforeWrite(std::function<void(const std::string& name)> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  before_write_ = std::move(hook);
}

int FakeCluster::writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writes_;
}

Result<api::SyncRun> FakeCluster::RecordSyncRun(const api::SyncRun& run) {
  std::lock_guard<std::mutex> lock(mu_);
  runs_.push_back(run);
  runs_.back().id = "run-" + std::to_string(runs_.size());
  runs_.back().who = "fake";
  return runs_.back();
}

Result<std::vector<api::SyncRun>> FakeCluster::ListSyncRuns(const std::string& source) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<api::SyncRun> out;
  for (const auto& r : runs_) {
    if (source.empty() || r.source == source) out.push_back(r);
  }
  return out;
}

Result<api::SourceState> FakeCluster::GetSourceState(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!list_error_.ok()) return list_error_;
  auto it = sources_.find(id);
  if (it != sources_.end()) return it->second;
  api::SourceState state;
  state.id = id;
  return state;
}

Result<api::SourceState> FakeCluster::PutSourceState(const api::SourceState& state) {
  std::lock_guard<std::mutex> lock(mu_);
  sources_[state.id] = state;
  return state;
}

std::vector<api::SyncRun> FakeCluster::SyncRuns() const {
  std::lock_guard<std::mutex> lock(mu_);
  return runs_;
}

PlanOptions SyncOptionsFor(const std::string& source_id) {
  PlanOptions o;
  o.now = SystemClock::Default()->Now();
  o.source_id = source_id;
  return o;
}

Plan PlanAgainst(FakeCluster& cluster, const std::vector<DesiredObject>& desired,
                 const PlanOptions& options) {
  auto live = ListLiveState(cluster);
  if (!live.ok()) throw std::runtime_error("listing the fake cluster: " + live.status().message());
  return ComputePlan(desired, *live, options);
}

}  // namespace cara::gitops
