// The agent's control loops: registration, heartbeats on their own thread
// (a slow image pull never delays them), the reconcile loop, and the watch of
// the node's assignments that wakes it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "agent/container_engine.h"
#include "agent/control_plane.h"
#include "agent/event_queue.h"
#include "agent/event_reporter.h"
#include "agent/host_info.h"
#include "agent/project_runtime.h"
#include "agent/reconciler.h"
#include "agent/route_table.h"
#include "common/clock.h"

namespace cara::agent {

struct AgentConfig {
  std::string server_url = "http://localhost:8080";
  std::string node_name;
  Duration heartbeat_interval = std::chrono::seconds(30);
  // Assigned projects are reconciled at once on every change the watch
  // reports; besides, every resync_interval while the watch is up (a safety
  // net), every poll_interval while it is down.
  Duration resync_interval = std::chrono::seconds(30);
  Duration poll_interval = std::chrono::seconds(10);
  // After the server refused the watch (an older server, a rejected
  // credential): polling only, until the watch is tried again.
  Duration watch_retry_interval = std::chrono::minutes(1);
  std::string docker_host = "unix:///var/run/docker.sock";
  int agent_port = 9090;
  std::string advertise_ip;  // empty: the default-route interface's IP
  Reserve reserve;
  std::string disk_path = "/var/lib/docker";
};

class Agent {
 public:
  // `engine`, `server` and `routes` must outlive the Agent. config.docker_host
  // and config.server_url are only logged: the caller built `engine` and
  // `server` from them (tests pass fakes). The loops' intervals and backoffs
  // wait on `clock`.
  Agent(AgentConfig config, ContainerEngine* engine, ControlPlane* server, RouteTable* routes,
        Clock* clock);
  ~Agent();

  void Start();
  // The agent never deregisters; the events queued by then are posted
  // (see EventQueue::Stop).
  void Stop();

  // Wakes the reconcile loop now (tests, and after registration).
  void PokeReconcile();

 private:
  void HeartbeatLoop();
  void ReconcileLoop();
  void WatchLoop();
  // Waits until a reconcile pass is due: poked, or the resync (watching) or
  // poll (not watching) interval since `last_pass` is over. False when
  // stopping.
  bool AwaitNextPass(MonotonicTime last_pass);
  void SetWatching(bool watching);
  void RegisterUntilDone(Duration first_backoff, Duration max_backoff);
  // Ready with DockerReady=True, or NotReady with DockerReady=False while
  // the container engine does not answer: the server then places nothing new
  // here however fresh the heartbeats are.
  api::NodeStatus HeartbeatReport();
  bool SleepFor(Duration d);  // false when stopping

  AgentConfig config_;
  ContainerEngine* engine_;
  Clock* clock_;
  bool docker_answered_ = true;  // as of the last heartbeat, for logging changes
  ControlPlane& server_;
  // Before the reporters that push to it: it outlives them.
  EventQueue event_queue_;
  EventReporter events_;
  ProjectRuntime runtime_;
  Reconciler reconciler_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool registered_ = false;
  bool poke_ = false;
  bool watching_ = false;             // the assignment watch is open
  AssignmentWatch* watch_ = nullptr;  // the one running, for Stop()
  std::thread heartbeat_thread_;
  std::thread reconcile_thread_;
  std::thread watch_thread_;
};

}  // namespace cara::agent
