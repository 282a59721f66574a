#include "fake_control_plane.h"

#include <algorithm>
#include <utility>

#include "api/lifecycle.h"

namespace cara::agent {

// Blocks in Run until cancelled, calling on_change (without the fake's lock:
// the agent's poke takes its own) once per burst of announced changes.
class FakeControlPlane::Watch final : public AssignmentWatch {
 public:
  explicit Watch(FakeControlPlane* fake) : fake_(fake) {}

  Status Run(const Callbacks& callbacks) override {
    std::unique_lock<std::mutex> lock(fake_->mu_);
    fake_->Called();
    if (!fake_->watch_error_.ok()) return fake_->watch_error_;
    uint64_t seen = fake_->changes_;
    lock.unlock();
    callbacks.on_state(true);
    lock.lock();
    ++fake_->open_watches_;  // counted once the agent knows: tests wait for this
    fake_->Called();
    while (true) {
      fake_->changed_.wait(lock, [&] { return cancelled_ || fake_->changes_ != seen; });
      if (cancelled_) break;
      seen = fake_->changes_;
      lock.unlock();
      callbacks.on_change();
      lock.lock();
    }
    --fake_->open_watches_;
    fake_->Called();
    return Status::Ok();
  }

  void Cancel() override {
    std::lock_guard<std::mutex> lock(fake_->mu_);
    cancelled_ = true;
    fake_->changed_.notify_all();
  }

 private:
  FakeControlPlane* fake_;
  bool cancelled_ = false;  // guarded by fake_->mu_
};

void FakeControlPlane::PutProject(const api::Project& project, bool announce) {
  std::lock_guard<std::mutex> lock(mu_);
  projects_[project.metadata.name] = project;
  if (announce) Changed();
}

void FakeControlPlane::Changed() {
  ++changes_;
  changed_.notify_all();
}

void FakeControlPlane::RefuseWatch(Status error) {
  std::lock_guard<std::mutex> lock(mu_);
  watch_error_ = std::move(error);
}

int FakeControlPlane::open_watches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_watches_;
}

std::unique_ptr<AssignmentWatch> FakeControlPlane::WatchAssignments(const std::string&) {
  return std::make_unique<Watch>(this);
}

api::Project FakeControlPlane::GetProject(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return projects_.at(name);
}

void FakeControlPlane::DeleteNode(const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  nodes_.erase(node);
}

std::set<std::string> FakeControlPlane::Nodes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return nodes_;
}

std::vector<FakeControlPlane::HeartbeatCall> FakeControlPlane::Heartbeats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return heartbeats_;
}

int FakeControlPlane::registrations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return registrations_;
}

int FakeControlPlane::list_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return list_calls_;
}

std::vector<FakeControlPlane::ReportCall> FakeControlPlane::TakeReports() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(reports_, {});
}

std::vector<api::Event> FakeControlPlane::TakeEvents() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(events_, {});
}

void FakeControlPlane::HoldEvents(bool hold) {
  std::lock_guard<std::mutex> lock(mu_);
  hold_events_ = hold;
  events_released_.notify_all();
}

int FakeControlPlane::events_waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_waiting_;
}

Status FakeControlPlane::PostEvent(const api::Event& event) {
  std::unique_lock<std::mutex> lock(mu_);
  if (hold_events_) {
    ++events_waiting_;
    Called();  // WaitFor sees the post arrive
    events_released_.wait(lock, [this] { return !hold_events_; });
    --events_waiting_;
  }
  events_.push_back(event);
  Called();
  return Status::Ok();
}

bool FakeControlPlane::WaitFor(const std::function<bool()>& done,
                               std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    uint64_t seen = calls_;
    lock.unlock();  // `done` takes the lock itself
    if (done()) return true;
    lock.lock();
    if (!changed_.wait_until(lock, deadline, [&] { return calls_ != seen; })) {
      lock.unlock();
      return done();
    }
  }
}

void FakeControlPlane::Called() {
  ++calls_;
  changed_.notify_all();
}

Status FakeControlPlane::Register(const std::string& node_name) {
  std::lock_guard<std::mutex> lock(mu_);
  nodes_.insert(node_name);
  ++registrations_;
  Called();
  return Status::Ok();
}

Status FakeControlPlane::Heartbeat(const std::string& node_name, const api::NodeStatus& report) {
  std::lock_guard<std::mutex> lock(mu_);
  Called();
  if (!nodes_.count(node_name)) return Status::NotFound("heartbeat: node " + node_name);
  heartbeats_.push_back({node_name, report});
  return Status::Ok();
}

Result<std::vector<api::Project>> FakeControlPlane::ListProjects(
    const std::string& node_name, const std::vector<std::string>& phases) {
  std::lock_guard<std::mutex> lock(mu_);
  ++list_calls_;
  Called();
  std::vector<api::Project> out;
  for (const auto& [name, p] : projects_) {
    bool phase_wanted = std::find(phases.begin(), phases.end(), p.status.phase) != phases.end();
    if (p.status.node_ref == node_name && phase_wanted) out.push_back(p);
  }
  return out;
}

Status FakeControlPlane::ReportStatus(const std::string& project, const StatusReport& report) {
  std::lock_guard<std::mutex> lock(mu_);
  Called();
  auto it = projects_.find(project);
  if (it == projects_.end()) return Status::NotFound("report status of " + project);
  // The server's own rules for the patch.
  api::ProjectStatusPatch patch;
  patch.phase = report.phase;
  patch.reason = report.reason;
  patch.message = report.message;
  if (report.observed_generation > 0) patch.observed_generation = report.observed_generation;
  patch.conditions = report.conditions;
  patch.services = report.services;
  api::ApplyProjectStatusPatch(patch, it->second, Timestamp{});
  reports_.push_back({project, report});
  Changed();  // the server announces its own status writes too
  return Status::Ok();
}

void FakeControlPlane::PutSecret(const SecretValues& secret) {
  std::lock_guard<std::mutex> lock(mu_);
  secrets_[secret.name] = secret;
}

void FakeControlPlane::DeleteSecret(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  secrets_.erase(name);
}

void FakeControlPlane::FailSecrets(Status error) {
  std::lock_guard<std::mutex> lock(mu_);
  secret_error_ = std::move(error);
}

int FakeControlPlane::secret_fetches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return secret_fetches_;
}

Result<SecretValues> FakeControlPlane::GetSecretValues(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  Called();
  ++secret_fetches_;
  if (!secret_error_.ok()) return secret_error_;
  auto it = secrets_.find(name);
  if (it == secrets_.end()) return Status::NotFound("get values of secret " + name);
  return it->second;
}

}  // namespace cara::agent
