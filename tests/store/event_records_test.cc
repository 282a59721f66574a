// Event records on both databases: an exact repeat folds into one record,
// anything else is a new one; retention keeps at most N per object and
// sweeps what is older than the TTL; every write is announced.
#include "store/event_records.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "store/store.h"
#include "store_env.h"

namespace cara::store {
namespace {

using namespace std::chrono_literals;

const Timestamp kStart = kStoreEnvStart;

api::Event Pulled(const std::string& project, const std::string& message) {
  api::Event e =
      api::MakeEvent(api::ProjectRef(project), api::kEventNormal, api::reason::kPulled, message);
  e.source = {api::kComponentAgent, "n1"};
  return e;
}

TEST_CASE("An exact repeat folds into one event: count and lastTimestamp", "[store][event]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      std::atomic<int> announced{0};
      env.store->Subscribe([&](const Event&) { ++announced; }, {api::kKindEvent});
      auto first = RecordEvent(*env.store, Pulled("shop", "web: pulled a:1"), kStart, {});
      REQUIRE(first.ok());
      auto again = RecordEvent(*env.store, Pulled("shop", "web: pulled a:1"), kStart + 5s, {});
      REQUIRE(again.ok());
      CHECK(again->metadata.name == first->metadata.name);
      CHECK(again->metadata.name.rfind("project.shop.", 0) == 0);
      CHECK(again->count == 2);
      CHECK(again->first_timestamp == kStart);
      CHECK(again->last_timestamp == kStart + 5s);
      CHECK(again->metadata.resource_version != first->metadata.resource_version);

      // Another message, another source or another object is another event.
      api::Event other_node = Pulled("shop", "web: pulled a:1");
      other_node.source.node = "n2";
      REQUIRE(RecordEvent(*env.store, other_node, kStart + 6s, {}).ok());
      REQUIRE(RecordEvent(*env.store, Pulled("shop", "web: pulled a:2"), kStart + 7s, {}).ok());
      REQUIRE(RecordEvent(*env.store, Pulled("shop2", "web: pulled a:1"), kStart + 8s, {}).ok());
      CHECK(announced == 5);

      auto all = ListEvents(*env.store);
      REQUIRE(all.ok());
      CHECK(all->size() == 4);
      api::EventFilter shop;
      shop.object = api::ProjectRef("shop");
      auto of_shop = ListEvents(*env.store, shop);
      REQUIRE(of_shop.ok());
      REQUIRE(of_shop->size() == 3);
      // Newest last; the folded one was last seen first.
      CHECK(of_shop->front().count == 2);
      CHECK(of_shop->back().message == "web: pulled a:2");

      // A restart (another Store on the same database) sees the same events.
      auto reopened = env.Open();
      auto after = ListEvents(*reopened, shop);
      REQUIRE(after.ok());
      CHECK(after->size() == 3);
    }
  }
}

TEST_CASE("Events are kept at most N per object, the oldest going first", "[store][event]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      EventRetention retention;
      retention.per_object = 3;
      for (int i = 0; i < 5; ++i) {
        auto e = RecordEvent(*env.store, Pulled("shop", "m" + std::to_string(i)),
                             kStart + std::chrono::seconds(i), retention);
        REQUIRE(e.ok());
      }
      // A fold refreshes the oldest survivor, so it outlives the next trim.
      REQUIRE(RecordEvent(*env.store, Pulled("shop", "m2"), kStart + 10s, retention).ok());
      REQUIRE(RecordEvent(*env.store, Pulled("shop", "m5"), kStart + 11s, retention).ok());
      REQUIRE(RecordEvent(*env.store, Pulled("other", "x"), kStart + 12s, retention).ok());
      api::EventFilter shop;
      shop.object = api::ProjectRef("shop");
      auto events = ListEvents(*env.store, shop);
      REQUIRE(events.ok());
      std::vector<std::string> messages;
      for (const auto& e : *events) messages.push_back(e.message);
      CHECK(messages == std::vector<std::string>{"m4", "m2", "m5"});
      auto all = ListEvents(*env.store);
      REQUIRE(all.ok());
      CHECK(all->size() == 4);
    }
  }
}

