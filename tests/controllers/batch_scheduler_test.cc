// The batched scheduler's invariants on real SQLite and PostgreSQL: its
// decisions are those of the one-at-a-time rules, no node goes over its
// allocatable, a project is placed once even when two schedulers race, and
// a project changed or a node cordoned or deleted between the decisions and
// their write (made here from inside the decision pass, through the Secret
// lookup the scheduler calls while deciding) gets nothing and is looked at
// again at once.
#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <memory>
#include <thread>

#include "api/lifecycle.h"
#include "api/quantity.h"
#include "controllers/scheduler.h"
#include "store/store.h"
#include "support/fake_clock.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace cara::controllers {
namespace {

using namespace std::chrono_literals;

// A store on a fresh database of `backend`; Open() gives another Store on
// the same database (a second replica).
struct BatchEnv {
  explicit BatchEnv(const std::string& backend) {
    url = backend == "postgres" ? testing::PostgresServer::Shared().FreshDatabaseUrl()
                                : "sqlite:" + dir.path() + "/cara.db";
    store = Open();
    config.heartbeat_timeout = 90s;
  }
  std::unique_ptr<store::Store> Open() {
    auto backend = store::OpenBackend(url, "");
    REQUIRE(backend.ok());
    return std::make_unique<store::Store>(std::move(*backend), &clock);
  }

  void AddNode(const std::string& name, const std::string& cpu, const std::string& memory,
               api::StringMap labels = {}) {
    api::Node n;
    n.metadata.name = name;
    n.metadata.labels = std::move(labels);
    n.status.allocatable = {{"cpu", cpu}, {"memory", memory}};
    n.status.last_heartbeat = clock.Now();
    api::MarkNodeReady(n, clock.Now());
    REQUIRE(store->CreateNode(n).ok());
  }
  void AddProject(const std::string& name, const std::string& cpu, const std::string& memory,
                  api::StringMap selector = {}, int64_t host_port = 0) {
    api::Project p;
    p.metadata.name = name;
    api::ServiceDef web;
    web.name = "web";
    web.image = "cara/busybox:test";
    if (host_port) {
      api::PortMapping m;
      m.container_port = 80;
      m.host_port = host_port;
      m.protocol = "tcp";
      web.ports.push_back(m);
    }
    p.spec.services.push_back(web);
    p.spec.resources = {cpu, memory};
    p.spec.node_selector = std::move(selector);
    p.status.phase = api::kPhasePending;
    REQUIRE(store->CreateProject(p).ok());
  }
  api::Project Project(const std::string& name) {
    auto p = store->GetProject(name);
    REQUIRE(p.ok());
    return *p;
  }

  testing::TempDir dir;
  std::string url;
  FakeClock clock{Timestamp(std::chrono::hours(24 * 365 * 55))};
  std::unique_ptr<store::Store> store;
  ControllerConfig config;
};

// A fixed scenario that exercises every rule: uneven nodes, selectors,
// host ports, projects that fit nowhere.
void LoadScenario(BatchEnv& env) {
  env.AddNode("small", "2", "2Gi");
  env.AddNode("big", "8", "16Gi", {{"disk", "ssd"}});
  env.AddNode("mid", "4", "8Gi", {{"zone", "eu"}});
  env.AddNode("edge", "1", "1Gi", {{"zone", "eu"}});
  for (int i = 0; i < 40; ++i) {
    const std::string name = "p" + std::to_string(100 + i);
    const std::string cpu = std::to_string(250 * (1 + i % 4)) + "m";
    const std::string memory = std::to_string(256 * (1 + i % 5)) + "Mi";
    api::StringMap selector;
    if (i % 7 == 3) selector = {{"zone", "eu"}};
    if (i % 11 == 5) selector = {{"disk", "ssd"}};
    env.AddProject(name, cpu, memory, selector, i % 6 == 0 ? 8080 : 0);
  }
}

std::vector<std::string> Names(int count, int first = 100) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back("p" + std::to_string(first + i));
  return names;
}

// Node (or "Pending: <message>") of each project.
std::map<std::string, std::string> Outcome(store::Store& store) {
  auto projects = store.ListProjects();
  REQUIRE(projects.ok());
  std::map<std::string, std::string> out;
  for (const auto& p : *projects) {
    if (p.status.phase == api::kPhaseScheduled) {
      out[p.metadata.name] = p.status.node_ref;
    } else {
      const api::Condition* c = api::FindCondition(p.status.conditions, api::condition::kPhase);
      out[p.metadata.name] = p.status.phase + ": " + (c ? c->message : "");
    }
  }
  return out;
}

