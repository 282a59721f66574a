// Sync runs and source states on both databases: ids, order, the bound per
// source, and a suspension that outlives the store that wrote it.
#include "store/sync_run_records.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <set>

#include "store_env.h"

namespace cara::store {
namespace {

using namespace std::chrono_literals;

api::SyncRun Run(const std::string& source, const std::string& commit, Timestamp started) {
  api::SyncRun run;
  run.source = source;
  run.commit = commit;
  run.ref = "main";
  run.who = "0123456789ab";
  run.started_at = started;
  run.finished_at = started + 2s;
  api::SyncRunAction a;
  a.action = "create";
  a.kind = api::kKindProject;
  a.name = "web";
  a.outcome = api::kOutcomeSucceeded;
  run.actions.push_back(a);
  run.result = api::kRunSucceeded;
  run.plan_hash = std::string(64, 'c');
  return run;
}

TEST_CASE("sync runs get ids, list oldest first and filter by source", "[store][syncrun]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      auto first = InsertSyncRun(*env.store, Run("/srv/a", "aaaa1111", kStoreEnvStart));
      auto second = InsertSyncRun(*env.store, Run("/srv/b", "bbbb2222", kStoreEnvStart + 1s));
      auto third = InsertSyncRun(*env.store, Run("/srv/a", "cccc3333", kStoreEnvStart + 2s));
      REQUIRE(first.ok());
      REQUIRE(second.ok());
      REQUIRE(third.ok());
      // The id says when the run started (UTC) and is unique.
      CHECK(first->id.rfind("20240501-120000-", 0) == 0);
      CHECK(first->id != third->id);
      CHECK(first->who == "0123456789ab");

      auto all = ListSyncRuns(*env.store);
      REQUIRE(all.ok());
      REQUIRE(all->size() == 3);
      CHECK((*all)[0].id == first->id);
      CHECK((*all)[2].id == third->id);
      auto a = ListSyncRuns(*env.store, "/srv/a");
      REQUIRE(a.ok());
      REQUIRE(a->size() == 2);
      CHECK((*a)[0].commit == "aaaa1111");
      CHECK((*a)[1].commit == "cccc3333");

      auto got = GetSyncRun(*env.store, second->id);
      REQUIRE(got.ok());
      REQUIRE(*got);
      CHECK((*got)->source == "/srv/b");
      CHECK((*got)->actions.size() == 1);
      auto missing = GetSyncRun(*env.store, "nope");
      REQUIRE(missing.ok());
      CHECK_FALSE(*missing);
    }
  }
}

TEST_CASE("sync runs: only the newest runs of each source are kept", "[store][syncrun]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      REQUIRE(InsertSyncRun(*env.store, Run("/srv/other", "ffff0000", kStoreEnvStart), 3).ok());
      std::vector<std::string> ids;
      for (int i = 0; i < 5; ++i) {
        auto run = InsertSyncRun(
            *env.store, Run("/srv/a", "aaaa000" + std::to_string(i), kStoreEnvStart + 1s * i), 3);
        REQUIRE(run.ok());
        ids.push_back(run->id);
      }
      auto a = ListSyncRuns(*env.store, "/srv/a");
      REQUIRE(a.ok());
      REQUIRE(a->size() == 3);
      CHECK((*a)[0].id == ids[2]);
      CHECK((*a)[2].id == ids[4]);
      auto other = ListSyncRuns(*env.store, "/srv/other");
      REQUIRE(other.ok());
      CHECK(other->size() == 1);  // another source's history is its own
    }
  }
}

TEST_CASE("source state: suspended until resumed, across a reopen", "[store][syncrun]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      const std::string id = "https://git.example.com/ops.git//prod";
      auto fresh = GetSourceState(*env.store, id);
      REQUIRE(fresh.ok());
      CHECK(fresh->id == id);
      CHECK_FALSE(fresh->suspended);

      api::SourceState suspend;
      suspend.id = id;
      suspend.suspended = true;
      suspend.reason = "rollback to 0123abcd";
      suspend.by = "0123456789ab";
      auto stored = PutSourceState(*env.store, suspend, kStoreEnvStart);
      REQUIRE(stored.ok());
      CHECK(stored->suspended_at == kStoreEnvStart);
      // Suspending again keeps when it began.
      suspend.reason = "still";
      stored = PutSourceState(*env.store, suspend, kStoreEnvStart + 1h);
      REQUIRE(stored.ok());
      CHECK(stored->suspended_at == kStoreEnvStart);

      auto reopened = env.Open();  // a restart, or another replica
      auto read = GetSourceState(*reopened, id);
      REQUIRE(read.ok());
      CHECK(read->suspended);
      CHECK(read->reason == "still");
      CHECK(read->by == "0123456789ab");
      CHECK(read->suspended_at == kStoreEnvStart);

      api::SourceState resume;
      resume.id = id;
      resume.by = "ba9876543210";
      REQUIRE(PutSourceState(*reopened, resume, kStoreEnvStart + 2h).ok());
      read = GetSourceState(*env.store, id);
      REQUIRE(read.ok());
      CHECK_FALSE(read->suspended);
      CHECK_FALSE(read->suspended_at);
      CHECK(read->by == "ba9876543210");
    }
  }
}

}  // namespace
}  // namespace cara::store
