// 4. Scheduler: time for the real project-scheduler (controller manager,
// store events, the store's transactions) to place N Pending projects on M
// Ready nodes, in process on each store. The baseline writes the same N
// placements one transaction each (UpdateProjectOnNode, the scheduler's
// write before it batched), round-robin, with no decisions: what persisting
// them one at a time costs. Targets (issue 19, for 10,000 projects on 1,000
// nodes): ≥ 5,000 placements/s on SQLite, ≥ 2,000/s on PostgreSQL.
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>

#include "api/codec.h"
#include "api/lifecycle.h"
#include "bench/bench.h"
#include "bench/bulk_load.h"
#include "bench/format.h"
#include "bench/manifests.h"
#include "bench/server_process.h"
#include "controllers/event_recorder.h"
#include "controllers/manager.h"
#include "controllers/scheduler.h"
#include "store/event_records.h"
#include "store/store.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace cara::bench {
namespace {

// Placements per second (issue 19).
constexpr double kTargetSqlite = 5000;
constexpr double kTargetPostgres = 2000;

// Loading a big cluster takes a while; no node may go stale meanwhile.
constexpr auto kHeartbeatTimeout = std::chrono::hours(1);

class Cluster {
 public:
  Cluster(const std::string& backend, int nodes, int projects) {
    std::string url = backend == "postgres" ? testing::PostgresServer::Shared().FreshDatabaseUrl()
                                            : "sqlite:" + dir_.path() + "/cara.db";
    auto opened = store::OpenBackend(url, dir_.path());
    if (!opened.ok()) throw std::runtime_error("open store: " + opened.status().ToString());
    std::vector<api::Node> node_list;
    for (int i = 0; i < nodes; ++i) node_list.push_back(ReadyNode(i));
    std::vector<api::Project> project_list;
    for (int i = 0; i < projects; ++i) project_list.push_back(PendingProject(i));
    BulkLoad(**opened, std::move(node_list), std::move(project_list));
    store_ = std::make_unique<store::Store>(std::move(*opened), SystemClock::Default());
  }
  store::Store& store() { return *store_; }

  // Projects per node; throws unless all `projects` are Scheduled.
  std::map<std::string, int> Placements(int projects) {
    auto placed = store_->ListProjects({{api::kPhaseScheduled}, ""});
    Check(placed.status());
    if (static_cast<int>(placed->size()) != projects) {
      throw std::runtime_error(std::to_string(placed->size()) + " of " + std::to_string(projects) +
                               " projects Scheduled");
    }
    std::map<std::string, int> per_node;
    for (const auto& p : *placed) per_node[p.status.node_ref]++;
    return per_node;
  }