// No node holds more than its allocatable.
void CheckNoNodeOvercommitted(store::Store& store) {
  auto nodes = store.ListNodes();
  REQUIRE(nodes.ok());
  for (const auto& node : *nodes) {
    auto placed = store.ListProjects({{api::kPhaseScheduled}, node.metadata.name});
    REQUIRE(placed.ok());
    int64_t cpu = 0, memory = 0;
    for (const auto& p : *placed) {
      Resources r = ProjectRequests(p);
      cpu += r.cpu_milli;
      memory += r.memory_milli;
    }
    INFO(node.metadata.name);
    CHECK(cpu <= api::ParseQuantity(node.status.allocatable.at("cpu"))->milli);
    CHECK(memory <= api::ParseQuantity(node.status.allocatable.at("memory"))->milli);
  }
}

// A Secret lookup that runs `action` the first time it is asked (from
// inside the scheduler's decision pass) and finds every Secret.
api::SecretLookup DuringDecisions(std::function<void()> action) {
  auto pending = std::make_shared<std::function<void()>>(std::move(action));
  return [pending](const std::string& name) -> std::optional<api::Secret> {
    if (*pending) std::exchange(*pending, nullptr)();
    api::Secret s;
    s.metadata.name = name;
    s.digests = {{"key", "sha256:00"}};
    return s;
  };
}

// Makes the project reference Secret "trigger" (so deciding it calls the lookup).
void ReferenceSecret(store::Store& store, const std::string& project) {
  REQUIRE(store
              .UpdateProject(project,
                             [](api::Project& p) {
                               api::EnvVar e;
                               e.name = "TOKEN";
                               e.value_from = api::SecretKeyRef{"trigger", "key"};
                               p.spec.services[0].env.push_back(e);
                               return Status::Ok();
                             })
              .ok());
}

bool RequeuedNow(const Result<ReconcileResult>& r) {
  return r.ok() && r->requeue_after && *r->requeue_after == Duration::zero();
}

}  // namespace

TEST_CASE("batched scheduler: the same decisions as one at a time, no node overcommitted",
          "[scheduler][batch]") {
  const std::string backend = GENERATE("sqlite", "postgres");
  INFO(backend);
  BatchEnv batched(backend), single("sqlite");
  LoadScenario(batched);
  LoadScenario(single);

  // The pure rules, one project after the other, each counting the ones before.
  auto nodes = single.store->ListNodes();
  REQUIRE(nodes.ok());
  std::vector<api::Project> placed;
  std::map<std::string, std::string> expected;
  for (const std::string& name : Names(40)) {
    api::Project p = single.Project(name);
    Placement choice = ChooseNode(p, *nodes, placed, single.clock.Now(), 90s);
    expected[name] = choice.node.empty() ? "Pending: " + choice.message : choice.node;
    if (!choice.node.empty()) {
      p.status.phase = api::kPhaseScheduled;
      p.status.node_ref = choice.node;
      placed.push_back(p);
    }
  }
  REQUIRE(placed.size() > 10);  // the scenario places many
  REQUIRE(placed.size() < 40);  // and leaves some Pending
  SchedulerController one_by_one(single.store.get(), &single.clock, single.config);
  for (const std::string& name : Names(40)) REQUIRE(one_by_one.Reconcile(name).ok());
  CHECK(Outcome(*single.store) == expected);

  SchedulerController scheduler(batched.store.get(), &batched.clock, batched.config);
  auto results = scheduler.ReconcileBatch(Names(40));
  REQUIRE(results.size() == 40);
  for (const auto& r : results) REQUIRE(r.ok());
  CHECK(Outcome(*batched.store) == expected);
  CheckNoNodeOvercommitted(*batched.store);
}

TEST_CASE("batched scheduler: a project changed mid-batch is skipped and looked at again",
          "[scheduler][batch]") {
  const std::string backend = GENERATE("sqlite", "postgres");
  INFO(backend);
  BatchEnv env(backend);
  env.AddNode("n1", "16", "64Gi");
  for (int i = 0; i < 8; ++i) env.AddProject("p" + std::to_string(100 + i), "100m", "64Mi");
  ReferenceSecret(*env.store, "p100");
  // Someone labels p105 after the scheduler read it, before the write.
  SchedulerController scheduler(env.store.get(), &env.clock, env.config, DuringDecisions([&] {
                                  REQUIRE(env.store
                                              ->UpdateProject("p105",
                                                              [](api::Project& p) {
                                                                p.metadata.labels["team"] = "a";
                                                                return Status::Ok();
                                                              })
                                              .ok());
                                }));
  auto results = scheduler.ReconcileBatch(Names(8));
  for (int i = 0; i < 8; ++i) {
    INFO(i);
    api::Project p = env.Project("p" + std::to_string(100 + i));
    if (i == 5) {
      CHECK(p.status.phase == api::kPhasePending);
      CHECK(p.metadata.labels.at("team") == "a");  // the other write stands
      CHECK(RequeuedNow(results[i]));
    } else {
      CHECK(p.status.phase == api::kPhaseScheduled);
      CHECK(results[i].ok());
      CHECK_FALSE(RequeuedNow(results[i]));
    }
  }
  // Looked at again, it is placed, once.
  auto again = scheduler.Reconcile("p105");
  REQUIRE(again.ok());
  CHECK_FALSE(RequeuedNow(again));
  CHECK(env.Project("p105").status.node_ref == "n1");
}

