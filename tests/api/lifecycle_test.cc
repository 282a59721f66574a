// The life-cycle rules the API applies to stored objects (api/lifecycle.h):
// pure functions, tested without a server or a store.
#include "api/lifecycle.h"

#include <catch2/catch.hpp>

namespace cara::api {
namespace {

using std::chrono::seconds;

const Timestamp kNow = Timestamp(std::chrono::hours(24 * 365 * 55));
const Duration kHeartbeatTimeout = seconds(40);

Project ProjectIn(const std::string& phase) {
  Project p;
  p.metadata.name = "web";
  p.metadata.resource_version = "7";
  ServiceDef app;
  app.name = "app";
  app.image = "nginx:1";
  p.spec.services.push_back(app);
  p.status.phase = phase;
  p.status.node_ref = "node-1";
  return p;
}

Node NodeIn(const std::string& state) {
  Node n;
  n.metadata.name = "node-1";
  n.metadata.resource_version = "3";
  n.status.state = state;
  return n;
}

TEST_CASE("lifecycle: DELETE removes Pending and Failed projects at once", "[lifecycle]") {
  for (const char* phase : {kPhasePending, kPhaseFailed}) {
    Project p = ProjectIn(phase);
    CHECK(ApplyProjectDelete(p, /*force=*/false));
    CHECK(p.status.phase == phase);
  }
}

TEST_CASE("lifecycle: DELETE of a live project makes it Terminating", "[lifecycle]") {
  for (const char* phase : {kPhaseScheduled, kPhaseRunning}) {
    Project p = ProjectIn(phase);
    CHECK_FALSE(ApplyProjectDelete(p, /*force=*/false));
    CHECK(p.status.phase == kPhaseTerminating);
  }
}

TEST_CASE("lifecycle: DELETE of a Failed project with data on its node makes it Terminating",
          "[lifecycle]") {
  Project p = ProjectIn(kPhaseFailed);
  p.spec.volumes.push_back({"data", kVolumePersistent});
  CHECK_FALSE(ApplyProjectDelete(p, /*force=*/false));
  CHECK(p.status.phase == kPhaseTerminating);
  // Never placed: nothing on any node, removed at once.
  Project unplaced = ProjectIn(kPhaseFailed);
  unplaced.spec.volumes.push_back({"data", kVolumePersistent});
  unplaced.status.node_ref.clear();
  CHECK(ApplyProjectDelete(unplaced, /*force=*/false));
  // force still skips the agent.
  CHECK(ApplyProjectDelete(p, /*force=*/true));
}

TEST_CASE("lifecycle: a Failed project with data on its node is redeployed on that node",
          "[lifecycle]") {
  Project current = ProjectIn(kPhaseFailed);
  current.spec.volumes.push_back({"data", kVolumePersistent});
  Project body = current;
  body.spec.services[0].image = "nginx:2";
  REQUIRE(ApplyProjectReplace(body, current, Timestamp{}).ok());
  CHECK(current.status.phase == kPhaseScheduled);
  CHECK(current.status.node_ref == "node-1");
  const Condition* phase = FindCondition(current.status.conditions, condition::kPhase);
  REQUIRE(phase);
  CHECK(phase->message ==
        "Spec changed after a failure; redeploying on node-1, which holds its persistent volume "
        "data");
  // Made Ephemeral: nothing to keep, the scheduler places it anew.
  Project failed = ProjectIn(kPhaseFailed);
  failed.spec.volumes.push_back({"data", kVolumePersistent});
  Project ephemeral = failed;
  ephemeral.spec.volumes[0].type = kVolumeEphemeral;
  REQUIRE(ApplyProjectReplace(ephemeral, failed, Timestamp{}).ok());
  CHECK(failed.status.phase == kPhasePending);
  CHECK(failed.status.node_ref.empty());
}

TEST_CASE("lifecycle: DELETE leaves Terminating and Terminated projects as they are",
          "[lifecycle]") {
  for (const char* phase : {kPhaseTerminating, kPhaseTerminated}) {
    Project p = ProjectIn(phase);
    CHECK_FALSE(ApplyProjectDelete(p, /*force=*/false));
    CHECK(p.status.phase == phase);
  }
}

TEST_CASE("lifecycle: DELETE with force removes a project in any phase", "[lifecycle]") {
  for (const char* phase : {kPhaseRunning, kPhaseTerminating}) {
    Project p = ProjectIn(phase);
    CHECK(ApplyProjectDelete(p, /*force=*/true));
  }
}

TEST_CASE("lifecycle: a spec change sends a Failed project back to Pending", "[lifecycle]") {
  Project current = ProjectIn(kPhaseFailed);
  Project body = current;
  body.spec.services[0].image = "nginx:2";
  REQUIRE(ApplyProjectReplace(body, current, kNow).ok());
  CHECK(current.spec == body.spec);
  CHECK(current.status.phase == kPhasePending);
  CHECK(current.status.node_ref.empty());
  const Condition* c = FindCondition(current.status.conditions, condition::kPhase);
  REQUIRE(c != nullptr);
  CHECK(c->reason == "SpecUpdated");
  CHECK(c->last_transition_time == kNow);
}

TEST_CASE("lifecycle: a Failed project with an unchanged spec stays Failed", "[lifecycle]") {
  Project current = ProjectIn(kPhaseFailed);
  Project body = current;
  body.metadata.labels = {{"team", "a"}};
  REQUIRE(ApplyProjectReplace(body, current, kNow).ok());
  CHECK(current.status.phase == kPhaseFailed);
  CHECK(current.status.node_ref == "node-1");
  CHECK(current.metadata.labels == body.metadata.labels);
}

TEST_CASE("lifecycle: a new restarted-at annotation counts as a spec change", "[lifecycle]") {
  Project current = ProjectIn(kPhaseFailed);
  current.metadata.annotations = {{"note", "x"}};
  Project body = current;
  body.metadata.annotations["note"] = "y";  // another annotation: no change
  CHECK_FALSE(ProjectSpecChanged(current, body));
  body.metadata.annotations[kRestartedAtAnnotation] = "2030-01-01T00:00:00Z";
  CHECK(ProjectSpecChanged(current, body));
  REQUIRE(ApplyProjectReplace(body, current, kNow).ok());
  CHECK(current.metadata.annotations == body.metadata.annotations);
  CHECK(current.status.phase == kPhasePending);
  CHECK(current.status.node_ref.empty());
  const Condition* c = FindCondition(current.status.conditions, condition::kPhase);
  REQUIRE(c != nullptr);
  CHECK(c->reason == "SpecUpdated");
  CHECK(c->message == "Restarted after a failure; project reset to Pending for redeployment");
  Project again = current;
  CHECK_FALSE(ProjectSpecChanged(current, again));
  again.metadata.annotations[kRestartedAtAnnotation] = "2030-01-01T00:00:01Z";
  CHECK(ProjectSpecChanged(current, again));
}

TEST_CASE("lifecycle: a spec change of a Running project keeps its phase", "[lifecycle]") {
  Project current = ProjectIn(kPhaseRunning);
  Project body = current;
  body.spec.services[0].image = "nginx:2";
  REQUIRE(ApplyProjectReplace(body, current, kNow).ok());
  CHECK(current.status.phase == kPhaseRunning);
  CHECK(current.spec.services[0].image == "nginx:2");
}

TEST_CASE("lifecycle: PUT of a project being deleted is a conflict", "[lifecycle]") {
  Project current = ProjectIn(kPhaseTerminating);
  Project body = current;
  body.spec.services[0].image = "nginx:2";
  Status st = ApplyProjectReplace(body, current, kNow);
  CHECK(st.code() == Code::kConflict);
  CHECK(st.message() ==
        "operation conflicts with current resource state: project \"web\" is being deleted");
  CHECK(current.spec.services[0].image == "nginx:1");
}

TEST_CASE("lifecycle: PUT based on a stale resourceVersion is a conflict", "[lifecycle]") {
  Project current = ProjectIn(kPhaseRunning);
  Project body = current;
  body.metadata.resource_version = "6";
  Status st = ApplyProjectReplace(body, current, kNow);
  CHECK(st.code() == Code::kConflict);
  CHECK(st.message() ==
        "operation conflicts with current resource state: project \"web\" has resourceVersion "
        "\"7\", the request was based on \"6\"");

  Node node = NodeIn(kNodeReady);
  Node node_body = node;
  node_body.metadata.resource_version = "2";
  CHECK(ApplyNodeReplace(node_body, node, kNow, kHeartbeatTimeout).code() == Code::kConflict);
}

TEST_CASE("lifecycle: new objects get their initial state", "[lifecycle]") {
  Project p = ProjectIn("");
  p.status.observed_generation = 5;
  InitNewProject(p);
  CHECK(p.status.phase == kPhasePending);
  CHECK(p.status.observed_generation == 0);

  Node n = NodeIn("");
  InitNewNode(n, kNow, kHeartbeatTimeout);
  CHECK(n.status.state == kNodeNotReady);
  Node cordoned = NodeIn("");
  cordoned.spec.unschedulable = true;
  InitNewNode(cordoned, kNow, kHeartbeatTimeout);
  CHECK(cordoned.status.state == kNodeDraining);
}

TEST_CASE("lifecycle: a node with assigned projects cannot be deleted", "[lifecycle]") {
  std::vector<Project> on_node = {ProjectIn(kPhaseRunning), ProjectIn(kPhaseFailed),
                                  ProjectIn(kPhaseTerminating)};
  Status st = CheckNodeDeletable("node-1", on_node);
  CHECK(st.code() == Code::kConflict);
  CHECK(st.message() == "cannot delete node \"node-1\": 2 project(s) still assigned");
  CHECK(CheckNodeDeletable("node-1", {ProjectIn(kPhaseFailed)}).ok());
}

TEST_CASE("lifecycle: a heartbeat stamps the node and takes what it reports", "[lifecycle]") {
  Node n = NodeIn(kNodeNotReady);
  NodeStatus report;
  report.state = kNodeReady;
  report.network.ip = "10.0.0.2";
  report.info.agent_version = "1.2.3";
  ApplyHeartbeat(report, n, kNow);
  CHECK(n.status.last_heartbeat == kNow);
  CHECK(n.status.state == kNodeReady);
  CHECK(n.status.network.ip == "10.0.0.2");
  CHECK(n.status.info.agent_version == "1.2.3");

  NodeStatus empty;
  ApplyHeartbeat(empty, n, kNow + seconds(5));
  CHECK(n.status.network.ip == "10.0.0.2");  // unset fields keep what was reported before
  CHECK(n.status.last_heartbeat == kNow + seconds(5));
}

TEST_CASE("lifecycle: a heartbeat does not undo a drain", "[lifecycle]") {
  Node n = NodeIn(kNodeDraining);
  n.spec.unschedulable = true;
  NodeStatus report;
  report.state = kNodeReady;
  ApplyHeartbeat(report, n, kNow);
  CHECK(n.status.state == kNodeDraining);
}

TEST_CASE("lifecycle: a status patch with a reason sets the Phase condition", "[lifecycle]") {
  Project p = ProjectIn(kPhaseScheduled);
  ProjectStatusPatch running;
  running.phase = kPhaseRunning;
  running.observed_generation = 3;
  ApplyProjectStatusPatch(running, p, kNow);
  CHECK(p.status.phase == kPhaseRunning);
  CHECK(p.status.observed_generation == 3);
  CHECK(FindCondition(p.status.conditions, condition::kPhase) == nullptr);

  ProjectStatusPatch failed;
  failed.phase = kPhaseFailed;
  failed.reason = "CrashLoop";
  ApplyProjectStatusPatch(failed, p, kNow);
  CHECK(p.status.phase == kPhaseFailed);
  CHECK(p.status.observed_generation == 3);
  const Condition* c = FindCondition(p.status.conditions, condition::kPhase);
  REQUIRE(c != nullptr);
  CHECK(c->reason == "CrashLoop");
}

// The original let a late report undo a DELETE (upstream-reference, known
// races): a deploy decided before the delete that then finds its Secret
// pruned reports Failed, and the project was stuck Failed instead of going.
TEST_CASE("lifecycle: a Terminating project leaves only for Terminated or a failed teardown",
          "[lifecycle]") {
  for (const char* phase : {kPhaseRunning, kPhaseScheduled, kPhasePending, kPhaseFailed}) {
    Project p = ProjectIn(kPhaseTerminating);
    ProjectStatusPatch late;
    late.phase = phase;
    late.reason = phase == std::string(kPhaseFailed) ? "SecretNotFound" : "";
    late.observed_generation = 4;
    ApplyProjectStatusPatch(late, p, kNow);
    INFO(phase);
    CHECK(p.status.phase == kPhaseTerminating);
    CHECK(p.status.observed_generation == 4);  // the rest of the report still counts
    CHECK(FindCondition(p.status.conditions, condition::kPhase) == nullptr);
  }
  // The teardown's own outcomes: removed, or failed to remove.
  for (auto [phase, reason] :
       {std::pair{kPhaseFailed, "RemoveError"}, std::pair{kPhaseTerminated, "ResourcesRemoved"}}) {
    Project p = ProjectIn(kPhaseTerminating);
    ProjectStatusPatch outcome;
    outcome.phase = phase;
    outcome.reason = reason;
    ApplyProjectStatusPatch(outcome, p, kNow);
    CHECK(p.status.phase == phase);
  }
}

}  // namespace
}  // namespace cara::api
