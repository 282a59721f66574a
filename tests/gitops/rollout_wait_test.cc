// WaitForRollout against the in-memory cluster: done, failed, deleted and
// timed out, decided from the project list of each poll.
#include "gitops/rollout_wait.h"

#include <sstream>

#include <catch2/catch.hpp>

#include "fake_cluster.h"

namespace cara::gitops {
namespace {

using std::chrono::milliseconds;

api::Project ProjectIn(const std::string& name, const std::string& phase, int64_t observed) {
  api::Project p;
  p.metadata.name = name;
  p.metadata.generation = 2;
  p.status.phase = phase;
  p.status.observed_generation = observed;
  return p;
}

api::Condition ConditionOf(const std::string& type, const std::string& message) {
  api::Condition c;
  c.type = type;
  c.status = "False";
  c.message = message;
  return c;
}

WaitReport Wait(FakeCluster& cluster, const std::vector<WaitTarget>& targets, Duration timeout,
                std::ostream& progress) {
  return WaitForRollout(cluster, SystemClock::Default(), targets, timeout, milliseconds(1),
                        progress, nullptr);
}

TEST_CASE("wait: done once every project runs the generation written", "[rollout_wait]") {
  FakeCluster cluster;
  cluster.Store(ProjectIn("web", "Running", 1));  // still the old generation
  cluster.OnListProjects([&] { cluster.Store(ProjectIn("web", "Running", 2)); });
  std::ostringstream progress;
  WaitReport w = Wait(cluster, {{"web", false, 2}}, std::chrono::hours(1), progress);
  CHECK(w.result == WaitResult::kDone);
  CHECK(progress.str() == "waiting: 0/1 ready; pending: web (Running)\n");
}

TEST_CASE("wait: a failed project ends the wait with its reason", "[rollout_wait]") {
  FakeCluster cluster;
  api::Project p = ProjectIn("web", "Failed", 2);
  p.status.conditions.push_back(ConditionOf("Ready", "web exited with code 3"));
  cluster.Store(p);
  std::ostringstream progress;
  WaitReport w = Wait(cluster, {{"web", false, 2}}, std::chrono::hours(1), progress);
  CHECK(w.result == WaitResult::kFailed);
  CHECK(w.problems == std::vector<std::string>{"web: Failed: web exited with code 3"});
}

TEST_CASE("wait: a deleted project is reached once it is gone", "[rollout_wait]") {
  FakeCluster cluster;
  cluster.Store(ProjectIn("old", "Terminating", 2));
  cluster.OnListProjects([&] { (void)cluster.Delete(api::kKindProject, "old"); });
  std::ostringstream progress;
  CHECK(Wait(cluster, {{"old", true, 0}}, std::chrono::hours(1), progress).result ==
        WaitResult::kDone);
}

TEST_CASE("wait: times out listing what is still pending", "[rollout_wait]") {
  FakeCluster cluster;
  cluster.Store(ProjectIn("web", "Scheduled", 1));
  std::ostringstream progress;
  WaitReport w = Wait(cluster, {{"web", false, 2}}, Duration::zero(), progress);
  CHECK(w.result == WaitResult::kTimedOut);
  CHECK(w.problems == std::vector<std::string>{"web (Scheduled)"});
}

TEST_CASE("wait: an unreachable server is retried, not a failure", "[rollout_wait]") {
  FakeCluster cluster;
  cluster.FailLists(Status::Unavailable("request failed: connection refused"));
  std::ostringstream progress;
  WaitReport w = Wait(cluster, {{"web", false, 1}}, Duration::zero(), progress);
  CHECK(w.result == WaitResult::kTimedOut);
  CHECK(w.problems.empty());
  CHECK(progress.str() == "waiting: request failed: connection refused (retrying)\n");
}

TEST_CASE("wait: a target that must be healthy waits out Healthy=False", "[rollout_wait]") {
  FakeCluster cluster;
  api::Project p = ProjectIn("db", "Running", 2);
  p.status.conditions.push_back(ConditionOf("Healthy", "db: starting"));
  cluster.Store(p);
  std::ostringstream progress;
  CHECK(Wait(cluster, {{"db", false, 2}}, Duration::zero(), progress).result == WaitResult::kDone);
  WaitReport w = Wait(cluster, {{"db", false, 2, true}}, Duration::zero(), progress);
  CHECK(w.result == WaitResult::kTimedOut);
  CHECK(w.problems == std::vector<std::string>{"db (Running, unhealthy: db: starting)"});
}

}  // namespace
}  // namespace cara::gitops
