#include "agent/agent.h"

#include "api/lifecycle.h"
#include "common/log.h"
#include "common/time_format.h"

namespace cara::agent {

Agent::Agent(AgentConfig config, ContainerEngine* engine, ControlPlane* server, RouteTable* routes,
             Clock* clock)
    : config_(std::move(config)),
      engine_(engine),
      clock_(clock),
      server_(*server),
      event_queue_(server),
      events_(server, config_.node_name, &event_queue_),
      runtime_(engine, &events_),
      reconciler_(&server_, &runtime_, routes, config_.node_name, clock, &event_queue_) {
  if (config_.advertise_ip.empty()) config_.advertise_ip = DefaultAdvertiseIp();
}

Agent::~Agent() { Stop(); }

void Agent::Start() {
  LOG_INFO("cara-agent starting")
      .Kv("node", config_.node_name)
      .Kv("server", config_.server_url)
      .Kv("advertise_ip", config_.advertise_ip);
  heartbeat_thread_ = std::thread([this] { HeartbeatLoop(); });
  reconcile_thread_ = std::thread([this] { ReconcileLoop(); });
  watch_thread_ = std::thread([this] { WatchLoop(); });
}

void Agent::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (watch_) watch_->Cancel();
    cv_.notify_all();
  }
  if (heartbeat_thread_.joinable()) heartbeat_thread_.join();
  if (reconcile_thread_.joinable()) reconcile_thread_.join();
  if (watch_thread_.joinable()) watch_thread_.join();
  event_queue_.Stop();  // after the threads that push to it
}

void Agent::PokeReconcile() {
  std::lock_guard<std::mutex> lock(mu_);
  poke_ = true;
  cv_.notify_all();
}

bool Agent::SleepFor(Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  clock_->WaitFor(lock, cv_, d, [this] { return stopping_; });
  return !stopping_;
}

void Agent::RegisterUntilDone(Duration backoff, Duration max_backoff) {
  while (true) {
    Status st = server_.Register(config_.node_name);
    if (st.ok()) {
      LOG_INFO("registered with server").Kv("node", config_.node_name);
      return;
    }
    LOG_WARN("registration failed; retrying")
        .Kv("error", st.message())
        .Kv("retry_in", FormatDuration(backoff));
    if (!SleepFor(backoff)) return;
    backoff = std::min(backoff * 2, max_backoff);
  }
}

api::NodeStatus Agent::HeartbeatReport() {
  api::NodeStatus report;
  Status docker = engine_->Ping();
  api::Condition docker_ready;
  docker_ready.type = api::kConditionDockerReady;
  if (docker.ok()) {
    report.state = api::kNodeReady;
    docker_ready.status = api::condition::kTrue;
    docker_ready.reason = api::kReasonDockerAnswering;
    docker_ready.message = "Docker engine answers";
  } else {
    report.state = api::kNodeNotReady;
    docker_ready.status = api::condition::kFalse;
    docker_ready.reason = api::kReasonDockerUnavailable;
    docker_ready.message = docker.message();
  }
  report.conditions.push_back(std::move(docker_ready));
  if (docker.ok() != docker_answered_) {
    docker_answered_ = docker.ok();
    if (docker.ok()) {
      LOG_INFO("Docker answers again; reporting the node Ready");
    } else {
      LOG_WARN("Docker does not answer; reporting the node NotReady").Kv("error", docker.message());
    }
  }
  report.network.ip = config_.advertise_ip;
  report.network.agent_port = config_.agent_port;
  ReadHostResources(config_.disk_path, config_.reserve, &report);
  return report;
}

void Agent::HeartbeatLoop() {
  using namespace std::chrono_literals;
  RegisterUntilDone(5s, 5s);
  {
    std::lock_guard<std::mutex> lock(mu_);
    registered_ = true;
    poke_ = true;
    cv_.notify_all();
  }
  while (SleepFor(0s)) {
    Status st = server_.Heartbeat(config_.node_name, HeartbeatReport());
    if (st.code() == Code::kNotFound) {
      LOG_WARN("node unknown to the server; registering again");
      RegisterUntilDone(5s, 60s);
      continue;  // heartbeat at once after re-registering
    }
    if (!st.ok()) LOG_WARN("heartbeat failed").Kv("error", st.message());
    if (!SleepFor(config_.heartbeat_interval)) break;
  }
}

void Agent::ReconcileLoop() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return stopping_ || registered_; });
    if (stopping_) return;
  }
  Status restored = reconciler_.RestoreRoutes();
  if (!restored.ok()) LOG_WARN("route bootstrap failed").Kv("error", restored.message());
  while (true) {
    MonotonicTime started = clock_->SteadyNow();
    Status st = reconciler_.RunOnce();
    if (!st.ok()) LOG_WARN("reconcile pass failed").Kv("error", st.message());
    if (!AwaitNextPass(started)) return;
  }
}

bool Agent::AwaitNextPass(MonotonicTime last_pass) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const bool watching = watching_;
    // Work left for a later pass (a dependency not yet up, a back-off) is
    // looked at every poll interval: no change may come to announce it.
    const bool poll = !watching || reconciler_.busy();
    const MonotonicTime due = last_pass + (poll ? config_.poll_interval : config_.resync_interval);
    // A change of watching_ recomputes the deadline: a lost watch must not
    // leave the loop waiting out a whole resync interval.
    clock_->WaitUntil(lock, cv_, due, [&] { return stopping_ || poke_ || watching_ != watching; });
    if (stopping_) break;
    if (poke_ || clock_->SteadyNow() >= due) {
      poke_ = false;
      return true;
    }
  }
  return false;
}

void Agent::SetWatching(bool watching) {
  std::lock_guard<std::mutex> lock(mu_);
  watching_ = watching;
  cv_.notify_all();
}

void Agent::WatchLoop() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return stopping_ || registered_; });
  }
  while (true) {
    std::unique_ptr<AssignmentWatch> watch = server_.WatchAssignments(config_.node_name);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      watch_ = watch.get();
    }
    Status st =
        watch->Run({[this] { PokeReconcile(); }, [this](bool watching) { SetWatching(watching); }});
    {
      std::lock_guard<std::mutex> lock(mu_);
      watch_ = nullptr;
      watching_ = false;
      cv_.notify_all();
    }
    if (st.ok()) return;  // cancelled: stopping
    LOG_WARN("cannot watch assigned projects; polling")
        .Kv("error", st.message())
        .Kv("poll_interval", FormatDuration(config_.poll_interval))
        .Kv("retry_in", FormatDuration(config_.watch_retry_interval));
    if (!SleepFor(config_.watch_retry_interval)) return;
  }
}

}  // namespace cara::agent
