// The store's read cache (store/cached_backend.h) on real databases: reads by
// name come from memory, yet a replica reads its own writes at once, another
// replica sees them when the notification arrives, a lost listener session
// leaves nothing stale behind, and no entry outlives its age limit. The
// stores run on a fake clock that does not move unless a test says so, so
// only the mechanism under test can make a change show up.
#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <string>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "api/types.h"
#include "common/status.h"
#include "store/object_cache.h"
#include "store/store.h"
#include "support/eventually.h"
#include "support/fake_clock.h"
#include "support/postgres_server.h"
#include "support/store_databases.h"
#include "support/temp_dir.h"

namespace cara::store {
namespace {

using namespace std::chrono_literals;
using cara::testing::Eventually;
using cara::testing::PostgresServer;
using cara::testing::TempDir;

const Timestamp kStart = Timestamp(std::chrono::seconds(1714564800));

using cara::testing::Postgres;
using cara::testing::Sqlite;

std::unique_ptr<Store> OpenStore(const std::string& url, Clock* clock) {
  auto store = cara::testing::OpenStore(url, clock);
  // As cara-server does; on PostgreSQL the cache is used only while listening.
  REQUIRE(store->EnableRemoteEvents().ok());
  return store;
}

api::Project MakeProject(const std::string& name, const std::string& image = "nginx:1.25") {
  api::Project p;
  p.metadata.name = name;
  api::ServiceDef web;
  web.name = "web";
  web.image = image;
  p.spec.services.push_back(web);
  p.status.phase = api::kPhasePending;
  return p;
}

Status SetImage(Store& s, const std::string& name, const std::string& image) {
  return s
      .UpdateProject(name,
                     [&](api::Project& p) {
                       p.spec.services[0].image = image;
                       return Status::Ok();
                     })
      .status();
}

// The image GetRaw serves ("NotFound" when absent), read from the raw body so
// the bytes the API would send are what is checked.
std::string ServedImage(Store& s, const std::string& name) {
  auto body = s.GetRaw(api::kKindProject, name);
  if (!body.ok()) return std::string(CodeName(body.status().code()));
  const size_t at = body->find("\"image\":\"");
  if (at == std::string::npos) return "?";
  const size_t start = at + 9;
  return body->substr(start, body->find('"', start) - start);
}

// ---- one replica --------------------------------------------------------------

TEMPLATE_TEST_CASE("read cache: a replica reads its own writes at once, deletes included",
                   "[store][cache]", Sqlite, Postgres) {
  TestType db;
  FakeClock clock(kStart);
  auto store = OpenStore(db.url(), &clock);
  Store& s = *store;
  REQUIRE(s.CreateProject(MakeProject("web")).ok());
  CHECK(ServedImage(s, "web") == "nginx:1.25");
  CHECK(ServedImage(s, "web") == "nginx:1.25");  // now from the cache

  REQUIRE(SetImage(s, "web", "nginx:1.27").ok());
  CHECK(ServedImage(s, "web") == "nginx:1.27");
  auto typed = s.GetProject("web");
  REQUIRE(typed.ok());
  CHECK(typed->spec.services[0].image == "nginx:1.27");

  REQUIRE(s.DeleteProject("web").ok());
  CHECK(ServedImage(s, "web") == "NotFound");
  CHECK(s.GetProject("web").status().code() == Code::kNotFound);

  REQUIRE(s.CreateProject(MakeProject("web", "nginx:2")).ok());
  CHECK(ServedImage(s, "web") == "nginx:2");

  // A write that fails changes nothing that is served.
  CHECK(s.UpdateProject("web",
                        [](api::Project& p) {
                          p.spec.services[0].image = "nginx:never";
                          return Status::Invalid("no");
                        })
            .status()
            .code() == Code::kInvalid);
  CHECK(ServedImage(s, "web") == "nginx:2");

  // Nodes too.
  api::Node node;
  node.metadata.name = "n1";
  node.spec.hostname = "n1.example";
  node.status.state = api::kNodeReady;
  REQUIRE(s.CreateNode(node).ok());
  REQUIRE(s.GetNode("n1").ok());
  REQUIRE(s.UpdateNode("n1", [](api::Node& n) {
             n.status.state = api::kNodeDraining;
             return Status::Ok();
           }).ok());
  auto drained = s.GetNode("n1");
  REQUIRE(drained.ok());
  CHECK(drained->status.state == api::kNodeDraining);
  REQUIRE(s.DeleteNode("n1").ok());
  CHECK(s.GetRaw(api::kKindNode, "n1").status().code() == Code::kNotFound);
}

// A write nobody announces (another process on the SQLite file, a
// notification lost without the session dropping) is served from memory
// until the entry's age limit, never after.
TEMPLATE_TEST_CASE("read cache: an unannounced write is served no later than the age limit",
                   "[store][cache]", Sqlite, Postgres) {
  TestType db;
  FakeClock clock(kStart);
  auto store = OpenStore(db.url(), &clock);
  Store& s = *store;
  REQUIRE(s.CreateProject(MakeProject("web")).ok());
  clock.Advance(1h);  // the write's own entry is long expired: the next read fills
  CHECK(ServedImage(s, "web") == "nginx:1.25");

  db.Exec(
      "UPDATE resources SET body = replace(body, 'nginx:1.25', 'nginx:silent') "
      "WHERE name = 'web'");
  const Duration max_age = ObjectCacheOptions{}.max_age;
  CHECK(ServedImage(s, "web") == "nginx:1.25");  // the cache answers
  clock.Advance(max_age - 1ms);
  CHECK(ServedImage(s, "web") == "nginx:1.25");
  clock.Advance(1ms);
  CHECK(ServedImage(s, "web") == "nginx:silent");
}

// ---- two replicas (PostgreSQL) --------------------------------------------------

TEST_CASE("read cache: postgres: another replica's writes and deletes reach the cache",
          "[store][cache][postgres]") {
  Postgres db;
  FakeClock clock(kStart);
  auto reader = OpenStore(db.url(), &clock);
  auto writer = OpenStore(db.url(), &clock);
  REQUIRE(writer->CreateProject(MakeProject("web")).ok());
  REQUIRE(Eventually([&] { return ServedImage(*reader, "web") == "nginx:1.25"; }));

  // With the clock standing still, only the notification can refresh it.
  REQUIRE(SetImage(*writer, "web", "nginx:1.27").ok());
  CHECK(Eventually([&] { return ServedImage(*reader, "web") == "nginx:1.27"; }));

  // A body too big for a notification: the reader forgets the row and reads it.
  REQUIRE(writer
              ->UpdateProject("web",
                              [](api::Project& p) {
                                p.metadata.annotations["big"] = std::string(9000, 'x');
                                p.spec.services[0].image = "nginx:big";
                                return Status::Ok();
                              })
              .ok());
  CHECK(Eventually([&] { return ServedImage(*reader, "web") == "nginx:big"; }));

  REQUIRE(writer->DeleteProject("web").ok());
  CHECK(Eventually([&] { return ServedImage(*reader, "web") == "NotFound"; }));
  REQUIRE(writer->CreateProject(MakeProject("web", "nginx:again")).ok());
  CHECK(Eventually([&] { return ServedImage(*reader, "web") == "nginx:again"; }));
}

// An admin session beside the test database (a database cannot refuse
// connections while one is connected to it): kills its listeners, and stops
// new sessions so that they cannot come back until allowed.
class Admin {
 public:
  explicit Admin(const std::string& url) : conn_(Sibling(url, "postgres")) {
    pqxx::connection test_db(url);
    pqxx::nontransaction tx(test_db);
    database_ = tx.exec("SELECT current_database()")[0][0].as<std::string>();
  }
  ~Admin() { AllowConnections(true); }

