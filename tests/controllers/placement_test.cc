// Placement rules beyond resources (nodeSelector, host ports, services'
// limits), the Unschedulable message's counting, and pinning projects with
// Persistent volumes, on a real SQLite store under a fake clock.
#include <catch2/catch.hpp>

#include <algorithm>

#include "api/lifecycle.h"
#include "controllers/node_usage.h"
#include "controllers/rescheduler.h"
#include "controllers/scheduler.h"
#include "controllers/store_fixture.h"

namespace cara::controllers {
namespace {

api::PortMapping HostPortMapping(int64_t port, const std::string& protocol = "tcp",
                                 const std::string& ip = "") {
  api::PortMapping m;
  m.container_port = 80;
  m.host_port = port;
  m.protocol = protocol;
  m.host_ip = ip;
  return m;
}

// A project whose one service publishes `ports`.
api::Project Publishing(const std::string& name, const std::string& phase, const std::string& node,
                        std::vector<api::PortMapping> ports) {
  api::Project p;
  p.metadata.name = name;
  api::ServiceDef web;
  web.name = "web";
  web.image = "cara/busybox:test";
  web.ports = std::move(ports);
  p.spec.services.push_back(web);
  p.status.phase = phase;
  p.status.node_ref = node;
  return p;
}

api::Node Labelled(api::Node node, api::StringMap labels) {
  node.metadata.labels = std::move(labels);
  return node;
}

struct RecordingEnqueuer : Enqueuer {
  void Add(const std::string& key) override { added.push_back(key); }
  void ResyncSoon() override { ++resyncs; }
  std::vector<std::string> added;
  int resyncs = 0;
};

}  // namespace

// ---- nodeSelector -----------------------------------------------------------

TEST_CASE("placement: nodeSelector needs every label with the same value", "[scheduler]") {
  Fixture f;
  std::vector<api::Node> nodes = {
      Labelled(f.AddNode("plain", "Ready"), {}),
      Labelled(f.AddNode("us", "Ready"), {{"zone", "us-1"}, {"disk", "ssd"}}),
      Labelled(f.AddNode("eu", "Ready"), {{"zone", "eu-1"}, {"disk", "ssd"}})};
  api::Project p = f.AddProject("p", "Pending");
  CHECK(ChooseNode(p, nodes, {}, f.clock.Now(), 90s).node == "plain");  // no selector: any

  p.spec.node_selector = {{"zone", "eu-1"}};
  CHECK(ChooseNode(p, nodes, {}, f.clock.Now(), 90s).node == "eu");
  p.spec.node_selector = {{"zone", "eu-1"}, {"disk", "ssd"}};
  CHECK(ChooseNode(p, nodes, {}, f.clock.Now(), 90s).node == "eu");
  p.spec.node_selector = {{"zone", "eu-1"}, {"disk", "hdd"}};
  Placement none = ChooseNode(p, nodes, {}, f.clock.Now(), 90s);
  CHECK(none.node.empty());
  CHECK(none.message == "0/3 nodes available: 3 didn't match nodeSelector");
  p.spec.node_selector = {{"gpu", ""}};  // an empty value must still be present
  CHECK(ChooseNode(p, nodes, {}, f.clock.Now(), 90s).node.empty());
}

// ---- host ports ------------------------------------------------------------------

TEST_CASE("placement: a host port held on a node keeps a clashing project off it",
          "[scheduler][ports]") {
  Fixture f;
  std::vector<api::Node> nodes = {f.AddNode("n1", "Ready"), f.AddNode("n2", "Ready")};
  std::vector<api::Project> placed = {
      Publishing("holder", "Running", "n1", {HostPortMapping(8080)})};
  api::Project p = Publishing("p", "Pending", "", {HostPortMapping(8080, "")});  // "" is tcp
  CHECK(ChooseNode(p, nodes, placed, f.clock.Now(), 90s).node == "n2");
  Placement none = ChooseNode(p, {nodes[0]}, placed, f.clock.Now(), 90s);
  CHECK(none.node.empty());
  CHECK(none.message == "0/1 nodes available: 1 port 8080/tcp in use");

  // Another protocol, another port, or an unpublished port: no clash.
  for (const auto& m : {HostPortMapping(8080, "udp"), HostPortMapping(8081), HostPortMapping(0)}) {
    CHECK(ChooseNode(Publishing("p", "Pending", "", {m}), {nodes[0]}, placed, f.clock.Now(), 90s)
              .node == "n1");
  }
  // The project's own record (a re-placement) does not count against it.
  placed.push_back(Publishing("p", "Running", "n1", {HostPortMapping(9090)}));
  CHECK(ChooseNode(Publishing("p", "Pending", "", {HostPortMapping(9090)}), {nodes[0]}, placed,
                   f.clock.Now(), 90s)
            .node == "n1");
}

TEST_CASE("placement: host addresses clash when equal or when either is every address",
          "[scheduler][ports]") {
  Fixture f;
  std::vector<api::Node> nodes = {f.AddNode("n1", "Ready")};
  auto fits = [&](const std::string& held_ip, const std::string& wanted_ip) {
    std::vector<api::Project> placed = {
        Publishing("holder", "Running", "n1", {HostPortMapping(8080, "tcp", held_ip)})};
    api::Project p = Publishing("p", "Pending", "", {HostPortMapping(8080, "tcp", wanted_ip)});
    return !ChooseNode(p, nodes, placed, f.clock.Now(), 90s).node.empty();
  };
  CHECK(fits("127.0.0.1", "10.0.0.1"));
  CHECK_FALSE(fits("127.0.0.1", "127.0.0.1"));
  CHECK_FALSE(fits("127.0.0.1", ""));
  CHECK_FALSE(fits("127.0.0.1", "0.0.0.0"));
  CHECK_FALSE(fits("", "127.0.0.1"));
  CHECK_FALSE(fits("0.0.0.0", "127.0.0.1"));
  CHECK_FALSE(fits("0.0.0.0", ""));

  std::vector<api::Project> placed = {Publishing("holder", "Running", "n1", {HostPortMapping(53)})};
  api::Project p = Publishing("p", "Pending", "", {HostPortMapping(53, "tcp", "127.0.0.1")});
  CHECK(ChooseNode(p, nodes, placed, f.clock.Now(), 90s).message ==
        "0/1 nodes available: 1 port 127.0.0.1:53/tcp in use");
}

TEST_CASE("placement: Terminating projects hold their ports, finished ones do not",
          "[scheduler][ports]") {
  Fixture f;
  std::vector<api::Node> nodes = {f.AddNode("n1", "Ready")};
  api::Project p = Publishing("p", "Pending", "", {HostPortMapping(8080)});
  for (const char* phase : {"Scheduled", "Running", "Terminating"}) {
    std::vector<api::Project> placed = {Publishing("old", phase, "n1", {HostPortMapping(8080)})};
    CHECK(ChooseNode(p, nodes, placed, f.clock.Now(), 90s).node.empty());
  }
  for (const char* phase : {"Pending", "Failed", "Terminated"}) {
    std::vector<api::Project> placed = {Publishing("old", phase, "n1", {HostPortMapping(8080)})};
    CHECK(ChooseNode(p, nodes, placed, f.clock.Now(), 90s).node == "n1");
  }
}

TEST_CASE("port set: counted per holder, freed by the last", "[scheduler][ports]") {
  PortSet held;
  HostPort http{"", 8080, "tcp"};
  held.Add(http);
  held.Add(http);
  std::vector<HostPort> wanted = {{"", 9090, "tcp"}, {"10.0.0.1", 8080, "tcp"}};
  CHECK(held.FirstClash(wanted) == 1);
  held.Remove(http);
  CHECK(held.FirstClash(wanted) == 1);
  held.Remove(http);
  CHECK(held.FirstClash(wanted) == -1);
  CHECK(held.empty());
  held.Remove(http);  // removing what is not held changes nothing
  CHECK(held.empty());
}

// ---- limits ------------------------------------------------------------------------

TEST_CASE("placement: without spec.resources the services' limits are the requests",
          "[scheduler][limits]") {
  Fixture f;
  api::Project p = f.AddProject("p", "Pending");
  p.spec.services.push_back(p.spec.services[0]);
  p.spec.services[0].resources.limits.cpu = "300m";
  p.spec.services[0].resources.limits.memory = "256Mi";
  p.spec.services[1].resources.limits.cpu = "0.2";
  p.spec.services[1].resources.limits.memory = "768Mi";
  Resources r = ProjectRequests(p);
  CHECK(r.cpu_milli == 500);
  CHECK(r.memory_milli == 1024LL * 1024 * 1024 * 1000);

  std::vector<api::Node> nodes = {
      f.AddNode("small", "Ready", 0s, {{"cpu", "4"}, {"memory", "1000Mi"}})};
  CHECK(ChooseNode(p, nodes, {}, f.clock.Now(), 90s).message ==
        "0/1 nodes available: 1 insufficient memory");
  // spec.resources, when set, is what counts.
  p.spec.resources.memory = "512Mi";
  CHECK(ProjectRequests(p).cpu_milli == 0);
  CHECK(ChooseNode(p, nodes, {}, f.clock.Now(), 90s).node == "small");
  // Placed projects' limits count against the node the same way.
  api::Project limited = p;
  limited.metadata.name = "limited";
  limited.spec.resources = {};
  limited.status.phase = "Running";
  limited.status.node_ref = "small";
  CHECK(ChooseNode(p, nodes, {limited}, f.clock.Now(), 90s).message ==
        "0/1 nodes available: 1 insufficient memory");
}

// ---- the Unschedulable message -------------------------------------------------------

TEST_CASE("placement: every node counts once, under the first check it fails", "[scheduler]") {
  Fixture f;
  api::Node draining = f.AddNode("draining", "NotReady", 5min);  // Draining wins over NotReady
  draining.spec.unschedulable = true;
  std::vector<api::Node> nodes = {
      draining,
      Labelled(f.AddNode("down", "NotReady"), {}),  // NotReady wins over the selector
      Labelled(f.AddNode("elsewhere", "Ready", 0s, {{"cpu", "1m"}}), {{"zone", "us-1"}}),
      Labelled(f.AddNode("busy", "Ready", 0s, {{"cpu", "1m"}}), {{"zone", "eu-1"}}),
      Labelled(f.AddNode("tiny", "Ready", 0s, {{"cpu", "1m"}, {"memory", "1Ki"}}),
               {{"zone", "eu-1"}}),
      Labelled(f.AddNode("full", "Ready", 0s, {{"memory", "1Ki"}}), {{"zone", "eu-1"}}),
      Labelled(f.AddNode("busy-udp", "Ready"), {{"zone", "eu-1"}})};
  std::vector<api::Project> placed = {
      Publishing("a", "Running", "busy", {HostPortMapping(8080)}),
      Publishing("b", "Running", "busy-udp", {HostPortMapping(5353, "udp")})};
  api::Project p =
      Publishing("p", "Pending", "", {HostPortMapping(8080), HostPortMapping(5353, "udp")});
  p.spec.node_selector = {{"zone", "eu-1"}};
  p.spec.resources.cpu = "500m";
  p.spec.resources.memory = "1Mi";
  Placement placement = ChooseNode(p, nodes, placed, f.clock.Now(), 90s);
  CHECK(placement.node.empty());
  CHECK(placement.message ==
        "0/7 nodes available: 1 NotReady, 1 Draining, 1 didn't match nodeSelector, "
        "1 port 8080/tcp in use, 1 port 5353/udp in use, 1 insufficient cpu, "
        "1 insufficient memory");
}

// ---- the scheduler's cache -------------------------------------------------------------

TEST_CASE("scheduler: a port is free again only when its holder has terminated",
          "[scheduler][ports]") {
  Fixture f;
  SchedulerController scheduler(f.store.get(), &f.clock, f.config);
  f.AddNode("n1", "Ready");
  f.Create(Publishing("first", "Pending", "", {HostPortMapping(8080)}));
  f.Create(Publishing("second", "Pending", "", {HostPortMapping(8080)}));
  REQUIRE(scheduler.Reconcile("first").ok());
  CHECK(f.Project("first").status.node_ref == "n1");
  REQUIRE(scheduler.Reconcile("second").ok());
  api::Project second = f.Project("second");
  CHECK(second.status.phase == "Pending");
  REQUIRE(Cond(second, "Phase"));
  CHECK(Cond(second, "Phase")->message == "0/1 nodes available: 1 port 8080/tcp in use");

  auto set_phase = [&](const char* phase) {
    REQUIRE(f.store
                ->UpdateProject("first",
                                [&](api::Project& p) {
                                  p.status.phase = phase;
                                  return Status::Ok();
                                })
                .ok());
  };
  RecordingEnqueuer enqueuer;
  set_phase("Terminating");  // its containers may still hold the port
  scheduler.OnEvent(
      {store::EventType::kUpdated, api::kKindProject, "first", "Scheduled", "Terminating"},
      enqueuer);
  CHECK(enqueuer.resyncs == 1);  // room freed: cpu and memory
  REQUIRE(scheduler.Reconcile("second").ok());
  CHECK(f.Project("second").status.phase == "Pending");

  set_phase("Terminated");
  scheduler.OnEvent(
      {store::EventType::kUpdated, api::kKindProject, "first", "Terminating", "Terminated"},
      enqueuer);
  CHECK(enqueuer.resyncs == 2);  // the port is free: waiting projects may fit
  REQUIRE(scheduler.Reconcile("second").ok());
  CHECK(f.Project("second").status.phase == "Scheduled");
  CHECK(f.Project("second").status.node_ref == "n1");
}

// ---- rescheduler: pinning ----------------------------------------------------------------

TEST_CASE("rescheduler pins projects with a Persistent volume to their NotReady node",
          "[rescheduler][pinned]") {
  Fixture f;
  ReschedulerController rescheduler(f.store.get(), &f.clock, f.config);
  f.AddNode("node-1", "NotReady", 5min);
  auto persistent = [&](const std::string& name, const std::string& phase) {
    api::Project p = Publishing(name, phase, "node-1", {});
    api::VolumeDef data;
    data.name = "data";
    data.type = api::kVolumePersistent;
    p.spec.volumes.push_back(data);
    f.Create(p);
  };
  persistent("db", "Running");
  persistent("db-starting", "Scheduled");
  f.AddProject("web", "Running", "node-1");

  auto r = rescheduler.Reconcile("node-1");
  REQUIRE(r.ok());
  for (const char* name : {"db", "db-starting"}) {
    api::Project db = f.Project(name);
    CHECK(db.status.node_ref == "node-1");
    const api::Condition* pinned = Cond(db, "Pinned");
    REQUIRE(pinned);
    CHECK(pinned->status == "True");
    CHECK(pinned->reason == "PersistentVolume");
    CHECK(pinned->message == "pinned to node-1, which holds its persistent volume data");
    CHECK(Cond(db, "NotReadyAt") == nullptr);  // no grace period clock: it is not moving
  }
  CHECK(f.Project("db").status.phase == "Running");
  CHECK(f.Project("db-starting").status.phase == "Scheduled");
  REQUIRE(Cond(f.Project("web"), "NotReadyAt"));

  // Past the grace period the ephemeral project moves; the pinned ones stay,
  // and looking again writes nothing new.
  std::string rv = f.Project("db").metadata.resource_version;
  f.clock.Advance(1h);
  r = rescheduler.Reconcile("node-1");
  REQUIRE(r.ok());
  CHECK_FALSE(r->requeue_after);
  CHECK(f.Project("web").status.phase == "Pending");
  CHECK(f.Project("db").status.phase == "Running");
  CHECK(f.Project("db").metadata.resource_version == rv);

  // The node returns: nothing moves, the condition goes.
  f.SetNodeReady("node-1", true);
  auto keys = rescheduler.ResyncKeys();
  REQUIRE(keys.ok());
  CHECK(std::count(keys->begin(), keys->end(), "node-1") > 0);  // stale Pinned found
  REQUIRE(rescheduler.Reconcile("node-1").ok());
  api::Project db = f.Project("db");
  CHECK(db.status.phase == "Running");
  CHECK(db.status.node_ref == "node-1");
  CHECK(Cond(db, "Pinned") == nullptr);
}

TEST_CASE("rescheduler unpins a project whose Persistent volume is removed",
          "[rescheduler][pinned]") {
  Fixture f;
  ReschedulerController rescheduler(f.store.get(), &f.clock, f.config);
  f.AddNode("node-1", "NotReady", 5min);
  api::Project p = f.AddProject("db", "Running", "node-1");
  REQUIRE(f.store
              ->UpdateProject("db",
                              [&](api::Project& q) {
                                q.spec.volumes.push_back({"data", api::kVolumePersistent});
                                return Status::Ok();
                              })
              .ok());
  REQUIRE(rescheduler.Reconcile("node-1").ok());
  REQUIRE(Cond(f.Project("db"), "Pinned"));

  REQUIRE(f.store
              ->UpdateProject("db",
                              [&](api::Project& q) {
                                q.spec.volumes[0].type = api::kVolumeEphemeral;
                                return Status::Ok();
                              })
              .ok());
  auto r = rescheduler.Reconcile("node-1");
  REQUIRE(r.ok());
  api::Project db = f.Project("db");
  CHECK(Cond(db, "Pinned") == nullptr);
  REQUIRE(Cond(db, "NotReadyAt"));  // an ordinary Running project now: grace period
  CHECK(*r->requeue_after == 3min);
}

TEST_CASE("a Secret event makes the scheduler look at Pending projects again",
          "[scheduler][secret]") {
  Fixture f;
  SchedulerController scheduler(f.store.get(), &f.clock, f.config);
  RecordingEnqueuer enqueuer;
  // An update too (a node update that changes no state would not count).
  scheduler.OnEvent({store::EventType::kUpdated, api::kKindSecret, "db", "", ""}, enqueuer);
  CHECK(enqueuer.resyncs == 1);
}

}  // namespace cara::controllers
