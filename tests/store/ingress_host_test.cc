// Ingress hosts belong to one project (Txn::ClaimIngressHosts), on both
// backends: claimed on create and on a change of hosts, released on removal,
// and of concurrent claims of one host, from one store or two sharing the
// database, exactly one wins.
#include <sqlite3.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "api/types.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"
#include "support/fake_clock.h"
#include "support/postgres_server.h"
#include "support/store_databases.h"
#include "support/temp_dir.h"

namespace cara::store {
namespace {

using cara::testing::PostgresServer;
using cara::testing::TempDir;

using cara::testing::OpenStore;
using cara::testing::Postgres;
using cara::testing::Sqlite;

api::Project ProjectWithHosts(const std::string& name, const std::vector<std::string>& hosts) {
  api::Project p;
  p.metadata.name = name;
  p.spec.services.push_back({"web", "nginx", {}, {}, {}, "", {}, std::nullopt, "", {}, {}});
  for (size_t i = 0; i < hosts.size(); ++i) {
    api::IngressDef in;
    in.name = "r" + std::to_string(i);
    in.host = hosts[i];
    in.target_service = "web";
    in.target_port = 80;
    p.spec.ingress.push_back(in);
  }
  p.status.phase = api::kPhasePending;
  return p;
}

Status SetHosts(api::Project& p, const std::vector<std::string>& hosts) {
  p.spec.ingress = ProjectWithHosts(p.metadata.name, hosts).spec.ingress;
  return Status::Ok();
}

std::string Taken(const std::string& host, const std::string& holder) {
  return "ingress host \"" + host + "\" is already used by project \"" + holder + "\"";
}

void CheckTaken(const Status& st, const std::string& host, const std::string& holder) {
  INFO(st.ToString());
  CHECK(st.code() == Code::kConflict);
  CHECK(st.message() == Taken(host, holder));
}

std::vector<std::string> ProjectNames(Store& s) {
  auto projects = s.ListProjects();
  REQUIRE(projects.ok());
  std::vector<std::string> names;
  for (const auto& p : *projects) names.push_back(p.metadata.name);
  return names;
}

const Timestamp kStart = Timestamp(std::chrono::seconds(1714564800));

TEMPLATE_TEST_CASE("store: an ingress host belongs to one project", "[store][ingress]", Sqlite,
                   Postgres) {
  TestType db;
  FakeClock clock(kStart);
  auto store = OpenStore(db.url(), &clock);
  Store& s = *store;

  REQUIRE(s.CreateProject(ProjectWithHosts("a", {"shop.example.com", "web"})).ok());
  // Hosts compare case-insensitively; a host without a dot is per project.
  CheckTaken(
      s.CreateProject(ProjectWithHosts("b", {"api.example.com", "Shop.Example.COM"})).status(),
      "shop.example.com", "a");
  CHECK(s.GetProject("b").status().code() == Code::kNotFound);
  REQUIRE(s.CreateProject(ProjectWithHosts("b", {"api.example.com", "web"})).ok());
  // The host a dotless name resolves to is a's too.
  CheckTaken(s.CreateProject(ProjectWithHosts("c", {"web.a.local"})).status(), "web.a.local", "a");

  // An update that takes another project's host changes nothing.
  auto before = s.GetProject("b");
  REQUIRE(before.ok());
  CheckTaken(s.UpdateProject("b",
                             [](api::Project& p) {
                               return SetHosts(p, {"api.example.com", "shop.example.com"});
                             })
                 .status(),
             "shop.example.com", "a");
  CHECK(*s.GetProject("b") == *before);
  // Writes that leave the hosts alone are not concerned.
  REQUIRE(s.UpdateProject("b", [](api::Project& p) {
             p.status.phase = api::kPhaseScheduled;
             p.spec.services[0].image = "nginx:2";
             return Status::Ok();
           }).ok());

  // A host a project gives up, or that leaves with it, is free again.
  REQUIRE(
      s.UpdateProject("a", [](api::Project& p) { return SetHosts(p, {"new.example.com"}); }).ok());
  REQUIRE(
      s.UpdateProject("b", [](api::Project& p) { return SetHosts(p, {"shop.example.com"}); }).ok());
  CheckTaken(s.CreateProject(ProjectWithHosts("c", {"new.example.com"})).status(),
             "new.example.com", "a");
  REQUIRE(s.DeleteProject("a").ok());
  REQUIRE(s.CreateProject(ProjectWithHosts("c", {"new.example.com"})).ok());
  // A project that keeps its own host may update it freely.
  REQUIRE(s.UpdateProject("c", [](api::Project& p) {
             return SetHosts(p, {"new.example.com", "NEW.example.com", "more.example.com"});
           }).ok());
  CHECK(ProjectNames(s) == std::vector<std::string>{"b", "c"});
}

// `stores` writers (threads) spread over two stores on one database, like two
// replicas; each creates its own project claiming one host.
TEMPLATE_TEST_CASE("store: concurrent claims of one host: exactly one wins",
                   "[store][ingress][concurrency]", Sqlite, Postgres) {
  TestType db;
  FakeClock clock(kStart);
  auto first = OpenStore(db.url(), &clock);
  auto second = OpenStore(db.url(), &clock);
  constexpr int kWriters = 16;

  SECTION("creates") {
    std::vector<Status> results(kWriters);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < kWriters; ++i) {
      threads.emplace_back([&, i] {
        Store& s = i % 2 ? *first : *second;
        while (!go) std::this_thread::yield();
        results[i] = s.CreateProject(ProjectWithHosts("p" + std::to_string(i), {"one.example.com"}))
                         .status();
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    std::vector<std::string> names = ProjectNames(*first);
    REQUIRE(names.size() == 1);
    for (int i = 0; i < kWriters; ++i) {
      if ("p" + std::to_string(i) == names[0]) {
        CHECK(results[i].ok());
      } else {
        CheckTaken(results[i], "one.example.com", names[0]);
      }
    }
  }
  SECTION("updates") {
    for (int i = 0; i < kWriters; ++i) {
      REQUIRE(first->CreateProject(ProjectWithHosts("p" + std::to_string(i), {})).ok());
    }
    std::vector<Status> results(kWriters);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < kWriters; ++i) {
      threads.emplace_back([&, i] {
        Store& s = i % 2 ? *first : *second;
        while (!go) std::this_thread::yield();
        results[i] = s.UpdateProject("p" + std::to_string(i), [](api::Project& p) {
                        return SetHosts(p, {"a.example.com", "one.example.com"});
                      }).status();
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    int won = 0;
    std::string winner;
    for (int i = 0; i < kWriters; ++i) {
      if (!results[i].ok()) continue;
      ++won;
      winner = "p" + std::to_string(i);
    }
    REQUIRE(won == 1);
    for (int i = 0; i < kWriters; ++i) {
      if ("p" + std::to_string(i) == winner) continue;
      CHECK(results[i].code() == Code::kConflict);
      CHECK(results[i].message().find("is already used by project \"" + winner + "\"") !=
            std::string::npos);
      auto p = first->GetProject("p" + std::to_string(i));
      REQUIRE(p.ok());
      CHECK(p->spec.ingress.empty());
    }
  }
}

TEMPLATE_TEST_CASE("store: the migration gives existing projects their hosts, oldest first",
                   "[store][ingress][migration]", Sqlite, Postgres) {
  TestType db;
  FakeClock clock(kStart);
  {
    auto store = OpenStore(db.url(), &clock);
    REQUIRE(store->CreateProject(ProjectWithHosts("old", {"Shop.example.com", "web"})).ok());
    REQUIRE(store->CreateProject(ProjectWithHosts("other", {"x.example.com"})).ok());
  }
  // A database of the previous version, where a newer project took the
  // same host (last writer wins).
  db.Exec(
      "DROP TABLE ingress_hosts; DELETE FROM schema_migrations WHERE version = 2; "
      "UPDATE resources SET body = replace(body, 'x.example.com', 'shop.EXAMPLE.com') "
      "WHERE name = 'other'");

  auto store = OpenStore(db.url(), &clock);
  Store& s = *store;
  CheckTaken(s.CreateProject(ProjectWithHosts("new", {"shop.example.com"})).status(),
             "shop.example.com", "old");
  CheckTaken(s.CreateProject(ProjectWithHosts("new", {"web.old.local"})).status(), "web.old.local",
             "old");
  // The newer project keeps working; it takes a host only when it changes them.
  REQUIRE(s.UpdateProject("other", [](api::Project& p) {
             p.spec.services[0].image = "nginx:2";
             return Status::Ok();
           }).ok());
  CheckTaken(s.UpdateProject("other",
                             [](api::Project& p) {
                               return SetHosts(p, {"shop.example.com", "y.example.com"});
                             })
                 .status(),
             "shop.example.com", "old");
  REQUIRE(s.UpdateProject("other", [](api::Project& p) {
             return SetHosts(p, {"y.example.com"});
           }).ok());
  CheckTaken(s.CreateProject(ProjectWithHosts("new", {"y.example.com"})).status(), "y.example.com",
             "other");
}

}  // namespace
}  // namespace cara::store