TEST_CASE("A batch of events is recorded in one go: folds, announcements, retention",
          "[store][event][batch]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      EventRetention retention;
      retention.per_object = 3;
      REQUIRE(RecordEvent(*env.store, Pulled("shop", "m0"), kStart, retention).ok());
      REQUIRE(RecordEvent(*env.store, Pulled("shop", "m1"), kStart + 1s, retention).ok());
      std::atomic<int> announced{0};
      env.store->Subscribe([&](const Event&) { ++announced; }, {api::kKindEvent});
      auto batch = RecordEvents(*env.store,
                                {Pulled("shop", "m1"), Pulled("shop", "m2"), Pulled("shop", "m3"),
                                 Pulled("other", "x"), Pulled("other", "x")},
                                kStart + 10s, retention);
      REQUIRE(batch.ok());
      REQUIRE(batch->size() == 5);
      CHECK((*batch)[0].count == 2);  // a repeat of a stored one
      CHECK((*batch)[1].count == 1);
      CHECK((*batch)[3].count == 1);
      CHECK((*batch)[4].count == 2);  // a repeat within the batch
      CHECK(announced >= 5);          // five writes, and the trim's delete
      api::EventFilter shop;
      shop.object = api::ProjectRef("shop");
      auto events = ListEvents(*env.store, shop);
      REQUIRE(events.ok());
      std::vector<std::string> messages;
      for (const auto& e : *events) messages.push_back(e.message);
      // m0, the oldest, went; the other three share a timestamp.
      REQUIRE(messages.size() == 3);
      CHECK(std::count(messages.begin(), messages.end(), "m0") == 0);
      auto all = ListEvents(*env.store);
      REQUIRE(all.ok());
      CHECK(all->size() == 4);
    }
  }
}

TEST_CASE("Retention trims only the object over the bound, not a name that extends it",
          "[store][event][batch]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      EventRetention retention;
      retention.per_object = 2;
      // "shop.x"'s events share the prefix "project.shop.": counted with
      // shop's, they must still not be trimmed for it.
      for (int i = 0; i < 2; ++i) {
        const auto at = kStart + std::chrono::seconds(i);
        REQUIRE(
            RecordEvent(*env.store, Pulled("shop.x", "x" + std::to_string(i)), at, retention).ok());
      }
      REQUIRE(RecordEvent(*env.store, Pulled("shop", "m0"), kStart + 2s, retention).ok());
      auto batch = RecordEvents(*env.store, {Pulled("shop", "m1"), Pulled("calm", "c0")},
                                kStart + 3s, retention);
      REQUIRE(batch.ok());
      REQUIRE(RecordEvent(*env.store, Pulled("shop", "m2"), kStart + 4s, retention).ok());
      auto messages_of = [&](const std::string& project) {
        api::EventFilter filter;
        filter.object = api::ProjectRef(project);
        auto events = ListEvents(*env.store, filter);
        REQUIRE(events.ok());
        std::vector<std::string> messages;
        for (const auto& e : *events) messages.push_back(e.message);
        return messages;
      };
      CHECK(messages_of("shop") == std::vector<std::string>{"m1", "m2"});
      CHECK(messages_of("shop.x") == std::vector<std::string>{"x0", "x1"});
      CHECK(messages_of("calm") == std::vector<std::string>{"c0"});
    }
  }
}

TEST_CASE("The sweep deletes events older than the TTL after their last sighting",
          "[store][event]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      REQUIRE(RecordEvent(*env.store, Pulled("shop", "old"), kStart, {}).ok());
      REQUIRE(RecordEvent(*env.store, Pulled("shop", "refreshed"), kStart, {}).ok());
      REQUIRE(RecordEvent(*env.store, Pulled("shop", "refreshed"), kStart + 30min, {}).ok());
      REQUIRE(RecordEvent(*env.store, Pulled("shop", "new"), kStart + 50min, {}).ok());

      auto none = SweepExpiredEvents(*env.store, kStart + 1h, 1h);
      REQUIRE(none.ok());
      CHECK(*none == 0);
      auto swept = SweepExpiredEvents(*env.store, kStart + 1h + 1s, 1h);
      REQUIRE(swept.ok());
      CHECK(*swept == 1);
      auto left = ListEvents(*env.store);
      REQUIRE(left.ok());
      REQUIRE(left->size() == 2);
      CHECK(left->front().message == "refreshed");
      swept = SweepExpiredEvents(*env.store, kStart + 2h, 1h);
      REQUIRE(swept.ok());
      CHECK(*swept == 2);
    }
  }
}

TEST_CASE("A preview's filter sees only the events of projects under its prefix",
          "[store][event]") {
  StoreEnv env("sqlite");
  REQUIRE(RecordEvent(*env.store, Pulled("pr-1", "a"), kStart, {}).ok());
  REQUIRE(RecordEvent(*env.store, Pulled("prod", "b"), kStart, {}).ok());
  api::Event node_event = api::MakeEvent(api::NodeRef("pr-node"), api::kEventWarning,
                                         api::reason::kNodeNotReady, "gone");
  REQUIRE(RecordEvent(*env.store, node_event, kStart, {}).ok());
  api::EventFilter preview;
  preview.project_prefix = "pr-";
  auto events = ListEvents(*env.store, preview);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  CHECK(events->front().involved_object.name == "pr-1");
}

}  // namespace
}  // namespace cara::store
