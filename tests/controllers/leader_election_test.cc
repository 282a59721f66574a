// Leader election under a fake clock, two electors on one SQLite database
// (the lease is an flock, so two stores in one process exclude each other):
// a standby takes over exactly one retry interval after the leader goes, and
// a leader whose lease was taken away steps down at its next check.
#include <catch2/catch.hpp>

#include <filesystem>

#include "controllers/leader_election.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace cara::controllers {
namespace {

using namespace std::chrono_literals;

constexpr Duration kRetry = 5s;

// One replica: a store, a manager without controllers, an elector.
struct Replica {
  Replica(const std::string& dir, Clock* clock) {
    auto backend = store::OpenBackend("sqlite:" + dir + "/cara.db", dir);
    REQUIRE(backend.ok());
    store = std::make_unique<store::Store>(std::move(*backend), clock);
    manager = std::make_unique<Manager>(store.get(), clock, ManagerOptions{});
    elector = std::make_unique<LeaderElector>(store.get(), manager.get(), clock, kRetry);
  }
  ~Replica() { elector->Stop(); }

  std::unique_ptr<store::Store> store;
  std::unique_ptr<Manager> manager;
  std::unique_ptr<LeaderElector> elector;
};

// Replica a leads, b stands by; both wait for their next retry.
struct Fixture {
  Fixture() : clock(Timestamp(std::chrono::hours(24 * 365 * 55))) {
    a.elector->Start();
    REQUIRE(clock.AwaitIdle(1));
    REQUIRE(a.elector->leading());
    REQUIRE(a.manager->running());
    b.elector->Start();
    REQUIRE(clock.AwaitIdle(2));
    REQUIRE_FALSE(b.elector->leading());
  }
  testing::TempDir dir;
  FakeClock clock;
  Replica a{dir.path(), &clock};
  Replica b{dir.path(), &clock};
};

}  // namespace

TEST_CASE("leader election: the first replica leads, a standby takes over one retry later",
          "[leader]") {
  Fixture f;
  Replica& a = f.a;
  Replica& b = f.b;
  a.elector->Stop();  // releases the lease
  CHECK_FALSE(a.manager->running());
  REQUIRE(f.clock.AwaitIdle(1));
  f.clock.Advance(kRetry - 1ms);
  REQUIRE(f.clock.AwaitIdle(1));
  CHECK_FALSE(b.elector->leading());
  f.clock.Advance(1ms);
  REQUIRE(f.clock.AwaitIdle(1));
  CHECK(b.elector->leading());
  CHECK(b.manager->running());
}

TEST_CASE("leader election: a leader whose lease is gone steps down at its next check",
          "[leader]") {
  Fixture f;
  Replica& a = f.a;
  Replica& b = f.b;
  // Someone removed the lock file: the next opener locks a new one.
  std::filesystem::remove(f.dir.path() + "/cara.db.leader");
  f.clock.Advance(kRetry - 1ms);
  REQUIRE(f.clock.AwaitIdle(2));
  CHECK(a.elector->leading());  // not checked yet
  f.clock.Advance(1ms);
  REQUIRE(f.clock.AwaitIdle(2));
  CHECK_FALSE(a.elector->leading());
  CHECK_FALSE(a.manager->running());
  CHECK(b.elector->leading());
}

}  // namespace cara::controllers
