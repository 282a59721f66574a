// NodeWriteBatch on both databases: writes that arrive while a transaction
// runs are committed together in the next one, each caller gets its own
// node back, a refused mutation fails only its own write, and a node
// written twice at once gets both writes, in turn.
#include "store/node_write_batch.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store_env.h"

namespace cara::store {
namespace {

using namespace std::chrono_literals;

// Polls a condition another thread makes true (a bounded wait for progress,
// not a sleep that decides the outcome).
template <typename F>
bool Eventually(F condition) {
  for (int i = 0; i < 2000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

// Holds a mutation inside its transaction until released; says when one
// has entered (a retried transaction enters again and is not held).
class Gate {
 public:
  void Hold() {
    if (entered_once_.exchange(true)) return;
    entered_.set_value();
    released_.wait();
  }
  void WaitEntered() { entered_.get_future().wait(); }
  void Release() { release_.set_value(); }

 private:
  std::atomic<bool> entered_once_{false};
  std::promise<void> entered_;
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
};

}  // namespace

TEST_CASE("NodeWriteBatch commits the writes that queued meanwhile in one transaction",
          "[store][node][batch]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      Store& s = *env.store;
      constexpr int kWaiting = 12;
      for (int i = 0; i <= kWaiting; ++i) {
        REQUIRE(s.CreateNode(EnvNode("n" + std::to_string(i))).ok());
      }
      NodeWriteBatch writes(&s);

      // The first write holds its transaction open until the others queue.
      Gate gate;
      auto first = std::async(std::launch::async, [&] {
        return writes.Update("n0", [&](api::Node& node) {
          gate.Hold();
          node.metadata.labels["written"] = "first";
          return Status::Ok();
        });
      });
      gate.WaitEntered();

      std::mutex mu;
      std::set<std::thread::id> committers;
      std::vector<std::future<Result<api::Node>>> waiting;
      for (int i = 1; i <= kWaiting; ++i) {
        const std::string name = "n" + std::to_string(i);
        waiting.push_back(std::async(std::launch::async, [&, name] {
          return writes.Update(name, [&, name](api::Node& node) {
            std::lock_guard<std::mutex> lock(mu);
            committers.insert(std::this_thread::get_id());
            node.metadata.labels["written"] = name;
            return Status::Ok();
          });
        }));
      }
      REQUIRE(Eventually([&] { return writes.queued() == kWaiting; }));
      gate.Release();

      auto n0 = first.get();
      REQUIRE(n0.ok());
      CHECK(n0->metadata.labels.at("written") == "first");
      for (int i = 1; i <= kWaiting; ++i) {
        auto node = waiting[i - 1].get();
        REQUIRE(node.ok());
        CHECK(node->metadata.labels.at("written") == "n" + std::to_string(i));
        auto stored = s.GetNode("n" + std::to_string(i));
        REQUIRE(stored.ok());
        CHECK(stored->metadata.labels.at("written") == "n" + std::to_string(i));
      }
      // All twelve ran in one transaction, on the one thread that committed it.
      CHECK(committers.size() == 1);
      CHECK(writes.queued() == 0);
    }
  }
}

TEST_CASE("NodeWriteBatch: a refused write fails alone, a missing node is NotFound",
          "[store][node][batch]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      Store& s = *env.store;
      for (const char* name : {"a", "b", "c"}) REQUIRE(s.CreateNode(EnvNode(name)).ok());
      NodeWriteBatch writes(&s);

      Gate gate;
      auto blocker = std::async(std::launch::async, [&] {
        return writes.Update("c", [&](api::Node& node) {
          gate.Hold();
          node.metadata.labels["k"] = "c";
          return Status::Ok();
        });
      });
      gate.WaitEntered();
      auto label = [&](const std::string& name, const std::string& value) {
        return std::async(std::launch::async, [&, name, value] {
          return writes.Update(name, [value](api::Node& node) {
            if (value == "refuse") return Status::Invalid("refused on purpose");
            node.metadata.labels["k"] = value;
            return Status::Ok();
          });
        });
      };
      auto a = label("a", "1");
      auto refused = label("b", "refuse");
      auto missing = label("gone", "1");
      // The same node twice: the second write sees the first's.
      auto c1 = label("c", "2");
      REQUIRE(Eventually([&] { return writes.queued() == 4; }));
      gate.Release();

      REQUIRE(blocker.get().ok());
      auto a_written = a.get();
      REQUIRE(a_written.ok());
      CHECK(a_written->metadata.labels.at("k") == "1");
      auto b_result = refused.get();
      REQUIRE_FALSE(b_result.ok());
      CHECK(b_result.status().code() == Code::kInvalid);
      CHECK(b_result.status().message() == "refused on purpose");
      CHECK(missing.get().status().code() == Code::kNotFound);
      auto c_written = c1.get();
      REQUIRE(c_written.ok());
      CHECK(c_written->metadata.labels.at("k") == "2");

      auto b = s.GetNode("b");
      REQUIRE(b.ok());
      CHECK(b->metadata.labels.count("k") == 0);
      auto stored_a = s.GetNode("a");
      REQUIRE(stored_a.ok());
      CHECK(stored_a->metadata.labels.at("k") == "1");
      auto c = s.GetNode("c");
      REQUIRE(c.ok());
      CHECK(c->metadata.labels.at("k") == "2");
    }
  }
}

}  // namespace cara::store
