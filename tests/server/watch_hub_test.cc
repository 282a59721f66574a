// server::WatchHub over a real store (SQLite, and PostgreSQL for the other
// replica's writes): changes read once into memory, readers behind the
// memory window served from the store, and 410 past the deletion retention.
#include "server/watch_hub.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>

#include "support/eventually.h"
#include "support/fake_clock.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace cara::server {
namespace {

using namespace std::chrono_literals;

api::Project Project(const std::string& name) {
  api::Project p;
  p.metadata.name = name;
  api::ServiceDef web;
  web.name = "web";
  web.image = "nginx:1.25";
  p.spec.services.push_back(web);
  return p;
}

std::unique_ptr<store::Store> OpenStore(const std::string& url, Clock* clock) {
  auto backend = store::OpenBackend(url, "");
  REQUIRE(backend.ok());
  return std::make_unique<store::Store>(std::move(*backend), clock);
}

std::vector<std::string> Names(const WatchRead& read) {
  std::vector<std::string> names;
  for (const auto& e : read.events) names.push_back((e->deleted ? "-" : "") + e->name);
  return names;
}

TEST_CASE("The hub reads changes into memory and serves older ones from the store",
          "[watch][hub]") {
  testing::TempDir dir;
  FakeClock clock(Timestamp(std::chrono::seconds(1714564800)));
  auto store = OpenStore("sqlite:" + dir.path() + "/cara.db", &clock);
  const int64_t start = *store->CommittedRevision();
  WatchHubOptions options;
  options.capacity = 2;  // so the first changes leave the memory window
  WatchHub hub(store.get(), &clock, {api::kKindProject}, options);
  REQUIRE(hub.Start().ok());
  int wakes = 0;
  int waker = hub.AddWaker(api::kKindProject, [&] { ++wakes; });

  for (const char* name : {"a", "b", "c", "d"}) REQUIRE(store->CreateProject(Project(name)).ok());
  REQUIRE(store->DeleteProject("a").ok());
  const int64_t last = *store->CommittedRevision();
  // Store events wake the hub: no clock advance needed.
  REQUIRE(testing::Eventually([&] { return hub.revision() == last; }));
  CHECK(wakes >= 1);

  // Behind the window (capacity 2): read from the store, in pages.
  auto first = hub.Read(api::kKindProject, start, 3);
  REQUIRE(first.ok());
  CHECK(Names(*first) == std::vector<std::string>{"b", "c", "d"});
  auto rest = hub.Read(api::kKindProject, first->next_after, 3);
  REQUIRE(rest.ok());
  CHECK(Names(*rest) == std::vector<std::string>{"-a"});
  CHECK(rest->next_after == last);
  // Caught up: nothing more, and the cursor stays.
  auto none = hub.Read(api::kKindProject, last, 3);
  REQUIRE(none.ok());
  CHECK(none->events.empty());
  CHECK(none->next_after == last);
  // Another kind's reader sees none of these.
  auto nodes = hub.Read(api::kKindNode, start, 10);
  REQUIRE(nodes.ok());
  CHECK(nodes->events.empty());

  hub.RemoveWaker(waker);
  const int before = wakes;
  REQUIRE(store->CreateProject(Project("e")).ok());
  REQUIRE(testing::Eventually([&] { return hub.revision() > last; }));
  CHECK(wakes == before);
}

TEST_CASE("The hub says gone when deletions after the position were forgotten", "[watch][hub]") {
  testing::TempDir dir;
  FakeClock clock(Timestamp(std::chrono::seconds(1714564800)));
  auto store = OpenStore("sqlite:" + dir.path() + "/cara.db", &clock);
  REQUIRE(store->CreateProject(Project("a")).ok());
  REQUIRE(store->CreateProject(Project("b")).ok());
  const int64_t before = *store->CommittedRevision();
  WatchHubOptions options;
  options.capacity = 1;
  WatchHub hub(store.get(), &clock, {api::kKindProject}, options);
  REQUIRE(hub.Start().ok());
  REQUIRE(store->DeleteProject("a").ok());
  clock.Advance(2h);  // past the retention: the next deletion forgets "a"'s
  REQUIRE(store->DeleteProject("b").ok());
  REQUIRE(testing::Eventually([&] { return hub.revision() == *store->CommittedRevision(); }));
  auto read = hub.Read(api::kKindProject, before, 10);
  REQUIRE(read.ok());
  CHECK(read->gone);
}

TEST_CASE("The hub hears another replica's writes", "[watch][hub][postgres]") {
  const std::string url = testing::PostgresServer::Shared().FreshDatabaseUrl();
  FakeClock clock(Timestamp(std::chrono::seconds(1714564800)));
  auto mine = OpenStore(url, &clock);
  auto theirs = OpenStore(url, &clock);
  REQUIRE(mine->EnableRemoteEvents().ok());
  WatchHubOptions options;
  options.poll_interval = 1h;  // on the fake clock: only the notification can wake it
  WatchHub hub(mine.get(), &clock, {api::kKindProject}, options);
  REQUIRE(hub.Start().ok());
  const int64_t start = hub.revision();
  REQUIRE(theirs->CreateProject(Project("remote")).ok());
  REQUIRE(testing::Eventually([&] { return hub.revision() > start; }));
  auto read = hub.Read(api::kKindProject, start, 10);
  REQUIRE(read.ok());
  CHECK(Names(*read) == std::vector<std::string>{"remote"});
}

}  // namespace
}  // namespace cara::server
