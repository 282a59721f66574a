// The watch loop against the in-memory cluster and a directory source: a
// round runs only when the source or the cluster changed since the last
// in-sync round, an unusable source or an unreachable server skips the
// round, and the loop ends on the stop flag without waiting.
#include "gitops/sync_watch.h"

#include <fstream>
#include <vector>

#include <catch2/catch.hpp>

#include "fake_cluster.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace cara::gitops {
namespace {

const Timestamp kStart = Timestamp(std::chrono::hours(24 * 365 * 56));

void WriteProject(const std::string& dir, const std::string& name, const std::string& image) {
  std::ofstream(dir + "/" + name + ".yaml")
      << "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " << name
      << "\nspec:\n  services:\n    - name: web\n      image: " << image << "\n";
}

SourceSpec DirSource(const std::string& dir) {
  SourceSpec spec;
  spec.dir = dir;
  return spec;
}

struct Watch {
  testing::TempDir dir;
  FakeCluster cluster;
  int rounds = 0;
  bool in_sync = true;  // what the next round reports
  SyncWatch watch{DirSource(dir.path()), cluster,
                  [this](const LoadedSource& source, const LiveState&) {
                    ++rounds;
                    last_objects = source.objects.size();
                    RoundResult r;
                    r.in_sync = in_sync;
                    r.summary = "actions=0";
                    return r;
                  }};
  size_t last_objects = 0;
};

TEST_CASE("watch: a round runs only when the source or the cluster changed", "[sync_watch]") {
  Watch w;
  WriteProject(w.dir.path(), "web", "nginx:1");
  CHECK(w.watch.RunRound() == RoundOutcome::kSynced);
  CHECK(w.last_objects == 1);
  CHECK(w.watch.RunRound() == RoundOutcome::kUnchanged);

  WriteProject(w.dir.path(), "web", "nginx:2");  // the source changed
  CHECK(w.watch.RunRound() == RoundOutcome::kSynced);
  CHECK(w.watch.RunRound() == RoundOutcome::kUnchanged);

  api::Project drift;  // somebody created an object in the cluster
  drift.metadata.name = "by-hand";
  w.cluster.Store(drift);
  CHECK(w.watch.RunRound() == RoundOutcome::kSynced);
  CHECK(w.rounds == 3);
}

TEST_CASE("watch: a project turning unhealthy starts a round (reports count it)", "[sync_watch]") {
  Watch w;
  WriteProject(w.dir.path(), "web", "nginx:1");
  api::Project web;
  web.metadata.name = "web";
  web.status.phase = api::kPhaseRunning;
  w.cluster.Store(web);
  CHECK(w.watch.RunRound() == RoundOutcome::kSynced);
  CHECK(w.watch.RunRound() == RoundOutcome::kUnchanged);

  api::Project unhealthy = *w.cluster.FindProject("web");  // same generation and phase
  api::Condition healthy;
  healthy.type = "Healthy";
  healthy.status = "False";
  unhealthy.status.conditions.push_back(healthy);
  w.cluster.Store(unhealthy);
  CHECK(w.watch.RunRound() == RoundOutcome::kSynced);
  CHECK(w.watch.RunRound() == RoundOutcome::kUnchanged);
  CHECK(w.rounds == 2);
}

TEST_CASE("watch: a round that did not converge is run again", "[sync_watch]") {
  Watch w;
  WriteProject(w.dir.path(), "web", "nginx:1");
  w.in_sync = false;
  CHECK(w.watch.RunRound() == RoundOutcome::kSynced);
  CHECK(w.watch.RunRound() == RoundOutcome::kSynced);
  CHECK(w.rounds == 2);
}

TEST_CASE("watch: an invalid source or an unreachable server skips the round", "[sync_watch]") {
  Watch w;
  std::ofstream(w.dir.path() + "/broken.yaml") << "kind: [unclosed\n";
  CHECK(w.watch.RunRound() == RoundOutcome::kSourceUnusable);

  std::filesystem::remove(w.dir.path() + "/broken.yaml");
  WriteProject(w.dir.path(), "web", "nginx:1");
  w.cluster.FailLists(Status::Unavailable("request failed: connection refused"));
  CHECK(w.watch.RunRound() == RoundOutcome::kClusterUnreachable);
  CHECK(w.rounds == 0);
  CHECK(w.cluster.writes() == 0);
}

TEST_CASE("watch: a suspended source skips every round until it is resumed", "[sync_watch]") {
  Watch w;
  WriteProject(w.dir.path(), "web", "nginx:1");
  CHECK(w.watch.RunRound() == RoundOutcome::kSynced);
  CHECK(w.watch.RunRound() == RoundOutcome::kUnchanged);

  api::SourceState state;
  state.id = DeriveSourceId(DirSource(w.dir.path()));
  state.suspended = true;
  state.reason = "rollback";
  REQUIRE(w.cluster.PutSourceState(state).ok());
  WriteProject(w.dir.path(), "web", "nginx:2");  // a change it must not sync
  CHECK(w.watch.RunRound() == RoundOutcome::kSuspended);
  CHECK(w.watch.RunRound() == RoundOutcome::kSuspended);
  CHECK(w.rounds == 1);

  // Resumed with the source as it was when last in sync: the first round
  // runs all the same (the rollback changed the cluster behind its back).
  WriteProject(w.dir.path(), "web", "nginx:1");
  state.suspended = false;
  REQUIRE(w.cluster.PutSourceState(state).ok());
  CHECK(w.watch.RunRound() == RoundOutcome::kSynced);
  CHECK(w.rounds == 2);
}

TEST_CASE("watch: a server that cannot say whether the source is suspended skips the round",
          "[sync_watch]") {
  Watch w;
  WriteProject(w.dir.path(), "web", "nginx:1");
  w.cluster.FailLists(Status::Unavailable("request failed: connection refused"));
  CHECK(w.watch.RunRound() == RoundOutcome::kClusterUnreachable);
  CHECK(w.rounds == 0);
}

TEST_CASE("watch: the loop ends on the stop flag without waiting", "[sync_watch]") {
  testing::TempDir dir;
  WriteProject(dir.path(), "web", "nginx:1");
  FakeCluster cluster;
  FakeClock clock(kStart);
  std::atomic<bool> stop{false};
  int rounds = 0;
  SyncWatch watch(DirSource(dir.path()), cluster, [&](const LoadedSource&, const LiveState&) {
    ++rounds;
    stop = true;  // SIGINT during the round
    RoundResult r;
    r.in_sync = true;
    return r;
  });
  watch.Run(clock, std::chrono::hours(1), stop);
  CHECK(rounds == 1);
  CHECK_FALSE(WaitForNextRound(clock, std::chrono::hours(1), stop));
}

TEST_CASE("watch: observers see every round, with its outcome, commit and duration",
          "[sync_watch]") {
  Watch w;
  WriteProject(w.dir.path(), "web", "nginx:1");
  std::vector<RoundReport> seen;
  w.watch.AddObserver([&](const RoundReport& r) { seen.push_back(r); });
  w.watch.RunRound();
  w.watch.RunRound();
  w.cluster.FailLists(Status::Unavailable("request failed: connection refused"));
  w.watch.RunRound();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].cycle == 1);
  CHECK(seen[0].outcome == RoundOutcome::kSynced);
  REQUIRE(seen[0].result);
  CHECK(seen[0].result->summary == "actions=0");
  CHECK(seen[0].source_id == DeriveSourceId(DirSource(w.dir.path())));
  CHECK(seen[1].outcome == RoundOutcome::kUnchanged);
  CHECK_FALSE(seen[1].result);
  CHECK(seen[2].outcome == RoundOutcome::kClusterUnreachable);
  CHECK_FALSE(seen[2].error.empty());
}