TEST_CASE("batched scheduler: a node cordoned or deleted mid-batch gets nothing",
          "[scheduler][batch]") {
  const std::string backend = GENERATE("sqlite", "postgres");
  const std::string change = GENERATE("cordon", "delete");
  INFO(backend << " " << change);
  BatchEnv env(backend);
  // Equal nodes: "most free memory" alternates between them.
  env.AddNode("n1", "16", "64Gi");
  env.AddNode("n2", "16", "64Gi");
  env.AddNode("n3", "16", "64Gi");
  for (int i = 0; i < 12; ++i) env.AddProject("p" + std::to_string(100 + i), "100m", "1Gi");
  ReferenceSecret(*env.store, "p100");
  SchedulerController scheduler(env.store.get(), &env.clock, env.config, DuringDecisions([&] {
                                  if (change == "delete") {
                                    REQUIRE(env.store->DeleteNode("n2").ok());
                                    return;
                                  }
                                  REQUIRE(env.store
                                              ->UpdateNode("n2",
                                                           [](api::Node& n) {
                                                             n.spec.unschedulable = true;
                                                             return Status::Ok();
                                                           })
                                              .ok());
                                }));
  auto results = scheduler.ReconcileBatch(Names(12));
  int refused = 0;
  for (int i = 0; i < 12; ++i) {
    api::Project p = env.Project("p" + std::to_string(100 + i));
    INFO(p.metadata.name);
    CHECK(p.status.node_ref != "n2");
    if (p.status.phase == api::kPhasePending) {
      CHECK(RequeuedNow(results[i]));
      ++refused;
    }
  }
  CHECK(refused == 4);  // the batch had chosen n2 for every third project
  // Looked at again on a refreshed view, they go elsewhere.
  std::vector<std::string> pending;
  for (int i = 0; i < 12; ++i) {
    if (env.Project("p" + std::to_string(100 + i)).status.phase == api::kPhasePending)
      pending.push_back("p" + std::to_string(100 + i));
  }
  for (const auto& r : scheduler.ReconcileBatch(pending)) CHECK_FALSE(RequeuedNow(r));
  for (int i = 0; i < 12; ++i) {
    api::Project p = env.Project("p" + std::to_string(100 + i));
    CHECK(p.status.phase == api::kPhaseScheduled);
    CHECK(p.status.node_ref != "n2");
  }
}

TEST_CASE("batched scheduler: two racing schedulers place each project once",
          "[scheduler][batch]") {
  const std::string backend = GENERATE("sqlite", "postgres");
  INFO(backend);
  BatchEnv env(backend);
  for (int i = 0; i < 4; ++i) env.AddNode("n" + std::to_string(i), "64", "256Gi");
  const int kProjects = 120;
  for (int i = 0; i < kProjects; ++i) env.AddProject("p" + std::to_string(100 + i), "10m", "1Mi");
  // Two replicas, each with its own store and scheduler (as two leaders
  // would be), each counting the placements it wrote.
  std::unique_ptr<store::Store> other = env.Open();
  std::map<std::string, int> placements;
  std::mutex mu;
  auto count = [&](const store::Event& e) {
    if (e.kind != api::kKindProject || e.new_phase != api::kPhaseScheduled) return;
    std::lock_guard<std::mutex> lock(mu);
    placements[e.name] += e.old_phase == api::kPhasePending ? 1 : 100;
  };
  int sub_a = env.store->Subscribe(count), sub_b = other->Subscribe(count);
  SchedulerController a(env.store.get(), &env.clock, env.config);
  SchedulerController b(other.get(), &env.clock, env.config);
  // Both decide on the same Pending view, then race their writes.
  std::vector<std::string> names = Names(kProjects);
  std::vector<std::string> reversed(names.rbegin(), names.rend());
  std::thread racer([&] {
    for (int round = 0; round < 3; ++round) (void)b.ReconcileBatch(reversed);
  });
  for (int round = 0; round < 3; ++round) (void)a.ReconcileBatch(names);
  racer.join();
  env.store->Unsubscribe(sub_a);
  other->Unsubscribe(sub_b);
  REQUIRE(placements.size() == static_cast<size_t>(kProjects));
  // Read back through a store of its own: on SQLite a store hears nothing of
  // another's writes to the file, so either racer's read cache may hold the
  // Pending copy it decided on (one server per file is what cara-server runs).
  std::unique_ptr<store::Store> reader = env.Open();
  for (const auto& [name, times] : placements) {
    INFO(name);
    CHECK(times == 1);
    auto project = reader->GetProject(name);
    REQUIRE(project.ok());
    CHECK(project->status.phase == api::kPhaseScheduled);
  }
}

}  // namespace cara::controllers
