// The controllers at work behind a real cara-server on loopback, with short
// timings, on both stores: every transition is driven and observed over HTTP.
#include <catch2/catch.hpp>

#include "controllers/http_cluster.h"

namespace cara::testing {

TEST_CASE("node health: NotReady when silent, Ready again on heartbeat", "[controllers]") {
  for (const auto& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      Cluster c(backend);
      c.AddNode("n1");
      {
        Heartbeater beat(c.url(), "n1");
        json n = c.WaitNode("n1", "Ready");
        CHECK(Cluster::Condition(n, "Ready")["status"] == "True");
      }
      json n = c.WaitNode("n1", "NotReady");
      REQUIRE(n["status"]["state"] == "NotReady");
      json ready = Cluster::Condition(n, "Ready");
      CHECK(ready["status"] == "False");
      CHECK(ready["reason"] == "HeartbeatTimeout");
      CHECK(ready["message"] == "Agent has not posted a heartbeat within the timeout window");

      Heartbeater again(c.url(), "n1");
      n = c.WaitNode("n1", "Ready");
      CHECK(Cluster::Condition(n, "Ready")["reason"] == "AgentReady");
    }
  }
}

TEST_CASE("drain: a draining node is left alone by health and skipped by the scheduler",
          "[controllers]") {
  for (const auto& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      FakeClock clock(SystemClock::Default()->Now());
      Cluster c(backend, &clock);
      c.AddNode("n1");
      Heartbeater beat(c.url(), "n1");
      c.WaitNode("n1", "Ready");
      REQUIRE(c.api().PutJson("/api/v1/nodes/n1", {{"spec", {{"unschedulable", true}}}}).status ==
              200);
      CHECK(c.Node("n1")["status"]["state"] == "Draining");
      c.AddProject("p");
      json p = c.WaitProject(
          "p", [](const json& p) { return !Cluster::Condition(p, "Phase").is_null(); });
      CHECK(Cluster::Phase(p) == "Pending");
      CHECK(Cluster::Condition(p, "Phase")["reason"] == "Unschedulable");
      CHECK(Cluster::Condition(p, "Phase")["message"] == "0/1 nodes available: 1 Draining");

      beat.Stop();
      // Past the heartbeat timeout (2s) and a resync (1s), at which
      // node-health looks at every node again; then let it finish.
      clock.Advance(3s);
      REQUIRE(clock.AwaitIdle(c.clock_threads()));
      CHECK(c.Node("n1")["status"]["state"] == "Draining");

      // Undrain with a stale heartbeat: NotReady; the project still waits.
      REQUIRE(c.api().PutJson("/api/v1/nodes/n1", {{"spec", {{"unschedulable", false}}}}).status ==
              200);
      CHECK(c.Node("n1")["status"]["state"] == "NotReady");
      Heartbeater back(c.url(), "n1");
      p = c.WaitPhase("p", "Scheduled");
      CHECK(Cluster::NodeRef(p) == "n1");
      CHECK(Cluster::Condition(p, "Phase").is_null());  // Unschedulable cleared
    }
  }
}