// A poke (a push webhook) ends the wait at once, however long the interval,
// and is used up by the round it started; a poke during a round is kept for
// one more round.
TEST_CASE("watch: a poke starts the next round now, and pokes coalesce", "[sync_watch]") {
  FakeClock clock(kStart);
  std::atomic<bool> stop{false};
  std::atomic<bool> poked{true};
  CHECK(WaitForNextRound(clock, std::chrono::hours(1), stop, &poked));
  CHECK_FALSE(poked);
  CHECK(clock.SteadyNow() == FakeClock(kStart).SteadyNow());  // no time passed

  testing::TempDir dir;
  WriteProject(dir.path(), "web", "nginx:1");
  FakeCluster cluster;
  int rounds = 0;
  SyncWatch* self = nullptr;
  SyncWatch watch(DirSource(dir.path()), cluster, [&](const LoadedSource&, const LiveState&) {
    ++rounds;
    if (rounds == 1) {
      self->Poke();  // two pushes during the first round...
      self->Poke();
    }
    if (rounds == 2) stop = true;
    RoundResult r;
    r.in_sync = false;  // so that each round runs
    return r;
  });
  self = &watch;
  watch.Run(clock, std::chrono::hours(1), stop);
  CHECK(rounds == 2);  // ...make one more round, with no hour waited
  CHECK(clock.SteadyNow() == FakeClock(kStart).SteadyNow());
}

}  // namespace
}  // namespace cara::gitops
