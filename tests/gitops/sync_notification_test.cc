// Which sync --watch rounds become notifications, and what they say.
#include "gitops/sync_notification.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

namespace cara::gitops {
namespace {

using nlohmann::json;

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

// A sync report (as RenderPlanJson writes it) with one executed create, one
// failed update and a noop.
std::string ReportJson() {
  json report = {{"apiVersion", "caractrl/v1"},
                 {"kind", "SyncReport"},
                 {"actions",
                  {{{"action", "create"},
                    {"kind", "Project"},
                    {"name", "web"},
                    {"result", {{"ok", true}, {"message", "created"}}}},
                   {{"action", "update"},
                    {"kind", "Secret"},
                    {"name", "db"},
                    {"result", {{"ok", false}, {"message", "409 conflict"}}}},
                   {{"action", "noop"}, {"kind", "Project"}, {"name", "api"}}}}};
  return report.dump();
}

RoundReport Synced(int cycle, bool wrote, int exit_code = 0) {
  RoundReport r;
  r.cycle = cycle;
  r.outcome = RoundOutcome::kSynced;
  r.source_id = "https://git.example.com/ops.git//prod";
  r.commit = kCommit;
  r.started = Timestamp(std::chrono::seconds(1800000000)) + std::chrono::milliseconds(250);
  r.duration = std::chrono::milliseconds(1500);
  RoundResult result;
  result.exit_code = exit_code;
  result.in_sync = !wrote;
  result.wrote = wrote;
  result.summary = "actions=2 failed=0 plan=abc";
  if (wrote) {
    result.actions = {{"create", 1}, {"update", 1}};
    result.report_json = ReportJson();
  }
  r.result = result;
  return r;
}

RoundReport Skipped(int cycle, RoundOutcome outcome, std::string error) {
  RoundReport r;
  r.cycle = cycle;
  r.outcome = outcome;
  r.source_id = "/srv/cluster";
  r.error = std::move(error);
  return r;
}

TEST_CASE("a round that wrote is notified, a no-op round is not", "[notify]") {
  NotificationPolicy policy;
  CHECK(policy.Next(Synced(1, true)).has_value());
  CHECK_FALSE(policy.Next(Synced(2, false)).has_value());
  CHECK_FALSE(policy.Next(Skipped(3, RoundOutcome::kUnchanged, "")).has_value());
  CHECK_FALSE(policy.Next(Skipped(4, RoundOutcome::kSuspended, "source suspended")).has_value());
  CHECK(policy.Next(Synced(5, true)).has_value());
}

TEST_CASE("a failure is notified once while it repeats unchanged", "[notify]") {
  NotificationPolicy policy;
  auto down = [](int cycle) {
    return Skipped(cycle, RoundOutcome::kClusterUnreachable, "connection refused");
  };
  auto first = policy.Next(down(1));
  REQUIRE(first.has_value());
  CHECK(first->result == "failed");
  CHECK_FALSE(policy.Next(down(2)).has_value());
  CHECK_FALSE(policy.Next(down(3)).has_value());
  // A different failure is news.
  CHECK(policy.Next(Skipped(4, RoundOutcome::kSourceUnusable, "a.yaml:1:1: bad")).has_value());
  CHECK_FALSE(
      policy.Next(Skipped(5, RoundOutcome::kSourceUnusable, "a.yaml:1:1: bad")).has_value());
  // So is the same failure after the cluster recovered in between.
  CHECK_FALSE(policy.Next(Skipped(6, RoundOutcome::kUnchanged, "")).has_value());
  CHECK(policy.Next(Skipped(7, RoundOutcome::kSourceUnusable, "a.yaml:1:1: bad")).has_value());
}

TEST_CASE("a round with a failed action is failed, with degraded projects degraded", "[notify]") {
  NotificationPolicy policy;
  auto failed = policy.Next(Synced(1, true, 1));
  REQUIRE(failed.has_value());
  CHECK(failed->result == "failed");
  CHECK(failed->summary ==
        "cycle 1 failed at commit 0123456789ab: 1 create, 1 update; 1 failed (update "
        "Secret/db: 409 conflict)");

  RoundReport degraded = Synced(2, true);
  degraded.result->degraded = 2;
  auto n = policy.Next(degraded);
  REQUIRE(n.has_value());
  CHECK(n->result == "degraded");
  CHECK(n->summary ==
        "cycle 2 degraded at commit 0123456789ab: 1 create, 1 update; 2 project(s) "
        "degraded");
}

TEST_CASE("a refused round says why", "[notify]") {
  RoundReport refused = Synced(3, false, 3);
  refused.result->summary = "refused: the source is empty";
  auto n = NotificationPolicy().Next(refused);
  REQUIRE(n.has_value());
  CHECK(n->summary ==
        "cycle 3 failed at commit 0123456789ab: nothing written; refused: the "
        "source is empty (exit code 3)");
  CHECK(n->actions.empty());
}

TEST_CASE("the JSON notification is versioned and names objects, never their values", "[notify]") {
  json j = json::parse(NotificationJson(NotificationOf(Synced(7, true, 1))));
  CHECK(j["apiVersion"] == "caractrl/v1");
  CHECK(j["kind"] == "SyncNotification");
  CHECK(j["source"] == "https://git.example.com/ops.git//prod");
  CHECK(j["commit"] == kCommit);
  CHECK(j["cycle"] == 7);
  CHECK(j["result"] == "failed");
  CHECK(j["startedAt"] == "2027-01-15T08:00:00.25Z");
  CHECK(j["durationSeconds"] == 1.5);
  REQUIRE(j["actions"].size() == 2);  // the noop was not executed
  CHECK(j["actions"][0] == json{{"action", "create"},
                                {"kind", "Project"},
                                {"name", "web"},
                                {"outcome", "succeeded"},
                                {"error", nullptr}});
  CHECK(j["actions"][1]["outcome"] == "failed");
  CHECK(j["actions"][1]["error"] == "409 conflict");
  CHECK(j["summary"].get<std::string>().find("http") == std::string::npos);  // link-free

  json dir = json::parse(NotificationJson(
      NotificationOf(Skipped(1, RoundOutcome::kSourceUnusable, "x.yaml:2:3: bad"))));
  CHECK(dir["commit"].is_null());
  CHECK(dir["actions"] == json::array());
  CHECK(dir["summary"] ==
        "cycle 1 failed: the source is unusable, nothing was applied: "
        "x.yaml:2:3: bad");
}

TEST_CASE("the Slack message is JSON with escaped text", "[notify]") {
  RoundReport r = Skipped(2, RoundOutcome::kClusterUnreachable, "<refused> & \xff gone");
  json j = json::parse(SlackMessageJson(NotificationOf(r)));
  REQUIRE(j.size() == 1);
  CHECK(j["text"] ==
        "caractrl sync `/srv/cluster`: cycle 2 failed: the server is unreachable: "
        "&lt;refused&gt; &amp; \xef\xbf\xbd gone");
}

}  // namespace
}  // namespace cara::gitops