  size_t Listeners() {
    pqxx::nontransaction tx(conn_);
    return tx.exec("SELECT pid" + ListenersOfDatabase(tx)).size();
  }
  void KillListeners() {
    {
      pqxx::nontransaction tx(conn_);
      tx.exec("SELECT pg_terminate_backend(pid)" + ListenersOfDatabase(tx));
    }
    REQUIRE(Eventually([&] { return Listeners() == 0; }));
  }
  void AllowConnections(bool allow) {
    pqxx::nontransaction tx(conn_);
    tx.exec("ALTER DATABASE " + tx.quote_name(database_) + " WITH ALLOW_CONNECTIONS " +
            (allow ? "true" : "false"));
  }

 private:
  // The URL of another database on the same server.
  static std::string Sibling(const std::string& url, const std::string& name) {
    const size_t query = url.find('?');
    const size_t slash = url.rfind('/', query);
    return url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query));
  }
  std::string ListenersOfDatabase(pqxx::nontransaction& tx) const {
    return " FROM pg_stat_activity WHERE datname = " + tx.quote(database_) +
           " AND application_name = 'cara-listener'";
  }

  pqxx::connection conn_;
  std::string database_;
};

TEST_CASE("read cache: postgres: a lost listener session leaves no stale entry",
          "[store][cache][postgres]") {
  Postgres db;
  FakeClock clock(kStart);
  auto reader = OpenStore(db.url(), &clock);
  auto writer = OpenStore(db.url(), &clock);
  REQUIRE(writer->CreateProject(MakeProject("web")).ok());
  REQUIRE(Eventually([&] { return ServedImage(*reader, "web") == "nginx:1.25"; }));
  Admin admin(db.url());

  // The listener goes and cannot come back: the write below is announced to
  // nobody. Both stores keep the pooled sessions they already have.
  admin.AllowConnections(false);
  REQUIRE_THROWS(pqxx::connection(db.url()));
  admin.KillListeners();
  REQUIRE(SetImage(*writer, "web", "nginx:unannounced").ok());
  CHECK(Eventually([&] { return ServedImage(*reader, "web") == "nginx:unannounced"; }));

  // Back: the cache starts again from what the database says.
  admin.AllowConnections(true);
  REQUIRE(Eventually([&] { return admin.Listeners() == 2; }));  // both stores
  REQUIRE(SetImage(*writer, "web", "nginx:after").ok());
  CHECK(Eventually([&] { return ServedImage(*reader, "web") == "nginx:after"; }));
  // ... and is used again: an unannounced write is not seen before the age limit.
  db.Exec(
      "UPDATE resources SET body = replace(body, 'nginx:after', 'nginx:silent') "
      "WHERE name = 'web'");
  CHECK(ServedImage(*reader, "web") == "nginx:after");
  clock.Advance(ObjectCacheOptions{}.max_age);
  CHECK(ServedImage(*reader, "web") == "nginx:silent");
}

TEST_CASE("read cache: postgres: a store that does not listen does not cache",
          "[store][cache][postgres]") {
  Postgres db;
  FakeClock clock(kStart);
  auto backend = OpenBackend(db.url(), "");
  REQUIRE(backend.ok());
  Store deaf(std::move(*backend), &clock);  // no EnableRemoteEvents
  auto writer = OpenStore(db.url(), &clock);
  REQUIRE(writer->CreateProject(MakeProject("web")).ok());
  CHECK(ServedImage(deaf, "web") == "nginx:1.25");
  REQUIRE(SetImage(*writer, "web", "nginx:1.27").ok());
  CHECK(ServedImage(deaf, "web") == "nginx:1.27");
}

}  // namespace
}  // namespace cara::store
