// Controller logic under a fake clock, on a real SQLite store: each test
// calls Reconcile directly, so time only moves when the test says so.
#include <catch2/catch.hpp>

#include "api/lifecycle.h"
#include "controllers/expiry.h"
#include "controllers/node_health.h"
#include "controllers/rescheduler.h"
#include "controllers/scheduler.h"
#include "controllers/store_fixture.h"
#include "controllers/termination.h"

namespace cara::controllers {

// ---- node-health ---------------------------------------------------------------

TEST_CASE("node-health marks a silent node NotReady and a fresh one Ready", "[node-health]") {
  Fixture f;
  NodeHealthController health(f.store.get(), &f.clock, f.config);
  f.AddNode("fresh", api::kNodeNotReady, 10s);
  f.AddNode("silent", api::kNodeReady, 91s);
  f.AddNode("never", api::kNodeReady, std::nullopt);

  auto r = health.Reconcile("fresh");
  REQUIRE(r.ok());
  api::Node fresh = f.Node("fresh");
  CHECK(fresh.status.state == "Ready");
  const api::Condition* ready = api::FindCondition(fresh.status.conditions, "Ready");
  REQUIRE(ready);
  CHECK(ready->status == "True");
  CHECK(ready->reason == "AgentReady");
  // Looked at again exactly when the heartbeat goes stale (80s from now).
  REQUIRE(r->requeue_after);
  CHECK(*r->requeue_after > 79s);
  CHECK(*r->requeue_after <= 81s);

  for (const char* name : {"silent", "never"}) {
    REQUIRE(health.Reconcile(name).ok());
    api::Node n = f.Node(name);
    CHECK(n.status.state == "NotReady");
    const api::Condition* c = api::FindCondition(n.status.conditions, "Ready");
    REQUIRE(c);
    CHECK(c->status == "False");
    CHECK(c->reason == "HeartbeatTimeout");
    CHECK(c->message == "Agent has not posted a heartbeat within the timeout window");
  }

  // Time passes: the fresh node goes stale at 90s, not before.
  f.clock.Advance(80s);
  REQUIRE(health.Reconcile("fresh").ok());
  CHECK(f.Node("fresh").status.state == "Ready");
  f.clock.Advance(1s);
  REQUIRE(health.Reconcile("fresh").ok());
  CHECK(f.Node("fresh").status.state == "NotReady");
}

TEST_CASE("node-health leaves draining nodes alone", "[node-health]") {
  Fixture f;
  NodeHealthController health(f.store.get(), &f.clock, f.config);
  api::Node n;
  n.metadata.name = "d";
  n.spec.unschedulable = true;
  n.status.state = api::kNodeDraining;
  REQUIRE(f.store->CreateNode(n).ok());
  REQUIRE(health.Reconcile("d").ok());
  CHECK(f.Node("d").status.state == "Draining");
  CHECK(f.Node("d").status.conditions.empty());
  CHECK(health.Reconcile("missing").ok());
}

// A batch (one store transaction) decides each node exactly as Reconcile
// would alone, each result in its key's slot whatever the name order, and
// a node that is gone does not fail the others.
TEST_CASE("node-health decides a batch of nodes as it decides each alone", "[node-health]") {
  Fixture f;
  NodeHealthController health(f.store.get(), &f.clock, f.config);
  std::vector<std::string> keys;
  for (int i = 299; i >= 0; --i) {  // names in reverse order: slots must not follow the locks
    std::string name = "n-" + std::to_string(1000 + i);
    if (i % 3 == 0) f.AddNode(name, api::kNodeNotReady, std::chrono::seconds(i % 60));
    if (i % 3 == 1) f.AddNode(name, api::kNodeReady, 91s);
    keys.push_back(name);  // i % 3 == 2: never created
  }
  REQUIRE(health.MaxBatch() > 1);
  auto results = health.ReconcileBatch(keys);
  REQUIRE(results.size() == keys.size());
  for (size_t k = 0; k < keys.size(); ++k) {
    const int i = 299 - static_cast<int>(k);
    INFO(keys[k]);
    REQUIRE(results[k].ok());
    if (i % 3 == 0) {
      CHECK(f.Node(keys[k]).status.state == "Ready");
      REQUIRE(results[k]->requeue_after);  // when this node's own heartbeat goes stale
      CHECK(*results[k]->requeue_after == 90s - std::chrono::seconds(i % 60) + 1ms);
    } else {
      if (i % 3 == 1) CHECK(f.Node(keys[k]).status.state == "NotReady");
      CHECK_FALSE(results[k]->requeue_after);
    }
  }
}

TEST_CASE("node-health keeps a heartbeating node NotReady while its Docker does not answer",
          "[node-health][docker-ready]") {
  Fixture f;
  NodeHealthController health(f.store.get(), &f.clock, f.config);
  api::Node& added = f.AddNode("n", api::kNodeNotReady, 10s);
  api::Condition docker{
      api::kConditionDockerReady, "False", {}, f.clock.Now(), api::kReasonDockerUnavailable,
      "cannot reach Docker"};
  added.status.conditions.push_back(docker);
  REQUIRE(f.store
              ->UpdateNode("n",
                           [&](api::Node& n) {
                             n.status.conditions = added.status.conditions;
                             return Status::Ok();
                           })
              .ok());

  REQUIRE(health.Reconcile("n").ok());
  api::Node n = f.Node("n");
  CHECK(n.status.state == "NotReady");
  const api::Condition* ready = api::FindCondition(n.status.conditions, "Ready");
  REQUIRE(ready);
  CHECK(ready->status == "False");
  CHECK(ready->reason == "DockerUnavailable");
  // The scheduler counts it as NotReady, whatever its state says.
  api::Project p = f.AddProject("p", "Pending");
  n.status.state = api::kNodeReady;
  Placement placement = ChooseNode(p, {n}, {}, f.clock.Now(), 90s);
  CHECK(placement.node.empty());
  CHECK(placement.message == "0/1 nodes available: 1 NotReady");

  // Docker answers again: Ready.
  REQUIRE(f.store
              ->UpdateNode("n",
                           [&](api::Node& node) {
                             for (auto& c : node.status.conditions) {
                               if (c.type == api::kConditionDockerReady) c.status = "True";
                             }
                             return Status::Ok();
                           })
              .ok());
  REQUIRE(health.Reconcile("n").ok());
  CHECK(f.Node("n").status.state == "Ready");
  CHECK(api::FindCondition(f.Node("n").status.conditions, "Ready")->reason == "AgentReady");
}

// ---- scheduler: placement -------------------------------------------------------

TEST_CASE("placement: with empty nodes the first node wins", "[scheduler]") {
  Fixture f;
  std::vector<api::Node> nodes = {f.AddNode("node-a", "Ready"), f.AddNode("node-b", "Ready"),
                                  f.AddNode("node-c", "Ready")};
  api::Project p = f.AddProject("p", "Pending");
  CHECK(ChooseNode(p, nodes, {}, f.clock.Now(), 90s).node == "node-a");
}

TEST_CASE("placement: most free memory wins, requests of placed projects count", "[scheduler]") {
  Fixture f;
  std::vector<api::Node> nodes = {
      f.AddNode("small", "Ready", 0s, {{"cpu", "4000m"}, {"memory", "1Gi"}}),
      f.AddNode("big", "Ready", 0s, {{"cpu", "4000m"}, {"memory", "4Gi"}})};
  api::Project p = f.AddProject("p", "Pending", "", {"500m", "512Mi"});
  CHECK(ChooseNode(p, nodes, {}, f.clock.Now(), 90s).node == "big");
  // 3.5Gi already requested on "big" leaves 512Mi there, less than "small"'s 1Gi.
  std::vector<api::Project> placed = {f.AddProject("a", "Running", "big", {"100m", "3584Mi"})};
  CHECK(ChooseNode(p, nodes, placed, f.clock.Now(), 90s).node == "small");
}

TEST_CASE("placement: no fit explains every node", "[scheduler]") {
  Fixture f;
  std::vector<api::Node> nodes = {
      f.AddNode("down", "NotReady"), f.AddNode("stale", "Ready", 5min),
      f.AddNode("full", "Ready", 0s, {{"cpu", "2"}, {"memory", "256Mi"}})};
  api::Node draining = f.AddNode("drain", "Ready");
  draining.spec.unschedulable = true;
  nodes.push_back(draining);
  api::Project p = f.AddProject("p", "Pending", "", {"500m", "512Mi"});
  Placement placement = ChooseNode(p, nodes, {}, f.clock.Now(), 90s);
  CHECK(placement.node.empty());
  CHECK(placement.message == "0/4 nodes available: 2 NotReady, 1 Draining, 1 insufficient memory");
  CHECK(ChooseNode(p, {}, {}, f.clock.Now(), 90s).message ==
        "0/0 nodes available: no nodes registered");
}

// ---- scheduler: reconcile ---------------------------------------------------------

TEST_CASE("scheduler places a Pending project and clears Unschedulable", "[scheduler]") {
  Fixture f;
  SchedulerController scheduler(f.store.get(), &f.clock, f.config);
  f.AddProject("p", "Pending");
  auto r = scheduler.Reconcile("p");
  REQUIRE(r.ok());
  CHECK(r->requeue);
  api::Project p = f.Project("p");
  CHECK(p.status.phase == "Pending");
  REQUIRE(Cond(p, "Phase"));
  CHECK(Cond(p, "Phase")->reason == "Unschedulable");
  CHECK(Cond(p, "Phase")->message == "0/0 nodes available: no nodes registered");
  // The same verdict again writes nothing.
  std::string rv = p.metadata.resource_version;
  REQUIRE(scheduler.Reconcile("p").ok());
  CHECK(f.Project("p").metadata.resource_version == rv);

  f.AddNode("n1", "Ready");
  r = scheduler.Reconcile("p");
  REQUIRE(r.ok());
  CHECK_FALSE(r->requeue);
  p = f.Project("p");
  CHECK(p.status.phase == "Scheduled");
  CHECK(p.status.node_ref == "n1");
  CHECK(Cond(p, "Phase") == nullptr);
  // Non-Pending projects are left alone.
  REQUIRE(scheduler.Reconcile("p").ok());
  CHECK(f.Project("p").metadata.resource_version == p.metadata.resource_version);
}

TEST_CASE("scheduler holds a project whose Secret is missing, and places it once it resolves",
          "[scheduler][secret]") {
  Fixture f;
  std::map<std::string, api::Secret> secrets;
  SchedulerController scheduler(f.store.get(), &f.clock, f.config,
                                [&](const std::string& name) -> std::optional<api::Secret> {
                                  auto it = secrets.find(name);
                                  if (it == secrets.end()) return std::nullopt;
                                  return it->second;
                                });
  f.AddNode("n1", "Ready");
  f.AddProject("p", "Pending");
  REQUIRE(f.store
              ->UpdateProject("p",
                              [](api::Project& p) {
                                api::EnvVar e;
                                e.name = "DB_PASSWORD";
                                e.value_from = api::SecretKeyRef{"db", "password"};
                                p.spec.services[0].env.push_back(e);
                                return Status::Ok();
                              })
              .ok());
  auto r = scheduler.Reconcile("p");
  REQUIRE(r.ok());
  CHECK_FALSE(r->requeue);  // a Secret event brings it back, not a timer
  api::Project p = f.Project("p");
  CHECK(p.status.phase == "Pending");
  REQUIRE(Cond(p, "Phase"));
  CHECK(Cond(p, "Phase")->reason == "SecretNotFound");
  CHECK(Cond(p, "Phase")->message == "secret \"db\" not found");

  api::Secret db;
  db.metadata.name = "db";
  db.digests = {{"user", "sha256:00"}};
  secrets["db"] = db;
  REQUIRE(scheduler.Reconcile("p").ok());
  CHECK(Cond(f.Project("p"), "Phase")->message == "secret \"db\" has no key \"password\"");

  secrets["db"].digests["password"] = "sha256:01";
  REQUIRE(scheduler.Reconcile("p").ok());
  p = f.Project("p");
  CHECK(p.status.phase == "Scheduled");
  CHECK(p.status.node_ref == "n1");
  CHECK(Cond(p, "Phase") == nullptr);
}

// ---- rescheduler -----------------------------------------------------------------

TEST_CASE("rescheduler resets Scheduled at once and Running after the grace period",
          "[rescheduler]") {
  Fixture f;
  ReschedulerController rescheduler(f.store.get(), &f.clock, f.config);
  f.AddNode("n1", "NotReady", 5min);
  f.AddProject("sched", "Scheduled", "n1");
  f.AddProject("run", "Running", "n1");
  f.AddProject("other", "Running", "n2");

  auto r = rescheduler.Reconcile("n1");
  REQUIRE(r.ok());
  api::Project sched = f.Project("sched");
  CHECK(sched.status.phase == "Pending");
  CHECK(sched.status.node_ref.empty());
  REQUIRE(Cond(sched, "Phase"));
  CHECK(Cond(sched, "Phase")->reason == "NodeNotReady");

  api::Project run = f.Project("run");
  CHECK(run.status.phase == "Running");
  REQUIRE(Cond(run, "NotReadyAt"));
  CHECK(Cond(run, "NotReadyAt")->message ==
        "Node went NotReady while project was Running; running grace period clock started");
  REQUIRE(r->requeue_after);
  CHECK(*r->requeue_after == 3min);
  CHECK(f.Project("other").status.phase == "Running");

  f.clock.Advance(2min);
  r = rescheduler.Reconcile("n1");
  REQUIRE(r.ok());
  CHECK(f.Project("run").status.phase == "Running");
  CHECK(*r->requeue_after == 1min);

  f.clock.Advance(1min);
  REQUIRE(rescheduler.Reconcile("n1").ok());
  run = f.Project("run");
  CHECK(run.status.phase == "Pending");
  CHECK(run.status.node_ref.empty());
  CHECK(Cond(run, "NotReadyAt") == nullptr);  // the marker goes with the move
}

TEST_CASE("rescheduler force-terminates Terminating projects after the timeout", "[rescheduler]") {
  Fixture f;
  ReschedulerController rescheduler(f.store.get(), &f.clock, f.config);
  f.AddNode("n1", "NotReady", 5min);
  f.AddProject("t", "Terminating", "n1");
  REQUIRE(rescheduler.Reconcile("n1").ok());
  REQUIRE(Cond(f.Project("t"), "TerminatingAt"));
  f.clock.Advance(10min);
  REQUIRE(rescheduler.Reconcile("n1").ok());
  api::Project t = f.Project("t");
  CHECK(t.status.phase == "Terminated");
  CHECK(t.status.node_ref == "n1");
  CHECK(Cond(t, "Phase")->reason == "TerminationTimeout");
}

TEST_CASE("rescheduler clears markers when the node recovers", "[rescheduler]") {
  Fixture f;
  ReschedulerController rescheduler(f.store.get(), &f.clock, f.config);
  f.AddNode("n1", "NotReady", 5min);
  f.AddProject("run", "Running", "n1");
  REQUIRE(rescheduler.Reconcile("n1").ok());
  REQUIRE(Cond(f.Project("run"), "NotReadyAt"));
  f.SetNodeReady("n1", true);
  REQUIRE(rescheduler.Reconcile("n1").ok());
  CHECK(Cond(f.Project("run"), "NotReadyAt") == nullptr);
  // A later NotReady episode starts a fresh grace period.
  f.SetNodeReady("n1", false);
  f.clock.Advance(1h);
  REQUIRE(rescheduler.Reconcile("n1").ok());
  CHECK(f.Project("run").status.phase == "Running");
}

TEST_CASE("rescheduler ignores Ready and Draining nodes", "[rescheduler]") {
  Fixture f;
  ReschedulerController rescheduler(f.store.get(), &f.clock, f.config);
  f.AddNode("d", "Draining", 5min);
  f.AddProject("sched", "Scheduled", "d");
  REQUIRE(rescheduler.Reconcile("d").ok());
  CHECK(f.Project("sched").status.phase == "Scheduled");
}

// ---- termination ------------------------------------------------------------------

TEST_CASE("termination removes Terminated records and unplaced Terminating ones", "[termination]") {
  Fixture f;
  TerminationController termination(f.store.get(), &f.clock);
  f.AddProject("done", "Terminated", "n1");
  f.AddProject("unplaced", "Terminating");
  f.AddProject("placed", "Terminating", "n1");
  for (const char* name : {"done", "unplaced", "placed", "missing"}) {
    REQUIRE(termination.Reconcile(name).ok());
  }
  CHECK_FALSE(f.ProjectExists("done"));
  CHECK_FALSE(f.ProjectExists("unplaced"));
  CHECK(f.ProjectExists("placed"));
}

// ---- expiry ----------------------------------------------------------------------

TEST_CASE("expiry deletes expired projects through the normal path", "[expiry]") {
  Fixture f;
  ExpiryController expiry(f.store.get(), &f.clock);
  auto with_expiry = [&](const std::string& name, const std::string& phase, Duration in) {
    REQUIRE(
        f.store
            ->UpdateProject(f.AddProject(name, phase, phase == "Pending" ? "" : "n1").metadata.name,
                            [&](api::Project& p) {
                              p.spec.expire_at = f.clock.Now() + in;
                              return Status::Ok();
                            })
            .ok());
  };
  with_expiry("later", "Running", 1h);
  with_expiry("pending", "Pending", -1s);
  with_expiry("running", "Running", -1s);

  auto r = expiry.Reconcile("later");
  REQUIRE(r.ok());
  REQUIRE(r->requeue_after);
  CHECK(*r->requeue_after == 1h);  // a timer for the exact expiry
  CHECK(f.Project("later").status.phase == "Running");

  REQUIRE(expiry.Reconcile("pending").ok());
  CHECK_FALSE(f.ProjectExists("pending"));

  REQUIRE(expiry.Reconcile("running").ok());
  api::Project running = f.Project("running");
  CHECK(running.status.phase == "Terminating");
  CHECK(running.status.node_ref == "n1");
  CHECK(Cond(running, "Phase")->reason == "Expired");

  f.clock.Advance(1h);
  REQUIRE(expiry.Reconcile("later").ok());
  CHECK(f.Project("later").status.phase == "Terminating");
}

}  // namespace cara::controllers
