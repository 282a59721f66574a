// Store::UpdateProjects on both databases: one transaction for the batch,
// each write checked on its own (resourceVersion, the node there and
// schedulable under its lock), a refused write skipping only itself, one
// event per written project, and a concurrent node delete that either sees
// the assignments or happens first.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <thread>

#include "api/lifecycle.h"
#include "store/store.h"
#include "store_env.h"

namespace cara::store {
namespace {

using Env = StoreEnv;

void AddNode(Store& store, const std::string& name, bool cordoned = false) {
  api::Node n;
  n.metadata.name = name;
  n.spec.unschedulable = cordoned;
  n.status.state = api::kNodeReady;
  REQUIRE(store.CreateNode(n).ok());
}

api::Project AddPending(Store& store, const std::string& name) {
  api::Project p;
  p.metadata.name = name;
  p.spec.services.push_back(
      {"web", "cara/busybox:test", {}, {}, {}, "", {}, std::nullopt, "", {}, {}});
  p.status.phase = api::kPhasePending;
  auto created = store.CreateProject(p);
  REQUIRE(created.ok());
  return *created;
}

ProjectMutator PlaceOn(const std::string& node) {
  return [node](api::Project& p) {
    if (p.status.phase != api::kPhasePending) return Status::Ok();
    p.status.phase = api::kPhaseScheduled;
    p.status.node_ref = node;
    return Status::Ok();
  };
}

Status Schedulable(const api::Node& n) {
  if (n.spec.unschedulable) return Status::Conflict("cordoned");
  return Status::Ok();
}

TEST_CASE("UpdateProjects writes a batch and skips only the writes refused", "[store][batch]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      Env env(backend);
      AddNode(*env.store, "n1");
      AddNode(*env.store, "cordoned", true);
      std::map<std::string, api::Project> p;
      for (const char* name : {"a", "b", "c", "d", "f", "g"})
        p[name] = AddPending(*env.store, name);
      // d changes after it was read.
      REQUIRE(env.store
                  ->UpdateProject("d",
                                  [](api::Project& x) {
                                    x.metadata.labels["x"] = "y";
                                    return Status::Ok();
                                  })
                  .ok());
      std::vector<Event> events;
      env.store->Subscribe([&](const Event& e) { events.push_back(e); });
      auto rv = [&](const char* name) { return p[name].metadata.resource_version; };
      std::vector<ProjectWrite> writes = {
          {"a", rv("a"), "n1", PlaceOn("n1")},
          {"b", rv("b"), "cordoned", PlaceOn("cordoned")},
          {"c", rv("c"), "gone", PlaceOn("gone")},
          {"d", rv("d"), "n1", PlaceOn("n1")},
          {"e", "", "n1", PlaceOn("n1")},                                  // no such project
          {"f", rv("f"), "", [](api::Project&) { return Status::Ok(); }},  // no change
          {"g", rv("g"), "n1", PlaceOn("n1")},
      };
      auto results = env.store->UpdateProjects(writes, Schedulable);
      REQUIRE(results.ok());
      REQUIRE(results->size() == writes.size());
      const auto& r = *results;
      REQUIRE(r[0].ok());
      CHECK(r[0]->status.node_ref == "n1");
      CHECK(r[1].status().code() == Code::kConflict);
      CHECK(r[2].status().code() == Code::kNotFound);
      CHECK(r[2].status().message() == "node gone: resource not found");
      CHECK(r[3].status().code() == Code::kConflict);
      CHECK(r[4].status().code() == Code::kNotFound);
      REQUIRE(r[5].ok());
      CHECK(r[5]->metadata.resource_version == rv("f"));  // nothing written
      REQUIRE(r[6].ok());
      // Stored as returned, with fresh increasing revisions.
      CHECK(env.store->GetProject("a")->metadata.resource_version ==
            r[0]->metadata.resource_version);
      CHECK(std::stoll(r[0]->metadata.resource_version) <
            std::stoll(r[6]->metadata.resource_version));
      for (const char* name : {"b", "c", "d", "f"}) {
        INFO(name);
        CHECK(env.store->GetProject(name)->status.phase == api::kPhasePending);
      }
      CHECK(env.store->GetProject("d")->metadata.labels.at("x") == "y");
      // One event per written project, with the body as written.
      REQUIRE(events.size() == 2);
      CHECK(events[0].name == "a");
      CHECK(events[0].old_phase == api::kPhasePending);
      CHECK(events[0].new_phase == api::kPhaseScheduled);
      CHECK(std::to_string(events[0].revision) == r[0]->metadata.resource_version);
      CHECK(events[1].name == "g");
      CHECK_FALSE(events[1].body.empty());
    }
  }
}

TEST_CASE("UpdateProjects refuses a spec change", "[store][batch]") {
  Env env("sqlite");
  api::Project a = AddPending(*env.store, "a");
  auto results = env.store->UpdateProjects({{"a", "", "", [](api::Project& p) {
                                               p.spec.services[0].image = "other";
                                               return Status::Ok();
                                             }}});
  REQUIRE(results.ok());
  CHECK((*results)[0].status().code() == Code::kInvalid);
  CHECK(env.store->GetProject("a")->metadata.resource_version == a.metadata.resource_version);
}

TEST_CASE("UpdateProjects and a concurrent node delete: assignments seen or none made",
          "[store][batch]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      Env env(backend);
      std::unique_ptr<Store> other = env.Open();  // the API replica deleting the node
      for (int round = 0; round < 10; ++round) {
        const std::string node = "n" + std::to_string(round);
        AddNode(*env.store, node);
        std::vector<ProjectWrite> writes;
        for (int i = 0; i < 20; ++i) {
          const std::string name = node + "-p" + std::to_string(i);
          writes.push_back(
              {name, AddPending(*env.store, name).metadata.resource_version, node, PlaceOn(node)});
        }
        // The server refuses to delete a node that still has projects.
        std::atomic<bool> deleted{false};
        std::thread deleter([&] {
          Status st = other->DeleteNode(node, [](const std::vector<api::Project>& on_node) {
            return on_node.empty() ? Status::Ok() : Status::Conflict("node has projects");
          });
          deleted = st.ok();
        });
        auto results = env.store->UpdateProjects(writes, Schedulable);
        deleter.join();
        REQUIRE(results.ok());
        auto on_node = env.store->ListProjects({{}, node});
        REQUIRE(on_node.ok());
        INFO(node << (deleted ? " deleted" : " kept"));
        if (deleted) {
          CHECK(on_node->empty());
          for (const auto& r : *results) CHECK(r.status().code() == Code::kNotFound);
        } else {
          CHECK(on_node->size() == writes.size());
        }
      }
    }
  }
}

}  // namespace
}  // namespace cara::store
