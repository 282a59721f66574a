// A real SQLite store on a fake clock, with helpers to add nodes and
// projects in any state: controller tests call Reconcile directly, so time
// only moves when the test says so.
#pragma once

#include <catch2/catch.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "api/lifecycle.h"
#include "controllers/config.h"
#include "store/store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace cara::controllers {

using namespace std::chrono_literals;
using testing::TempDir;

struct Fixture {
  Fixture() : clock(Timestamp(std::chrono::hours(24 * 365 * 55))) {
    auto backend = store::OpenBackend("sqlite:" + dir.path() + "/cara.db", dir.path());
    REQUIRE(backend.ok());
    store = std::make_unique<store::Store>(std::move(*backend), &clock);
    config.heartbeat_timeout = 90s;
    config.running_grace_period = 3min;
    config.terminating_timeout = 10min;
  }

  api::Node& AddNode(const std::string& name, const std::string& state,
                     std::optional<Duration> heartbeat_age = 0s, api::StringMap allocatable = {}) {
    api::Node n;
    n.metadata.name = name;
    n.status.state = state;
    if (heartbeat_age) n.status.last_heartbeat = clock.Now() - *heartbeat_age;
    n.status.allocatable = std::move(allocatable);
    auto created = store->CreateNode(n);
    REQUIRE(created.ok());
    nodes.push_back(*created);
    return nodes.back();
  }

  api::Project AddProject(const std::string& name, const std::string& phase,
                          const std::string& node = "", api::ResourceRequests requests = {}) {
    api::Project p;
    p.metadata.name = name;
    p.spec.services.push_back(
        {"web", "cara/busybox:test", {}, {}, {}, "", {}, std::nullopt, "", {}, {}});
    p.spec.resources = requests;
    p.status.phase = phase;
    p.status.node_ref = node;
    return Create(p);
  }
  api::Project Create(const api::Project& p) {
    auto created = store->CreateProject(p);
    REQUIRE(created.ok());
    return *created;
  }

  // Marks a node Ready or NotReady as node-health would.
  void SetNodeReady(const std::string& name, bool ready) {
    REQUIRE(store
                ->UpdateNode(name,
                             [&](api::Node& n) {
                               if (ready) {
                                 api::MarkNodeReady(n, clock.Now());
                               } else {
                                 api::MarkNodeNotReady(n, clock.Now());
                               }
                               return Status::Ok();
                             })
                .ok());
  }

  api::Node Node(const std::string& name) { return *store->GetNode(name); }
  api::Project Project(const std::string& name) { return *store->GetProject(name); }
  bool ProjectExists(const std::string& name) { return store->GetProject(name).ok(); }

  TempDir dir;
  FakeClock clock;
  std::unique_ptr<store::Store> store;
  ControllerConfig config;
  std::deque<api::Node> nodes;
};

inline const api::Condition* Cond(const api::Project& p, const char* type) {
  return api::FindCondition(p.status.conditions, type);
}

}  // namespace cara::controllers
