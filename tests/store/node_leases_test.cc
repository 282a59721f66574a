// NodeLeases (store/node_leases.h) on a real Store of each backend: what is a
// lease and what is written, what a flush writes (the time, no new
// resourceVersion, no change for watchers), and a lease decided on a stale
// view of its node (another process wrote it meanwhile) applied again at the
// flush instead of stamped over the change.
#include <catch2/catch.hpp>

#include "api/lifecycle.h"
#include "store/node_leases.h"
#include "store_env.h"

namespace cara::store {
namespace {

using namespace std::chrono_literals;

// The heartbeat of an agent reporting Ready at `now`.
NodeMutator ReadyAt(Timestamp now) {
  api::NodeStatus report;
  report.state = api::kNodeReady;
  return [report, now](api::Node& node) {
    api::ApplyHeartbeat(report, node, now);
    return Status::Ok();
  };
}

int64_t RevisionOf(const api::Node& node) { return std::stoll(node.metadata.resource_version); }

// A Store whose backend the table writes its flushes through, as
// cara-server opens them.
struct LeaseEnv {
  explicit LeaseEnv(const std::string& backend) : env(backend) {
    auto opened = OpenBackend(env.url, "");
    REQUIRE(opened.ok());
    rows = opened->get();
    store = std::make_unique<Store>(std::move(*opened), &env.clock);
    api::Node node;
    node.metadata.name = "n1";
    node.status.state = api::kNodeNotReady;
    REQUIRE(store->CreateNode(node).ok());
    // Flushed by the tests only: the fake clock never reaches the interval.
    leases = std::make_unique<NodeLeases>(store.get(), rows, &env.clock,
                                          NodeLeaseOptions{std::chrono::hours(1), 90s});
    leases->Start();
  }
  Result<NodeLeases::Renewal> Beat() {
    return leases->Renew("n1", ReadyAt(env.clock.Now()), env.clock.Now());
  }
  api::Node Stored() {
    auto node = store->GetNode("n1");
    REQUIRE(node.ok());
    return *node;
  }

  StoreEnv env;
  Backend* rows = nullptr;
  std::unique_ptr<Store> store;
  std::unique_ptr<NodeLeases> leases;
};

}  // namespace

TEST_CASE("node leases: only a heartbeat that changes nothing but the time is a lease",
          "[store][lease]") {
  for (const std::string backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      LeaseEnv e(backend);
      auto first = e.Beat();
      REQUIRE(first.ok());
      CHECK(*first == NodeLeases::Renewal::kWritten);  // NotReady -> Ready
      const api::Node ready = e.Stored();
      CHECK(ready.status.state == api::kNodeReady);

      e.env.clock.Advance(10s);
      auto second = e.Beat();
      REQUIRE(second.ok());
      CHECK(*second == NodeLeases::Renewal::kLease);
      CHECK(e.Stored() == ready);  // nothing written
      CHECK(e.leases->Latest(ready) == e.env.clock.Now());

      // Silent for longer than the timeout: the next heartbeat is news.
      e.env.clock.Advance(91s);
      auto back = e.Beat();
      REQUIRE(back.ok());
      CHECK(*back == NodeLeases::Renewal::kWritten);

      CHECK(
          e.leases->Renew("ghost", ReadyAt(e.env.clock.Now()), e.env.clock.Now()).status().code() ==
          Code::kNotFound);
    }
  }
}

TEST_CASE("node leases: a flush writes the time alone, with no new resourceVersion",
          "[store][lease]") {
  for (const std::string backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      LeaseEnv e(backend);
      REQUIRE(e.Beat().ok());
      const api::Node ready = e.Stored();
      e.env.clock.Advance(5s);
      const Timestamp leased = e.env.clock.Now();
      REQUIRE(*e.Beat() == NodeLeases::Renewal::kLease);

      REQUIRE(e.leases->Flush().ok());
      api::Node flushed = e.Stored();
      CHECK(flushed.status.last_heartbeat == leased);
      CHECK(flushed.metadata.resource_version == ready.metadata.resource_version);
      auto changes = e.store->ChangesSince({api::kKindNode}, RevisionOf(ready), 10);
      REQUIRE(changes.ok());
      CHECK(changes->changes.empty());
      flushed.status.last_heartbeat = ready.status.last_heartbeat;
      CHECK(flushed == ready);
      CHECK(e.leases->counters().flushes == 1);
      REQUIRE(e.leases->Flush().ok());  // nothing pending: no transaction
      CHECK(e.leases->counters().flushes == 1);
    }
  }
}

TEST_CASE("node leases: a lease decided on a stale view is applied again, durably, at the flush",
          "[store][lease]") {
  for (const std::string backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      LeaseEnv e(backend);
      REQUIRE(e.Beat().ok());
      // Another process (a replica's node-health whose notification has not
      // arrived) marks the node NotReady; this table does not hear of it.
      auto other = e.env.Open();
      REQUIRE(other
                  ->UpdateNode("n1",
                               [&](api::Node& n) {
                                 api::MarkNodeNotReady(n, e.env.clock.Now());
                                 return Status::Ok();
                               })
                  .ok());
      e.env.clock.Advance(5s);
      REQUIRE(*e.Beat() == NodeLeases::Renewal::kLease);  // decided on the Ready view
      CHECK(e.Stored().status.state == api::kNodeNotReady);

      REQUIRE(e.leases->Flush().ok());
      api::Node after = e.Stored();
      CHECK(after.status.state == api::kNodeReady);  // the heartbeat was not lost
      CHECK(after.status.last_heartbeat == e.env.clock.Now());
      CHECK(e.leases->counters().reapplied == 1);
    }
  }
}

}  // namespace cara::store
