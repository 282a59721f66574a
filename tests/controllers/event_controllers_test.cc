// The server's events, on a real SQLite store under a fake clock: each
// controller records its event on the transition it makes and never again
// on a pass that changes nothing; state changes made by anyone (a
// heartbeat, a drain, a delete) become events through state-change-events;
// the retention sweep deletes what outlived the TTL.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "controllers/event_retention.h"
#include "controllers/expiry.h"
#include "controllers/rescheduler.h"
#include "controllers/scheduler.h"
#include "controllers/state_change_events.h"
#include "controllers/store_fixture.h"
#include "store/event_records.h"

namespace cara::controllers {
namespace {

struct EventFixture : Fixture {
  std::shared_ptr<EventRecorder> recorder =
      std::make_shared<StoreEventRecorder>(store.get(), &clock, store::EventRetention{});

  // "Reason object count" of every stored event, oldest first.
  std::vector<std::string> Events() {
    auto events = store::ListEvents(*store);
    REQUIRE(events.ok());
    std::vector<std::string> out;
    for (const auto& e : *events) {
      out.push_back(e.reason + " " + e.involved_object.name + " " + std::to_string(e.count));
    }
    return out;
  }
};

// Collects the keys a controller asks for.
struct Keys : Enqueuer {
  void Add(const std::string& key) override { keys.push_back(key); }
  void ResyncSoon() override {}
  std::vector<std::string> keys;
};

TEST_CASE("scheduler: Unschedulable once per verdict, Scheduled once", "[events][scheduler]") {
  EventFixture f;
  SchedulerController scheduler(f.store.get(), &f.clock, f.config, NoSecrets(), f.recorder);
  f.AddProject("p", "Pending");
  REQUIRE(scheduler.Reconcile("p").ok());
  REQUIRE(scheduler.Reconcile("p").ok());  // the same verdict: no news
  f.clock.Advance(1min);
  REQUIRE(scheduler.Reconcile("p").ok());
  CHECK(f.Events() == std::vector<std::string>{"Unschedulable p 1"});

  f.AddNode("n1", "Ready");
  REQUIRE(scheduler.Reconcile("p").ok());
  REQUIRE(scheduler.Reconcile("p").ok());  // placed already: nothing to do
  CHECK(f.Events() == std::vector<std::string>{"Unschedulable p 1", "Scheduled p 1"});
  auto events = store::ListEvents(*f.store);
  REQUIRE(events.ok());
  CHECK(events->back().message == "Successfully assigned p to n1");
  CHECK(events->back().source.component == "cara-server");
}

TEST_CASE("expiry: an expired preview gets one Expired event", "[events][expiry]") {
  EventFixture f;
  ExpiryController expiry(f.store.get(), &f.clock, f.recorder);
  api::Project p = f.AddProject("pr-1", "Running", "n1");
  REQUIRE(f.store
              ->UpdateProject("pr-1",
                              [&](api::Project& q) {
                                q.spec.expire_at = f.clock.Now() + 1h;
                                return Status::Ok();
                              })
              .ok());
  REQUIRE(expiry.Reconcile("pr-1").ok());
  CHECK(f.Events().empty());  // not yet
  f.clock.Advance(1h);
  REQUIRE(expiry.Reconcile("pr-1").ok());
  REQUIRE(expiry.Reconcile("pr-1").ok());  // Terminating already: nothing new
  CHECK(f.Events() == std::vector<std::string>{"Expired pr-1 1"});
}

TEST_CASE("rescheduler: Rescheduled when a project leaves a NotReady node",
          "[events][rescheduler]") {
  EventFixture f;
  ReschedulerController rescheduler(f.store.get(), &f.clock, f.config, f.recorder);
  f.AddNode("n1", "NotReady", 5min);
  f.AddProject("run", "Running", "n1");
  REQUIRE(rescheduler.Reconcile("n1").ok());  // grace period starts: no move yet
  CHECK(f.Events().empty());
  f.clock.Advance(3min);
  REQUIRE(rescheduler.Reconcile("n1").ok());
  REQUIRE(rescheduler.Reconcile("n1").ok());
  CHECK(f.Events() == std::vector<std::string>{"Rescheduled run 1"});
}

TEST_CASE("state-change-events: transitions only, a heartbeat is no event",
          "[events][state-change]") {
  EventFixture f;
  StateChangeEventsController changes(f.store.get(), &f.clock, f.recorder);
  Keys keys;
  f.store->Subscribe([&](const store::Event& e) { changes.OnEvent(e, keys); });
  auto drain = [&]() {
    for (const std::string& key : std::exchange(keys.keys, {})) {
      REQUIRE(changes.Reconcile(key).ok());
    }
  };
  f.AddNode("n1", "NotReady");
  f.SetNodeReady("n1", true);
  drain();
  CHECK(f.Events() == std::vector<std::string>{"NodeReady n1 1"});

  // Heartbeats: writes that keep the state enqueue nothing.
  for (int i = 0; i < 3; ++i) {
    f.clock.Advance(10s);
    REQUIRE(f.store
                ->UpdateNode("n1",
                             [&](api::Node& n) {
                               n.status.last_heartbeat = f.clock.Now();
                               return Status::Ok();
                             })
                .ok());
  }
  CHECK(keys.keys.empty());

  f.SetNodeReady("n1", false);
  drain();
  f.clock.Advance(1s);
  f.SetNodeReady("n1", true);
  drain();
  CHECK(f.Events() == std::vector<std::string>{"NodeNotReady n1 1", "NodeReady n1 2"});

  f.AddProject("web", "Running", "n1");
  REQUIRE(f.store
              ->UpdateProject("web",
                              [&](api::Project& p) {
                                p.status.phase = api::kPhaseTerminating;
                                return Status::Ok();
                              })
              .ok());
  drain();
  auto events = store::ListEvents(*f.store);
  REQUIRE(events.ok());
  CHECK(events->back().reason == "Terminating");
  CHECK(events->back().message == "Project web is terminating: node n1 removes its containers");
}

// Counts the recorder's calls and passes them on to the store.
struct CountingRecorder : EventRecorder {
  explicit CountingRecorder(std::shared_ptr<EventRecorder> inner) : inner(std::move(inner)) {}
  void Record(const api::ObjectReference& object, const char* type, const char* reason,
              const std::string& message) override {
    ++singles;
    inner->Record(object, type, reason, message);
  }
  void RecordAll(const std::vector<Entry>& events) override {
    batches.push_back(events.size());
    inner->RecordAll(events);
  }
  std::shared_ptr<EventRecorder> inner;
  int singles = 0;
  std::vector<size_t> batches;
};

TEST_CASE("state-change-events: a batch of keys is one write with every key's events",
          "[events][state-change]") {
  EventFixture f;
  auto counting = std::make_shared<CountingRecorder>(f.recorder);
  StateChangeEventsController changes(f.store.get(), &f.clock, counting);
  Keys keys;
  f.store->Subscribe([&](const store::Event& e) { changes.OnEvent(e, keys); });
  for (int i = 0; i < 300; ++i) {
    f.AddNode("n" + std::to_string(i), "NotReady");
    f.SetNodeReady("n" + std::to_string(i), true);
  }
  // n0 flaps before its key is reconciled: all three changes are told.
  f.SetNodeReady("n0", false);
  f.SetNodeReady("n0", true);
  std::vector<std::string> batch(keys.keys.begin(), keys.keys.end());
  std::sort(batch.begin(), batch.end());
  batch.erase(std::unique(batch.begin(), batch.end()), batch.end());
  REQUIRE(batch.size() == 300);
  CHECK(changes.MaxBatch() >= 256);
  for (const auto& r : changes.ReconcileBatch(batch)) CHECK(r.ok());
  CHECK(counting->singles == 0);
  CHECK(counting->batches == std::vector<size_t>{302});
  std::vector<std::string> events = f.Events();
  CHECK(events.size() == 301);  // n0's second Ready folds into its first
  CHECK(std::count(events.begin(), events.end(), "NodeReady n0 2") == 1);
  CHECK(std::count(events.begin(), events.end(), "NodeNotReady n0 1") == 1);
  CHECK(std::count(events.begin(), events.end(), "NodeReady n299 1") == 1);
  // Taken once: reconciling the keys again tells nothing more.
  for (const auto& r : changes.ReconcileBatch(batch)) CHECK(r.ok());
  CHECK(counting->batches.size() == 1);
}

TEST_CASE("event-retention sweeps events past the TTL on its own timer", "[events][retention]") {
  EventFixture f;
  EventRetentionController retention(f.store.get(), &f.clock, 1h);
  f.recorder->Record(api::ProjectRef("old"), api::kEventNormal, "Pulled", "x");
  f.clock.Advance(30min);
  f.recorder->Record(api::ProjectRef("young"), api::kEventNormal, "Pulled", "x");
  auto keys = retention.ResyncKeys();
  REQUIRE(keys.ok());
  REQUIRE(*keys == std::vector<std::string>{EventRetentionController::kSweepKey});
  auto r = retention.Reconcile(EventRetentionController::kSweepKey);
  REQUIRE(r.ok());
  REQUIRE(r->requeue_after);
  CHECK(*r->requeue_after == 1min);
  CHECK(f.Events().size() == 2);
  f.clock.Advance(30min + 1s);
  REQUIRE(retention.Reconcile(EventRetentionController::kSweepKey).ok());
  CHECK(f.Events() == std::vector<std::string>{"Pulled young 1"});
}

}  // namespace
}  // namespace cara::controllers
