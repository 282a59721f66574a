// Store::MutateRecord on both databases: insert, replace, remove and abort in
// one transaction, each write with a fresh revision, and listeners told.
#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "store/store.h"
#include "store_env.h"

namespace cara::store {
namespace {

using Env = StoreEnv;

// A mutation that writes `body` + the revision, recording what it saw.
Store::RecordMutation Write(const std::string& body, std::optional<std::string>* seen) {
  return [body, seen](const std::optional<std::string>& current,
                      int64_t revision) -> Result<std::optional<std::string>> {
    *seen = current;
    return std::optional<std::string>(body + "@" + std::to_string(revision));
  };
}

TEST_CASE("MutateRecord inserts, replaces, removes and aborts, telling listeners", "[store]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      Env env(backend);
      std::vector<Event> events;
      env.store->Subscribe([&](const Event& e) { events.push_back(e); }, {"Thing"});
      std::optional<std::string> seen = "unset";

      auto created = env.store->MutateRecord("Thing", "a", Write("one", &seen), true);
      REQUIRE(created.ok());
      CHECK_FALSE(seen.has_value());
      REQUIRE(created->has_value());
      CHECK(env.store->GetRecord("Thing", "a")->value() == **created);

      auto replaced = env.store->MutateRecord("Thing", "a", Write("two", &seen), true);
      REQUIRE(replaced.ok());
      CHECK(seen == *created);
      CHECK(**replaced != **created);
      CHECK(env.store->GetRecord("Thing", "a")->value() == **replaced);

      auto same = env.store->MutateRecord(
          "Thing", "a",
          [](const std::optional<std::string>& current,
             int64_t) -> Result<std::optional<std::string>> { return current; },
          true);
      REQUIRE(same.ok());
      CHECK(**same == **replaced);

      auto aborted = env.store->MutateRecord(
          "Thing", "a",
          [](const std::optional<std::string>&, int64_t) -> Result<std::optional<std::string>> {
            return Status::Conflict("stale");
          },
          true);
      CHECK(aborted.status().code() == Code::kConflict);
      CHECK(env.store->GetRecord("Thing", "a")->value() == **replaced);

      auto remove = [](const std::optional<std::string>&,
                       int64_t) -> Result<std::optional<std::string>> {
        return std::optional<std::string>();
      };
      auto removed = env.store->MutateRecord("Thing", "a", remove, true);
      REQUIRE(removed.ok());
      CHECK_FALSE(removed->has_value());
      CHECK_FALSE(env.store->GetRecord("Thing", "a")->has_value());
      auto absent = env.store->MutateRecord("Thing", "a", remove, true);
      REQUIRE(absent.ok());

      REQUIRE(events.size() == 3);
      CHECK(events[0].type == EventType::kCreated);
      CHECK(events[1].type == EventType::kUpdated);
      CHECK(events[2].type == EventType::kDeleted);
      for (const Event& e : events) CHECK(e.name == "a");
    }
  }
}

}  // namespace
}  // namespace cara::store