 private:
  static void Check(const Status& st) {
    if (!st.ok()) throw std::runtime_error(st.ToString());
  }
  static api::Node ReadyNode(int i) {
    api::Node n;
    n.metadata.name = NodeName(i);
    n.spec.hostname = n.metadata.name;
    n.status.allocatable = {{"cpu", "16"}, {"memory", "64Gi"}};
    n.status.capacity = n.status.allocatable;
    n.status.last_heartbeat = SystemClock::Default()->Now();
    api::MarkNodeReady(n, *n.status.last_heartbeat);
    return n;
  }
  static api::Project PendingProject(int i) {
    auto p = api::DecodeProject(nlohmann::json::parse(ProjectDocument(i).dump()));
    Check(p.status());
    p->status.phase = api::kPhasePending;
    return std::move(*p);
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

// Runs the scheduler until every project is Scheduled; returns the seconds
// from start, or throws after `limit`. With `events`, it records them in the
// store as cara-server's does (a Scheduled event per placement).
double Schedule(Cluster& cluster, int projects, std::chrono::seconds limit, bool events) {
  store::Store& store = cluster.store();
  std::mutex mu;
  std::condition_variable cv;
  int scheduled = 0;
  int sub = store.Subscribe([&](const store::Event& e) {
    if (e.kind != api::kKindProject || e.new_phase != api::kPhaseScheduled) return;
    std::lock_guard<std::mutex> lock(mu);
    if (++scheduled == projects) cv.notify_all();
  });
  controllers::ControllerConfig config;
  config.heartbeat_timeout = kHeartbeatTimeout;
  controllers::Manager manager(&store, SystemClock::Default(), controllers::ManagerOptions{});
  std::shared_ptr<controllers::EventRecorder> recorder;
  if (events) {
    recorder = std::make_shared<controllers::StoreEventRecorder>(&store, SystemClock::Default(),
                                                                 store::EventRetention{});
  }
  manager.Add(std::make_unique<controllers::SchedulerController>(
      &store, SystemClock::Default(), config, controllers::NoSecrets(), recorder));
  auto start = std::chrono::steady_clock::now();
  manager.Start();
  bool done;
  {
    std::unique_lock<std::mutex> lock(mu);
    done = cv.wait_for(lock, limit, [&] { return scheduled >= projects; });
  }
  double seconds = SecondsSince(start);
  manager.Stop();
  store.Unsubscribe(sub);
  if (!done) {
    throw std::runtime_error("only " + std::to_string(scheduled) + " of " +
                             std::to_string(projects) + " placed after " + Seconds(seconds));
  }
  return seconds;
}

// The write floor: the same placements, decided round-robin up front.
double WritePlacements(Cluster& cluster, int projects, int nodes) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < projects; ++i) {
    const std::string node = NodeName(i % nodes);
    auto written = cluster.store().UpdateProjectOnNode(ProjectName(i), node, [&](api::Project& p) {
      p.status.phase = api::kPhaseScheduled;
      p.status.node_ref = node;
      return Status::Ok();
    });
    if (!written.ok()) throw std::runtime_error(written.status().ToString());
  }
  return SecondsSince(start);
}

// All nodes are alike and every project asks for the same, so "most free
// memory wins" must spread them evenly; an uneven spread means the scheduler
// decided on stale usage.
void CheckSpread(const std::map<std::string, int>& per_node, int projects, int nodes) {
  int most = 0, least = projects;
  for (const auto& [node, count] : per_node) {
    most = std::max(most, count);
    least = std::min(least, count);
  }
  if (static_cast<int>(per_node.size()) < std::min(nodes, projects)) least = 0;
  if (most - least > 1) {
    throw std::runtime_error("uneven placement: " + std::to_string(least) + " to " +
                             std::to_string(most) + " projects per node");
  }
}

}  // namespace

void RunSchedulerBench(const Sizes& sizes, Report& report) {
  const int n = sizes.scheduler_projects, m = sizes.scheduler_nodes;
  for (const std::string& backend : Backends()) {
    const std::string label = BackendLabel(backend);
    Progress("scheduler: loading " + Thousands(n) + " Pending projects and " + Thousands(m) +
             " nodes into " + label + ", twice");
    Cluster measured(backend, m, n);
    Cluster floor(backend, m, n);
    Progress("scheduler: placing them on " + label);
    double seconds = Schedule(measured, n, std::chrono::seconds(600), false);
    CheckSpread(measured.Placements(n), n, m);
    double base = WritePlacements(floor, n, m);
    floor.Placements(n);
    const double target = backend == "postgres" ? kTargetPostgres : kTargetSqlite;
    report.Add({"scheduler: " + Thousands(n) + " Pending → " + Thousands(m) + " nodes, " + label,
                Seconds(seconds) + " (" + Thousands(n / seconds) + "/s)",
                Seconds(base) + " (" + Thousands(n / base) + "/s, one write each)",
                Ratio(seconds, base), "≥ " + Thousands(target) + "/s",
                PassIf(n / seconds >= target)});
    // The same with the Scheduled events cara-server records (batched too).
    Progress("scheduler: placing them on " + label + ", recording events");
    Cluster with_events(backend, m, n);
    double evented = Schedule(with_events, n, std::chrono::seconds(600), true);
    CheckSpread(with_events.Placements(n), n, m);
    report.Add({"scheduler + Scheduled events, " + label,
                Seconds(evented) + " (" + Thousands(n / evented) + "/s)",
                Seconds(base) + " (one write each)", Ratio(evented, base), "— (no target)",
                Verdict::kInfo});
  }
}

}  // namespace cara::bench
