// The controller manager under a fake clock: resync periods and error
// backoff are proven by advancing time to just before and just at each
// deadline. The manager runs two threads per controller here (a resync loop
// and one worker); AwaitIdle(2) means both wait for time or work.
#include <catch2/catch.hpp>

#include "controllers/manager.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace cara::controllers {
namespace {

using namespace std::chrono_literals;

// Reconciles the keys it is given, failing "failing" and asking for
// "again" once more at once; with max_batch > 1, in batches.
class RecordingController final : public Controller {
 public:
  explicit RecordingController(std::vector<std::string> keys, size_t max_batch = 1)
      : keys_(std::move(keys)), max_batch_(max_batch) {}

  const char* Name() const override { return "recording"; }
  Result<ReconcileResult> Reconcile(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    return ReconcileLocked(key);
  }
  size_t MaxBatch() const override { return max_batch_; }
  std::vector<Result<ReconcileResult>> ReconcileBatch(
      const std::vector<std::string>& keys) override {
    std::lock_guard<std::mutex> lock(mu_);
    batches_.push_back(keys.size());
    std::vector<Result<ReconcileResult>> results;
    for (const auto& key : keys) results.push_back(ReconcileLocked(key));
    return results;
  }
  std::vector<size_t> batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }
  Result<std::vector<std::string>> ResyncKeys() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++resyncs_;
    return keys_;
  }
  void OnEvent(const store::Event&, Enqueuer&) override {}

  int resyncs() {
    std::lock_guard<std::mutex> lock(mu_);
    return resyncs_;
  }
  int reconciles(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    return reconciles_[key];
  }

 private:
  Result<ReconcileResult> ReconcileLocked(const std::string& key) {
    int n = ++reconciles_[key];
    if (key == "failing") return Status::Unavailable("always fails");
    ReconcileResult r;
    if (key == "again" && n == 1) r.requeue_after = Duration::zero();
    return r;
  }

  std::mutex mu_;
  std::vector<std::string> keys_;
  size_t max_batch_;
  int resyncs_ = 0;
  std::map<std::string, int> reconciles_;
  std::vector<size_t> batches_;
};

struct Fixture {
  explicit Fixture(std::vector<std::string> keys, Duration resync_interval = 30s,
                   size_t max_batch = 1)
      : clock(Timestamp(std::chrono::hours(24 * 365 * 55))) {
    auto backend = store::OpenBackend("sqlite:" + dir.path() + "/cara.db", dir.path());
    REQUIRE(backend.ok());
    store = std::make_unique<store::Store>(std::move(*backend), &clock);
    options.resync_interval = resync_interval;
    options.error_backoff = 5s;
    options.max_error_backoff = 20s;
    manager = std::make_unique<Manager>(store.get(), &clock, options);
    auto owned = std::make_unique<RecordingController>(std::move(keys), max_batch);
    controller = owned.get();
    manager->Add(std::move(owned));
  }
  ~Fixture() { manager->Stop(); }

  testing::TempDir dir;
  FakeClock clock;
  std::unique_ptr<store::Store> store;
  ManagerOptions options;
  std::unique_ptr<Manager> manager;
  RecordingController* controller;
};

}  // namespace

TEST_CASE("manager: a resync at start, then one every interval and not before", "[manager]") {
  Fixture f({"a", "b"});
  REQUIRE(f.manager->thread_count() == 0);
  f.manager->Start();
  REQUIRE(f.manager->thread_count() == 2);
  REQUIRE(f.clock.AwaitIdle(2));
  CHECK(f.controller->resyncs() == 1);
  CHECK(f.controller->reconciles("a") == 1);
  CHECK(f.controller->reconciles("b") == 1);

  f.clock.Advance(30s - 1ms);
  REQUIRE(f.clock.AwaitIdle(2));
  CHECK(f.controller->resyncs() == 1);
  f.clock.Advance(1ms);
  REQUIRE(f.clock.AwaitIdle(2));
  CHECK(f.controller->resyncs() == 2);
  CHECK(f.controller->reconciles("a") == 2);
}

TEST_CASE("manager: a failing key is retried after a doubling, capped backoff", "[manager]") {
  Fixture f({"failing"}, 24h);  // no resync in between
  f.manager->Start();
  REQUIRE(f.clock.AwaitIdle(2));
  CHECK(f.controller->reconciles("failing") == 1);
  // 5s, then 10s, then 20s (the cap) and 20s again.
  int expected = 1;
  for (Duration backoff : {5s, 10s, 20s, 20s}) {
    f.clock.Advance(backoff - 1ms);
    REQUIRE(f.clock.AwaitIdle(2));
    CHECK(f.controller->reconciles("failing") == expected);
    f.clock.Advance(1ms);
    REQUIRE(f.clock.AwaitIdle(2));
    CHECK(f.controller->reconciles("failing") == ++expected);
  }
}

TEST_CASE("manager: a batching controller gets at most its batch, each key its own result",
          "[manager][batch]") {
  std::vector<std::string> keys = {"a", "b", "c", "d", "e", "f", "g", "failing", "again"};
  Fixture f(keys, 24h, 3);
  f.manager->Start();
  REQUIRE(f.clock.AwaitIdle(2));
  for (const auto& key : keys) {
    INFO(key);
    CHECK(f.controller->reconciles(key) == (key == "again" ? 2 : 1));
  }
  size_t total = 0;
  for (size_t size : f.controller->batches()) {
    CHECK(size >= 2);  // a single key goes through Reconcile
    CHECK(size <= 3);
    total += size;
  }
  CHECK(total <= keys.size() + 1);
  // Only the failing key waits for its backoff.
  f.clock.Advance(5s);
  REQUIRE(f.clock.AwaitIdle(2));
  CHECK(f.controller->reconciles("failing") == 2);
  CHECK(f.controller->reconciles("a") == 1);
}

TEST_CASE("manager: Stop ends the waits at once and Start resyncs again", "[manager]") {
  Fixture f({"a"});
  f.manager->Start();
  REQUIRE(f.clock.AwaitIdle(2));
  f.manager->Stop();  // returns without time moving
  CHECK(f.clock.Waiters() == 0);
  f.manager->Start();
  REQUIRE(f.clock.AwaitIdle(2));
  CHECK(f.controller->resyncs() == 2);
}

}  // namespace cara::controllers
