// What a sync records (SyncRunFor) and where a rollback reads its revision
// (ResolveRollbackTarget, GitSourceFromId). Pure functions.
#include "gitops/sync_history.h"

#include <catch2/catch.hpp>

#include "gitops/rollback.h"

namespace cara::gitops {
namespace {

const Timestamp kStart = Timestamp(std::chrono::hours(24 * 365 * 56));

Action Write(ActionType type, const std::string& name) {
  Action a;
  a.type = type;
  a.kind = api::kKindProject;
  a.name = name;
  a.mutates = true;
  a.in_source = type != ActionType::kDelete;
  return a;
}

Plan ThreeWrites() {
  Plan plan;
  plan.actions.push_back(Write(ActionType::kCreate, "a"));
  Action noop = Write(ActionType::kNoop, "b");
  noop.mutates = false;
  plan.actions.push_back(noop);
  plan.actions.push_back(Write(ActionType::kUpdate, "c"));
  plan.actions.push_back(Write(ActionType::kDelete, "d"));
  plan.hash = std::string(64, 'e');
  return plan;
}

ActionOutcome Ok() { return {true, "created", 1, ""}; }

TEST_CASE("sync run: the writes with their outcomes, noops left out", "[sync_history]") {
  Plan plan = ThreeWrites();
  SourceInfo source{"/srv/ops.git//prod", "0123abcd", ""};
  auto run = SyncRunFor(source, "main", plan, {Ok(), std::nullopt, Ok(), Ok()}, kStart,
                        kStart + std::chrono::seconds(3));
  CHECK(run.source == "/srv/ops.git//prod");
  CHECK(run.commit == "0123abcd");
  CHECK(run.ref == "main");
  CHECK(run.plan_hash == plan.hash);
  CHECK(run.finished_at - run.started_at == std::chrono::seconds(3));
  REQUIRE(run.actions.size() == 3);
  CHECK(run.actions[0].action == "create");
  CHECK(run.actions[1].name == "c");
  CHECK(run.actions[2].action == "delete");
  CHECK(run.result == api::kRunSucceeded);
  // What the server accepts (the client leaves id and who to it).
  nlohmann::json body = nlohmann::json::parse(api::EncodeSyncRun(run).dump());
  body.erase("id");
  body.erase("who");
  std::vector<api::SchemaError> errors;
  api::DecodeSyncRunRequest(body, errors);
  CHECK(errors.empty());
}

TEST_CASE("sync run: failed, skipped and interrupted writes decide the result", "[sync_history]") {
  Plan plan = ThreeWrites();
  ActionOutcome failed{false, "conflict: edited since", 0, ""};
  auto run = SyncRunFor({}, "", plan, {Ok(), std::nullopt, failed, Ok()}, kStart, kStart);
  CHECK(run.result == api::kRunFailed);
  CHECK(run.actions[1].outcome == api::kOutcomeFailed);
  CHECK(run.actions[1].error == "conflict: edited since");

  run = SyncRunFor({}, "", plan, {Ok(), std::nullopt, failed, std::nullopt}, kStart, kStart);
  CHECK(run.result == api::kRunInterrupted);
  CHECK(run.actions[2].outcome == api::kOutcomeNotRun);

  Action skip = Write(ActionType::kSkip, "e");
  skip.mutates = false;
  skip.reason = "terminating";
  plan.actions.push_back(skip);
  run = SyncRunFor({}, "", plan, {Ok(), std::nullopt, Ok(), Ok(), std::nullopt}, kStart, kStart);
  CHECK(run.result == api::kRunFailed);
  REQUIRE(run.actions.size() == 4);
  CHECK(run.actions[3].outcome == api::kOutcomeSkipped);
  CHECK(run.actions[3].error == "terminating");
}

TEST_CASE("rollback: --to names a run of the history or a commit", "[sync_history]") {
  api::SyncRun older, dir_run;
  older.id = "20261207-010000-beef";
  older.commit = "0123456789abcdef0123456789abcdef01234567";
  dir_run.id = "20261207-020000-cafe";
  auto target = ResolveRollbackTarget({older, dir_run}, older.id);
  REQUIRE(target.ok());
  CHECK(target->commit == older.commit);
  CHECK(target->run_id == older.id);

  target = ResolveRollbackTarget({older}, "89abcdef");
  REQUIRE(target.ok());
  CHECK(target->commit == "89abcdef");
  CHECK(target->run_id.empty());

  CHECK(ResolveRollbackTarget({older, dir_run}, dir_run.id).status().code() == Code::kInvalid);
  auto unknown = ResolveRollbackTarget({older}, "20261207-999999-0000");
  CHECK(unknown.status().message().find("caractrl history") != std::string::npos);
}

TEST_CASE("rollback: the Git source a source id names", "[sync_history]") {
  SourceSpec remote = GitSourceFromId("https://git.example.com/ops.git//prod/eu", "abcd");
  CHECK(remote.repo == "https://git.example.com/ops.git");
  CHECK(remote.path == "prod/eu");
  CHECK(remote.ref == "abcd");
  CHECK(remote.source_id == "https://git.example.com/ops.git//prod/eu");

  SourceSpec file = GitSourceFromId("file:///srv/ops.git", "abcd");
  CHECK(file.repo == "file:///srv/ops.git");
  CHECK(file.path.empty());

  SourceSpec local = GitSourceFromId("/srv/ops//cluster", "abcd");
  CHECK(local.repo == "/srv/ops");
  CHECK(local.path == "cluster");
}

}  // namespace
}  // namespace cara::gitops