TEST_CASE("an agent whose Docker does not answer: NotReady, nothing placed, Ready when it does",
          "[controllers][docker-ready]") {
  for (const auto& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      Cluster c(backend);
      c.AddNode("n1");
      const json down = {{"state", "NotReady"},
                         {"conditions",
                          {{{"type", "DockerReady"},
                            {"status", "False"},
                            {"reason", "DockerUnavailable"},
                            {"message", "cannot reach Docker at /run/docker.sock"}}}}};
      {
        Heartbeater beat(c.url(), "n1", down);
        c.AddProject("p");
        json p = c.WaitProject(
            "p", [](const json& p) { return !Cluster::Condition(p, "Phase").is_null(); });
        CHECK(Cluster::Phase(p) == "Pending");
        CHECK(Cluster::Condition(p, "Phase")["message"] == "0/1 nodes available: 1 NotReady");
        json n = c.Node("n1");
        CHECK(n["status"]["state"] == "NotReady");
        CHECK(Cluster::Condition(n, "DockerReady")["status"] == "False");
        CHECK(Cluster::Condition(n, "DockerReady")["message"] ==
              "cannot reach Docker at /run/docker.sock");
        CHECK(Cluster::Condition(n, "Ready")["reason"] == "DockerUnavailable");
      }
      json up = down;
      up["state"] = "Ready";
      up["conditions"][0] = {{"type", "DockerReady"}, {"status", "True"}};
      Heartbeater beat(c.url(), "n1", up);
      json p = c.WaitPhase("p", "Scheduled");
      CHECK(Cluster::NodeRef(p) == "n1");
      json n = c.Node("n1");
      CHECK(n["status"]["state"] == "Ready");
      CHECK(Cluster::Condition(n, "DockerReady")["status"] == "True");
      CHECK(Cluster::Condition(n, "Ready")["reason"] == "AgentReady");

      // An agent that does not check Docker (the original) reports Ready
      // alone: no DockerReady is kept for it, False or not.
      beat.Stop();
      REQUIRE(c.api().PostJson("/api/v1/nodes/n1/heartbeat", down).status == 204);
      REQUIRE(c.api().PostJson("/api/v1/nodes/n1/heartbeat", {{"state", "Ready"}}).status == 204);
      n = c.Node("n1");
      CHECK(n["status"]["state"] == "Ready");
      CHECK(Cluster::Condition(n, "DockerReady").is_null());
    }
  }
}

TEST_CASE("scheduler: resource-aware placement and waiting for room", "[controllers]") {
  for (const auto& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      Cluster c(backend);
      c.AddNode("small");
      c.AddNode("big");
      Heartbeater small(
          c.url(), "small",
          {{"state", "Ready"}, {"allocatable", {{"cpu", "2000m"}, {"memory", "1Gi"}}}});
      Heartbeater big(c.url(), "big",
                      {{"state", "Ready"}, {"allocatable", {{"cpu", "2000m"}, {"memory", "2Gi"}}}});
      c.WaitNode("small", "Ready");
      c.WaitNode("big", "Ready");

      c.AddProject("a", {{"resources", {{"cpu", "500m"}, {"memory", "1536Mi"}}}});
      CHECK(Cluster::NodeRef(c.WaitPhase("a", "Scheduled")) == "big");
      // "big" has 512Mi left, "small" 1Gi: the most free memory wins.
      c.AddProject("b", {{"resources", {{"memory", "256Mi"}}}});
      CHECK(Cluster::NodeRef(c.WaitPhase("b", "Scheduled")) == "small");

      c.AddProject("huge", {{"resources", {{"memory", "1Gi"}}}});
      json huge = c.WaitProject(
          "huge", [](const json& p) { return !Cluster::Condition(p, "Phase").is_null(); });
      CHECK(Cluster::Phase(huge) == "Pending");
      CHECK(Cluster::Condition(huge, "Phase")["message"] ==
            "0/2 nodes available: 2 insufficient memory");

      // Deleting "a" frees room on "big" and the waiting project moves in.
      REQUIRE(c.api().Delete("/api/v1/projects/a?force=true").status == 204);
      CHECK(Cluster::NodeRef(c.WaitPhase("huge", "Scheduled")) == "big");
    }
  }
}

