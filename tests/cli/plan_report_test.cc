// Rendering plans by hand-built example: text (with and without colour),
// the versioned JSON report, and Markdown for pull-request comments.
#include "cli/plan_report.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace cara::cli {
namespace {

using gitops::Action;
using gitops::ActionOutcome;
using gitops::ActionType;
using gitops::FieldChange;
using gitops::Plan;
using gitops::SourceInfo;
using nlohmann::json;

const char kCommit[] = "0123456789abcdef0123456789abcdef01234567";
const char kBase[] = "fedcba9876543210fedcba9876543210fedcba98";

json ProjectView(const std::string& image) {
  return {{"metadata", {{"labels", {{"app", "web"}}}}},
          {"spec", {{"services", {{{"name", "web"}, {"image", image}}}}}}};
}

json NodeView(bool unschedulable) { return {{"spec", {{"unschedulable", unschedulable}}}}; }

Action MakeAction(ActionType type, const std::string& kind, const std::string& name,
                  const std::string& origin, const std::string& reason = "") {
  Action a;
  a.type = type;
  a.kind = kind;
  a.name = name;
  a.origin = origin;
  a.reason = reason;
  a.mutates = type != ActionType::kNoop && type != ActionType::kSkip && type != ActionType::kExpire;
  return a;
}

// One action of every type, in the plan engine's order.
Plan SamplePlan() {
  Plan plan;
  Action n3 = MakeAction(ActionType::kCreate, "Node", "n3", "nodes.yaml:7");
  n3.after = NodeView(false);
  n3.changes = {{"spec.unschedulable", nullptr, false}};
  Action n2 = MakeAction(ActionType::kDrain, "Node", "n2", "nodes.yaml:4");
  n2.before = NodeView(false);
  n2.after = NodeView(true);
  n2.changes = {{"spec.unschedulable", false, true}};
  Action n1 = MakeAction(ActionType::kNoop, "Node", "n1", "nodes.yaml:1");
  Action api = MakeAction(ActionType::kCreate, "Project", "api", "projects/api.yaml:1");
  api.after = ProjectView("api:2");
  Action web = MakeAction(ActionType::kUpdate, "Project", "web", "projects/web.yaml:1");
  web.before = ProjectView("nginx:1.26");
  web.after = ProjectView("nginx:1.27");
  web.changes = {{"spec.services[web].image", "nginx:1.26", "nginx:1.27"}};
  Action legacy = MakeAction(ActionType::kSkip, "Project", "legacy", "",
                             "not in the source; protected by caravanserai.io/prune: disabled");
  Action old = MakeAction(ActionType::kDelete, "Project", "old", "", "not in the source");
  old.before = ProjectView("old:1");
  Action p12 = MakeAction(ActionType::kExpire, "Project", "preview-12", "previews/12.yaml:1",
                          "expired at 2026-11-20T00:00:00Z; deleting");
  p12.mutates = true;
  p12.before = ProjectView("preview:12");
  Action p9 = MakeAction(ActionType::kExpire, "Project", "preview-9", "previews/9.yaml:1",
                         "expired at 2026-11-01T00:00:00Z; not created");
  plan.actions = {n3, n2, n1, api, web, legacy, old, p12, p9};
  plan.hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  return plan;
}

ActionOutcome Outcome(bool ok, const std::string& message) {
  ActionOutcome o;
  o.ok = ok;
  o.message = message;
  return o;
}

PlanReport DiffReport(const Plan& plan) {
  PlanReport r;
  r.mode = "diff";
  r.source = {"/srv/manifests", kCommit, ""};
  r.plan = &plan;
  return r;
}

// A sync of SamplePlan where the create of project/api succeeded, the
// update of project/web failed and the rest went fine.
PlanReport SyncReport(const Plan& plan) {
  PlanReport r = DiffReport(plan);
  r.mode = "sync";
  r.outcomes.resize(plan.actions.size());
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    if (!plan.actions[i].mutates) continue;
    r.outcomes[i] = Outcome(true, "done");
  }
  r.outcomes[3] = Outcome(true, "created");
  r.outcomes[4] = Outcome(false, "conflict: the object was modified");
  return r;
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("plan text lists each action with its diff and a summary", "[plan_report]") {
  Plan plan = SamplePlan();
  std::string text = RenderPlanText(DiffReport(plan), TextStyle{});
  INFO(text);
  CHECK(text.rfind("Source: /srv/manifests at 0123456789ab\n\n", 0) == 0);
  CHECK(Has(text, "\n+ create node/n3 (nodes.yaml:7)\n"));
  CHECK(Has(text, "\n! drain node/n2 (nodes.yaml:4)\n"));
  CHECK(Has(text, "\n+ create project/api (projects/api.yaml:1)\n"));
  CHECK(Has(text, "\n~ update project/web (projects/web.yaml:1)\n"));
  CHECK(Has(text,
            "\n# skip project/legacy — not in the source; protected by "
            "caravanserai.io/prune: disabled\n"));
  CHECK(Has(text, "\n- delete project/old — not in the source\n"));
  CHECK(Has(text,
            "\n- expire project/preview-12 (previews/12.yaml:1) — expired at "
            "2026-11-20T00:00:00Z; deleting\n"));
  CHECK(Has(text,
            "\n# expire project/preview-9 (previews/9.yaml:1) — expired at "
            "2026-11-01T00:00:00Z; not created\n"));
  CHECK_FALSE(Has(text, "noop"));
  // The YAML diff of the update, indented under its action line.
  CHECK(Has(text,
            "~ update project/web (projects/web.yaml:1)\n"
            "  --- live/project/web\n"
            "  +++ source/project/web\n"
            "  @@ -3,5 +3,5 @@\n"
            "           app: web\n"
            "   spec:\n"
            "       services:\n"
            "  -        - image: nginx:1.26\n"
            "  +        - image: nginx:1.27\n"
            "             name: web\n\n"));
  CHECK(Has(text,
            "  +++ source/node/n2\n  @@ -1,2 +1,2 @@\n   spec:\n"
            "  -    unschedulable: false\n  +    unschedulable: true\n"));
  CHECK(Has(text, "  --- live/project/old\n  +++ source/project/old\n  @@ -1,7 +0,0 @@\n"));
  CHECK(Has(text,
            "\n\nPlan: 2 to create, 1 to update, 1 to delete, 1 to drain, 0 to undrain, "
            "2 to expire; 1 unchanged, 1 skipped.\n"));
  CHECK(text.back() == '\n');
  CHECK_FALSE(Has(text, "\x1b"));
}

TEST_CASE("plan text options: noops, no diffs", "[plan_report]") {
  Plan plan = SamplePlan();
  TextStyle style;
  style.show_noops = true;
  style.show_diff = false;
  std::string text = RenderPlanText(DiffReport(plan), style);
  INFO(text);
  CHECK(Has(text, "\n= noop node/n1 (nodes.yaml:1)\n"));
  CHECK_FALSE(Has(text, "---"));
  CHECK_FALSE(Has(text, "@@"));
}

TEST_CASE("plan text uses colour only when asked", "[plan_report]") {
  Plan plan = SamplePlan();
  TextStyle style;
  style.color = true;
  std::string text = RenderPlanText(DiffReport(plan), style);
  INFO(text);
  CHECK(Has(text, "\x1b[36mSource: /srv/manifests at 0123456789ab\x1b[0m\n"));
  CHECK(Has(text, "\x1b[32m+ create\x1b[0m project/api"));
  CHECK(Has(text, "\x1b[33m~ update\x1b[0m project/web"));
  CHECK(Has(text, "\x1b[33m! drain\x1b[0m node/n2"));
  CHECK(Has(text, "\x1b[31m- delete\x1b[0m project/old"));
  CHECK(Has(text, "  \x1b[31m-        - image: nginx:1.26\x1b[0m\n"));
  CHECK(Has(text, "  \x1b[32m+        - image: nginx:1.27\x1b[0m\n"));
  CHECK(Has(text, "  \x1b[36m@@ -3,5 +3,5 @@\x1b[0m\n"));
  CHECK(Has(text, "\x1b[1mPlan: 2 to create"));
  CHECK(Has(text, "\n# skip project/legacy"));  // informational lines stay plain
}

TEST_CASE("plan text of a cluster in sync", "[plan_report]") {
  Plan plan;
  plan.actions = {MakeAction(ActionType::kNoop, "Project", "web", "projects/web.yaml:1")};
  PlanReport report = DiffReport(plan);
  CHECK(RenderPlanText(report, TextStyle{}) ==
        "Source: /srv/manifests at 0123456789ab\n\n"
        "No differences: the cluster matches /srv/manifests at 0123456789ab "
        "(1 unchanged, 0 skipped).\n");
  report.source.commit = "";  // a directory
  CHECK(Has(RenderPlanText(report, TextStyle{}),
            "No differences: the cluster matches /srv/manifests (1 unchanged"));
  report.mode = "sync";
  CHECK(Has(RenderPlanText(report, TextStyle{}), "Nothing to do: the cluster matches"));
}

TEST_CASE("plan text of an offline diff between two revisions", "[plan_report]") {
  Plan plan = SamplePlan();
  PlanReport report = DiffReport(plan);
  report.source = {"https://git.example/infra.git//clusters/prod", kCommit, kBase};
  std::string text = RenderPlanText(report, TextStyle{});
  INFO(text);
  CHECK(text.rfind("Source: https://git.example/infra.git//clusters/prod, base fedcba987654 → "
                   "0123456789ab\n",
                   0) == 0);
  CHECK(Has(text, "  --- fedcba987654/project/web\n  +++ 0123456789ab/project/web\n"));

  Plan same;
  report.plan = &same;
  CHECK(Has(RenderPlanText(report, TextStyle{}),
            "No differences: https://git.example/infra.git//clusters/prod defines the same "
            "objects at fedcba987654 and 0123456789ab"));
}

TEST_CASE("sync text shows each result and counts failures", "[plan_report]") {
  Plan plan = SamplePlan();
  std::string text = RenderPlanText(SyncReport(plan), TextStyle{});
  INFO(text);
  CHECK(Has(text, "\n+ create project/api (projects/api.yaml:1) → ok: created\n"));
  CHECK(Has(text,
            "\n~ update project/web (projects/web.yaml:1) → FAILED: conflict: the object "
            "was modified\n"));
  CHECK(Has(text,
            "\n# skip project/legacy — not in the source; protected by "
            "caravanserai.io/prune: disabled\n"));
  CHECK(Has(text,
            "\nSync: 2 created, 0 updated, 1 deleted, 1 drained, 0 undrained, 1 expired; "
            "1 unchanged, 1 skipped, 1 failed.\n"));

  TextStyle color;
  color.color = true;
  CHECK(Has(RenderPlanText(SyncReport(plan), color), "\x1b[31mFAILED: conflict"));
}

TEST_CASE("sync text of a dry run and of a partial run", "[plan_report]") {
  Plan plan = SamplePlan();
  PlanReport report = SyncReport(plan);
  report.outcomes.clear();
  report.dry_run = true;
  std::string text = RenderPlanText(report, TextStyle{});
  INFO(text);
  CHECK(text.rfind("Source: /srv/manifests at 0123456789ab (dry run)\n", 0) == 0);
  CHECK_FALSE(Has(text, "→"));
  CHECK(Has(text, "\nDry run, nothing was changed. Plan: 2 to create, 1 to update"));

  // A sync that stopped after the first two actions.
  report = SyncReport(plan);
  for (size_t i = 2; i < report.outcomes.size(); ++i) report.outcomes[i].reset();
  CHECK(Has(RenderPlanText(report, TextStyle{}),
            "Sync: 1 created, 0 updated, 0 deleted, 1 drained, 0 undrained, 0 expired; "
            "1 unchanged, 1 skipped, 0 failed, 4 not run.\n"));
}

TEST_CASE("plan text lists refusals", "[plan_report]") {
  Plan plan = SamplePlan();
  plan.refusals = {"the plan deletes 12 objects, more than --max-delete 10"};
  std::string text = RenderPlanText(DiffReport(plan), TextStyle{});
  INFO(text);
  CHECK(Has(text, "\n\nrefused: the plan deletes 12 objects, more than --max-delete 10\n\nPlan: "));

  PlanReport sync = SyncReport(plan);
  sync.outcomes.clear();
  CHECK(Has(RenderPlanText(sync, TextStyle{}), "\nSync refused, nothing was changed. Plan: "));

  Plan empty;
  empty.refusals = {"the source is empty (use --allow-empty)"};
  text = RenderPlanText(DiffReport(empty), TextStyle{});
  CHECK(Has(text, "refused: the source is empty"));
  CHECK_FALSE(Has(text, "No differences"));
}

TEST_CASE("plan JSON report", "[plan_report]") {
  Plan plan = SamplePlan();
  std::string out = RenderPlanJson(DiffReport(plan));
  INFO(out);
  CHECK(out.rfind("{\n  \"apiVersion\": \"caractrl/v1\",\n  \"kind\": \"DiffReport\",\n"
                  "  \"source\": {\n",
                  0) == 0);
  CHECK(out == RenderPlanJson(DiffReport(plan)));  // stable
  json j = json::parse(out);
  CHECK(j["source"] == json{{"id", "/srv/manifests"}, {"commit", kCommit}});
  CHECK_FALSE(j.contains("dryRun"));
  CHECK(j["planHash"] == plan.hash);
  CHECK(j["inSync"] == false);
  REQUIRE(j["actions"].size() == 9);
  CHECK(j["actions"][4] == json::parse(R"({
    "action": "update", "kind": "Project", "name": "web", "origin": "projects/web.yaml:1",
    "mutates": true,
    "changes": [{"path": "spec.services[web].image", "before": "nginx:1.26",
                 "after": "nginx:1.27"}]})"));
  // A field that is added has no "before".
  CHECK(j["actions"][0]["changes"][0] == json{{"path", "spec.unschedulable"}, {"after", false}});
  CHECK(j["actions"][6] == json::parse(R"({"action": "delete", "kind": "Project", "name": "old",
    "reason": "not in the source", "mutates": true, "changes": []})"));
  CHECK(j["refusals"] == json::array());
  CHECK(j["summary"] == json::parse(R"({"create": 2, "update": 1, "drift": 0, "delete": 1,
    "drain": 1, "undrain": 0, "expire": 2, "noop": 1, "skip": 1, "degraded": 0})"));
}

TEST_CASE("sync JSON report", "[plan_report]") {
  Plan plan = SamplePlan();
  plan.refusals = {"nope"};
  PlanReport report = SyncReport(plan);
  report.source = {"https://git.example/infra.git", kCommit, kBase};
  json j = json::parse(RenderPlanJson(report));
  CHECK(j["kind"] == "SyncReport");
  CHECK(j["source"]["baseCommit"] == kBase);
  CHECK(j["dryRun"] == false);
  CHECK(j["actions"][3]["result"] == json{{"ok", true}, {"message", "created"}});
  CHECK(j["actions"][4]["result"] ==
        json{{"ok", false}, {"message", "conflict: the object was modified"}});
  CHECK_FALSE(j["actions"][2].contains("result"));  // the noop was not executed
  CHECK(j["refusals"] == json{"nope"});
  CHECK(j["summary"]["failed"] == 1);

  report.source.commit = "";
  report.source.base_commit = "";
  j = json::parse(RenderPlanJson(report));
  CHECK(j["source"] == json{{"id", "https://git.example/infra.git"}, {"commit", nullptr}});

  Plan in_sync;
  j = json::parse(RenderPlanJson(DiffReport(in_sync)));
  CHECK(j["inSync"] == true);
  CHECK(j["actions"] == json::array());
}

TEST_CASE("plan Markdown has a table, diffs and a summary", "[plan_report]") {
  Plan plan = SamplePlan();
  plan.actions[3].origin = "projects/a|b.yaml:1";
  std::string md = RenderPlanMarkdown(DiffReport(plan));
  INFO(md);
  CHECK(md.rfind("### caractrl diff: 6 changes\n\nSource: `/srv/manifests` at `0123456789ab`\n\n",
                 0) == 0);
  CHECK(Has(md, "| Action | Object | Details |\n| --- | --- | --- |\n"));
  CHECK(Has(md, "| `~` update | `project/web` | projects/web.yaml:1 |\n"));
  CHECK(Has(md, "| `+` create | `project/api` | projects/a\\|b.yaml:1 |\n"));
  CHECK(Has(md, "| `-` delete | `project/old` | not in the source |\n"));
  CHECK_FALSE(Has(md, "noop"));
  CHECK(Has(md,
            "<details><summary>update project/web</summary>\n\n"
            "```diff\n--- live/project/web\n+++ source/project/web\n@@ -3,5 +3,5 @@\n"));
  CHECK(Has(md, "-        - image: nginx:1.26\n+        - image: nginx:1.27\n"));
  CHECK(Has(md, "```\n\n</details>\n"));
  CHECK(Has(md, "\n**Plan: 2 to create, 1 to update"));
}

TEST_CASE("plan Markdown: refusals, sync results, fences and in-sync", "[plan_report]") {
  Plan plan = SamplePlan();
  plan.refusals = {"first", "second"};
  std::string md = RenderPlanMarkdown(DiffReport(plan));
  CHECK(Has(md, "> [!WARNING]\n> refused: first\n>\n> refused: second\n\n"));

  plan.refusals.clear();
  md = RenderPlanMarkdown(SyncReport(plan));
  INFO(md);
  CHECK(md.rfind("### caractrl sync: 6 changes, 1 failed\n", 0) == 0);
  CHECK(Has(md,
            "| `~` update | `project/web` | projects/web.yaml:1 — **FAILED: conflict: the "
            "object was modified** |\n"));

  // A value holding a code fence cannot end the diff block early.
  plan.actions[4].after["spec"]["note"] = "```";
  md = RenderPlanMarkdown(DiffReport(plan));
  CHECK(Has(md, "````diff\n"));

  Plan in_sync;
  md = RenderPlanMarkdown(DiffReport(in_sync));
  CHECK(md ==
        "### caractrl diff: no changes\n\nSource: `/srv/manifests` at `0123456789ab`\n\n"
        "No differences: the cluster matches /srv/manifests at 0123456789ab "
        "(0 unchanged, 0 skipped).\n");
}

}  // namespace
}  // namespace cara::cli
