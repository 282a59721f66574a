// Placement rules end to end: a real cara-server with its controllers, nodes
// registered and heartbeating through the API, on both stores; everything
// goes over HTTP.
#include <catch2/catch.hpp>

#include "controllers/http_cluster.h"

namespace cara::testing {
namespace {

// A project spec whose one service publishes `host_port`.
json Publishing(int host_port) {
  return {{"services",
           {{{"name", "web"},
             {"image", "cara/busybox:test"},
             {"ports", {{{"containerPort", 80}, {"hostPort", host_port}}}}}}}};
}

json WithPersistentVolume() {
  return {{"services",
           {{{"name", "db"},
             {"image", "cara/busybox:test"},
             {"volumeMounts", {{{"name", "data"}, {"mountPath", "/data"}}}}}}},
          {"volumes", {{{"name", "data"}, {"type", "Persistent"}}}}};
}

}  // namespace

TEST_CASE("placement over HTTP: a nodeSelector picks the node with its labels",
          "[controllers][placement]") {
  for (const auto& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      Cluster c(backend);
      auto eu = c.AddReadyNode("eu", {{"zone", "eu-1"}});
      auto us = c.AddReadyNode("us", {{"zone", "us-1"}, {"disk", "ssd"}});
      REQUIRE(c.Node("us")["metadata"]["labels"]["zone"] == "us-1");  // heartbeats keep labels

      // Without a selector the older node would win the tie.
      c.AddProject("anywhere");
      CHECK(Cluster::NodeRef(c.WaitPhase("anywhere", "Scheduled")) == "eu");
      c.AddProject("in-us", {{"nodeSelector", {{"zone", "us-1"}}}});
      CHECK(Cluster::NodeRef(c.WaitPhase("in-us", "Scheduled")) == "us");
      c.AddProject("nowhere", {{"nodeSelector", {{"zone", "us-1"}, {"disk", "hdd"}}}});
      CHECK(c.WaitUnschedulable("nowhere") == "0/2 nodes available: 2 didn't match nodeSelector");
    }
  }
}

TEST_CASE("placement over HTTP: a second project asking for a held host port waits",
          "[controllers][placement]") {
  for (const auto& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      Cluster c(backend);
      auto beat = c.AddReadyNode("n1");
      c.AddProject("first", Publishing(8080));
      CHECK(Cluster::NodeRef(c.WaitPhase("first", "Scheduled")) == "n1");
      c.AddProject("other-port", Publishing(8081));
      CHECK(Cluster::NodeRef(c.WaitPhase("other-port", "Scheduled")) == "n1");

      c.AddProject("second", Publishing(8080));
      CHECK(c.WaitUnschedulable("second") == "0/1 nodes available: 1 port 8080/tcp in use");

      // The holder goes: the port is free and the waiting project moves in.
      REQUIRE(c.api().Delete("/api/v1/projects/first?force=true").status == 204);
      CHECK(Cluster::NodeRef(c.WaitPhase("second", "Scheduled")) == "n1");
    }
  }
}

TEST_CASE("rescheduling over HTTP: a project with a Persistent volume stays pinned to its node",
          "[controllers][pinned]") {
  for (const auto& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      Cluster c(backend);
      auto beat = c.AddReadyNode("node-1");
      c.AddProject("db", WithPersistentVolume());
      c.AddProject("web");
      for (const char* p : {"db", "web"}) {
        REQUIRE(Cluster::NodeRef(c.WaitPhase(p, "Scheduled")) == "node-1");
        c.Patch(p, "Running");
      }

      beat.reset();  // node-1 goes silent
      c.WaitNode("node-1", "NotReady");
      auto beat2 = c.AddReadyNode("node-2");
      // Past the grace period the ephemeral project moves to node-2 ...
      CHECK(Cluster::NodeRef(c.WaitPhase("web", "Scheduled")) == "node-2");
      // ... while the one with data stays where its data is.
      json db = c.Project("db");
      CHECK(Cluster::Phase(db) == "Running");
      CHECK(Cluster::NodeRef(db) == "node-1");
      json pinned = Cluster::Condition(db, "Pinned");
      REQUIRE(pinned.is_object());
      CHECK(pinned["status"] == "True");
      CHECK(pinned["reason"] == "PersistentVolume");
      CHECK(pinned["message"] == "pinned to node-1, which holds its persistent volume data");
      CHECK(Cluster::Condition(db, "NotReadyAt").is_null());

      // node-1 returns: the project is still there, no longer marked.
      Heartbeater back(c.url(), "node-1");
      db = c.WaitProject("db",
                         [](const json& p) { return Cluster::Condition(p, "Pinned").is_null(); });
      CHECK(Cluster::Condition(db, "Pinned").is_null());
      CHECK(Cluster::Phase(db) == "Running");
      CHECK(Cluster::NodeRef(db) == "node-1");
    }
  }
}

}  // namespace cara::testing