TEST_CASE("scenario: a node goes silent, its projects move, the node returns", "[controllers]") {
  for (const auto& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      Cluster c(backend);
      c.AddNode("node-a");
      auto beat_a = std::make_unique<Heartbeater>(c.url(), "node-a");
      c.WaitNode("node-a", "Ready");
      c.AddProject("sched");
      c.AddProject("run");
      c.AddProject("term");
      for (const char* p : {"sched", "run", "term"}) {
        REQUIRE(Cluster::NodeRef(c.WaitPhase(p, "Scheduled")) == "node-a");
      }
      c.Patch("run", "Running");
      c.Patch("term", "Running");
      REQUIRE(c.api().Delete("/api/v1/projects/term").status == 202);
      CHECK(Cluster::Phase(c.Project("term")) == "Terminating");

      beat_a.reset();  // node-a goes silent
      c.WaitNode("node-a", "NotReady");
      // Scheduled projects reset at once; there is no other node yet.
      json sched = c.WaitPhase("sched", "Pending");
      CHECK(Cluster::NodeRef(sched) == "");
      // NodeNotReady, soon replaced by the scheduler's verdict: nowhere to go.
      std::string reason = Cluster::Condition(sched, "Phase")["reason"];
      CHECK((reason == "NodeNotReady" || reason == "Unschedulable"));
      // Running projects get a grace period clock first.
      json run = c.WaitProject(
          "run", [](const json& p) { return !Cluster::Condition(p, "NotReadyAt").is_null(); });
      CHECK(Cluster::Phase(run) == "Running");

      c.AddNode("node-b");
      Heartbeater beat_b(c.url(), "node-b");
      CHECK(Cluster::NodeRef(c.WaitPhase("sched", "Scheduled")) == "node-b");
      // After the grace period the Running project moves too, markers cleared.
      run = c.WaitPhase("run", "Scheduled");
      CHECK(Cluster::NodeRef(run) == "node-b");
      CHECK(Cluster::Condition(run, "NotReadyAt").is_null());
      // The Terminating project is force-terminated after its timeout, then removed.
      CHECK(c.WaitGone("term"));

      // node-a returns and takes new work again.
      Heartbeater back(c.url(), "node-a");
      json a = c.WaitNode("node-a", "Ready");
      CHECK(Cluster::Condition(a, "Ready")["status"] == "True");
      REQUIRE(
          c.api().PutJson("/api/v1/nodes/node-b", {{"spec", {{"unschedulable", true}}}}).status ==
          200);
      c.AddProject("later");
      CHECK(Cluster::NodeRef(c.WaitPhase("later", "Scheduled")) == "node-a");
    }
  }
}

TEST_CASE("markers are cleared when the node recovers within the grace period", "[controllers]") {
  for (const auto& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      Cluster c(backend);
      c.AddNode("n1");
      auto beat = std::make_unique<Heartbeater>(c.url(), "n1");
      c.WaitNode("n1", "Ready");
      c.AddProject("run");
      c.WaitPhase("run", "Scheduled");
      c.Patch("run", "Running");
      beat.reset();
      c.WaitProject("run",
                    [](const json& p) { return !Cluster::Condition(p, "NotReadyAt").is_null(); });
      beat = std::make_unique<Heartbeater>(c.url(), "n1");
      json run = c.WaitProject(
          "run", [](const json& p) { return Cluster::Condition(p, "NotReadyAt").is_null(); });
      CHECK(Cluster::Condition(run, "NotReadyAt").is_null());
      CHECK(Cluster::Phase(run) == "Running");
      CHECK(Cluster::NodeRef(run) == "n1");
    }
  }
}

TEST_CASE("termination removes Terminated projects at once", "[controllers]") {
  for (const auto& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      Cluster c(backend);
      c.AddProject("p");
      c.Patch("p", "Terminated");
      CHECK(c.WaitGone("p"));
    }
  }
}

TEST_CASE("expiry deletes projects when spec.expireAt passes", "[controllers]") {
  for (const auto& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      Cluster c(backend);
      c.AddNode("n1");
      Heartbeater beat(c.url(), "n1");
      c.WaitNode("n1", "Ready");
      auto soon = [] {
        auto t = std::chrono::system_clock::now() + 1500ms;
        std::time_t tt = std::chrono::system_clock::to_time_t(t);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
        return std::string(buf);
      };
      // A resync interval (1s) would not be precise enough to see both steps below.
      c.AddProject("placed", {{"expireAt", soon()}});
      c.WaitPhase("placed", "Scheduled");
      c.Patch("placed", "Running");
      json placed = c.WaitPhase("placed", "Terminating");
      CHECK(Cluster::Condition(placed, "Phase")["reason"] == "Expired");
      CHECK(Cluster::NodeRef(placed) == "n1");

      REQUIRE(c.api().PutJson("/api/v1/nodes/n1", {{"spec", {{"unschedulable", true}}}}).status ==
              200);
      // Created Pending (from the create response: a later read may come
      // after its expiry already).
      CHECK(Cluster::Phase(c.AddProject("waiting", {{"expireAt", soon()}})) == "Pending");
      CHECK(c.WaitGone("waiting"));
    }
  }
}

}  // namespace cara::testing
