// Store::CountByPhase, the /metrics gauges' source: counted by the database
// on both backends, equal to counting the listed objects.
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "api/types.h"
#include "common/clock.h"
#include "store/store.h"
#include "support/fake_clock.h"
#include "support/store_databases.h"

namespace cara::store {
namespace {

using testing::Postgres;
using testing::Sqlite;

api::Project ProjectIn(const std::string& name, const std::string& phase) {
  api::Project p;
  p.metadata.name = name;
  p.spec.services.push_back(api::ServiceDef{});
  p.spec.services.back().name = "web";
  p.spec.services.back().image = "nginx:1";
  p.status.phase = phase;
  return p;
}

}  // namespace

TEMPLATE_TEST_CASE("store: objects counted per phase match the listed ones", "[store][metrics]",
                   Sqlite, Postgres) {
  TestType db;
  FakeClock clock(Timestamp(std::chrono::seconds(1714564800)));
  auto store = testing::OpenStore(db.url(), &clock);
  CHECK(store->CountByPhase(api::kKindProject).value().empty());
  const char* phases[] = {"Pending", "Running", "Running", "Failed", "Running"};
  int i = 0;
  for (const char* phase : phases) {
    REQUIRE(store->CreateProject(ProjectIn("p" + std::to_string(i++), phase)).ok());
  }
  api::Node node;
  node.metadata.name = "n1";
  node.status.state = api::kNodeReady;
  REQUIRE(store->CreateNode(node).ok());

  auto counts = store->CountByPhase(api::kKindProject);
  REQUIRE(counts.ok());
  std::map<std::string, int64_t> listed;
  auto projects = store->ListProjects();
  REQUIRE(projects.ok());
  for (const auto& p : *projects) ++listed[p.status.phase];
  CHECK(*counts == listed);
  CHECK(*counts == std::map<std::string, int64_t>{{"Failed", 1}, {"Pending", 1}, {"Running", 3}});
  CHECK(store->CountByPhase(api::kKindNode).value() ==
        std::map<std::string, int64_t>{{api::kNodeReady, 1}});

  REQUIRE(store->DeleteProject("p1").ok());
  CHECK(store->CountByPhase(api::kKindProject).value().at("Running") == 2);
}

}  // namespace cara::store
