// SyncRun and SourceState: the codecs round-trip, request bodies are checked
// with a JSON pointer per violation (id, who, suspendedAt and by are the
// server's), and who may record, read and suspend.
#include "api/sync_run.h"

#include <catch2/catch.hpp>

#include <algorithm>

#include "api/authorization.h"
#include "common/time_format.h"

namespace cara::api {
namespace {

using nlohmann::json;

const std::string kHash(64, 'a');

json RunBody() {
  return {{"source", "https://git.example.com/ops.git//prod"},
          {"commit", "0123456789abcdef0123456789abcdef01234567"},
          {"ref", "main"},
          {"startedAt", "2026-12-07T01:00:00Z"},
          {"finishedAt", "2026-12-07T01:00:02Z"},
          {"actions",
           {{{"action", "create"}, {"kind", "Project"}, {"name", "pr-1"}, {"outcome", "Succeeded"}},
            {{"action", "update"},
             {"kind", "Project"},
             {"name", "pr-2"},
             {"outcome", "Failed"},
             {"error", "conflict"}}}},
          {"result", "Failed"},
          {"planHash", kHash}};
}

std::vector<std::string> Pointers(const std::vector<SchemaError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.pointer);
  return out;
}

TEST_CASE("sync run: a valid request decodes and round-trips", "[sync_run]") {
  std::vector<SchemaError> errors;
  SyncRun run = DecodeSyncRunRequest(RunBody(), errors);
  REQUIRE(errors.empty());
  CHECK(run.source == "https://git.example.com/ops.git//prod");
  CHECK(run.actions.size() == 2);
  CHECK(run.actions[1].error == "conflict");
  run.id = "20261207-010000-beef";
  run.who = "0123456789ab";
  json encoded = json::parse(EncodeSyncRun(run).dump());
  CHECK(encoded["kind"] == "SyncRun");
  CHECK(encoded["who"] == "0123456789ab");
  SyncRun back = DecodeSyncRun(encoded, errors);
  REQUIRE(errors.empty());
  CHECK(back.id == run.id);
  CHECK(back.started_at == run.started_at);
  CHECK(back.finished_at == run.finished_at);
  CHECK(back.actions[0].outcome == kOutcomeSucceeded);
  CHECK(back.plan_hash == kHash);
}

TEST_CASE("sync run: a drift repair is an action of its own", "[sync_run]") {
  json body = RunBody();
  body["actions"][1]["action"] = "drift";
  std::vector<SchemaError> errors;
  SyncRun run = DecodeSyncRunRequest(body, errors);
  CHECK(errors.empty());
  CHECK(run.actions[1].action == "drift");
  body["actions"][1]["action"] = "revert";
  DecodeSyncRunRequest(body, errors);
  CHECK(Pointers(errors) == std::vector<std::string>{"/actions/1/action"});
}

TEST_CASE("sync run: every violation has its pointer, id and who are refused", "[sync_run]") {
  json body = RunBody();
  body["who"] = "somebody-else";
  body["id"] = "mine";
  body["commit"] = "not-hex";
  body["finishedAt"] = "2026-12-07T00:59:00Z";
  body["actions"][1]["outcome"] = "Maybe";
  body["actions"][0].erase("name");
  body["result"] = 3;
  body["planHash"] = "abc";
  std::vector<SchemaError> errors;
  DecodeSyncRunRequest(body, errors);
  std::vector<std::string> pointers = Pointers(errors);
  for (const char* p : {"/who", "/id", "/commit", "/finishedAt", "/actions/1/outcome",
                        "/actions/0/name", "/result", "/planHash"}) {
    INFO(p);
    CHECK(std::count(pointers.begin(), pointers.end(), p) == 1);
  }
  errors.clear();
  json missing = {{"actions", json::array()}};
  DecodeSyncRunRequest(missing, errors);
  pointers = Pointers(errors);
  for (const char* p : {"/source", "/startedAt", "/finishedAt", "/result", "/planHash"}) {
    INFO(p);
    CHECK(std::count(pointers.begin(), pointers.end(), p) == 1);
  }
}

TEST_CASE("source state: suspend requests, server-owned fields refused", "[sync_run]") {
  std::vector<SchemaError> errors;
  SourceState s =
      DecodeSourceStateRequest({{"suspended", true}, {"reason", "rollback"}}, "/srv/x", errors);
  REQUIRE(errors.empty());
  CHECK(s.id == "/srv/x");
  CHECK(s.suspended);
  CHECK(s.reason == "rollback");

  DecodeSourceStateRequest({{"suspended", "yes"},
                            {"id", "/srv/other"},
                            {"by", "me"},
                            {"suspendedAt", "2026-12-07T00:00:00Z"},
                            {"reason", "a\nb"}},
                           "/srv/x", errors);
  std::vector<std::string> pointers = Pointers(errors);
  for (const char* p : {"/suspended", "/id", "/by", "/suspendedAt", "/reason"}) {
    INFO(p);
    CHECK(std::count(pointers.begin(), pointers.end(), p) == 1);
  }
  CHECK_FALSE(SourceIdProblem("").empty());
  CHECK_FALSE(SourceIdProblem(std::string(kMaxSourceIdBytes + 1, 'a')).empty());
  CHECK(SourceIdProblem("https://git.example.com/ops.git//prod").empty());
}

Principal Who(Role role) {
  Principal p;
  p.token_id = "0123456789ab";
  p.role = role;
  if (role == Role::kNode) p.node_name = "n1";
  if (role == Role::kPreview) p.name_prefix = "pr-";
  return p;
}

bool Allowed(Role role, Verb verb, Resource resource, const SyncRun* run = nullptr) {
  Action a;
  a.verb = verb;
  a.resource = resource;
  a.method = "X";
  a.sync_run = run;
  return Authorize(Who(role), a, Timestamp{}).allowed;
}

TEST_CASE("sync history roles: deployers write, viewers read, nodes nothing", "[sync_run]") {
  for (Role r : {Role::kAdmin, Role::kDeployer}) {
    CHECK(Allowed(r, Verb::kCreate, Resource::kSyncRuns));
    CHECK(Allowed(r, Verb::kUpdate, Resource::kSources));
    CHECK(Allowed(r, Verb::kList, Resource::kSyncRuns));
  }
  CHECK(Allowed(Role::kViewer, Verb::kList, Resource::kSyncRuns));
  CHECK(Allowed(Role::kViewer, Verb::kGet, Resource::kSyncRuns));
  CHECK(Allowed(Role::kViewer, Verb::kGet, Resource::kSources));
  CHECK_FALSE(Allowed(Role::kViewer, Verb::kCreate, Resource::kSyncRuns));
  CHECK_FALSE(Allowed(Role::kViewer, Verb::kUpdate, Resource::kSources));
  for (Verb v : {Verb::kList, Verb::kGet, Verb::kCreate}) {
    CHECK_FALSE(Allowed(Role::kNode, v, Resource::kSyncRuns));
  }
  CHECK_FALSE(Allowed(Role::kNode, Verb::kGet, Resource::kSources));
  CHECK_FALSE(Allowed(Role::kJoin, Verb::kGet, Resource::kSources));
}

TEST_CASE("sync history roles: preview records and reads only runs within its prefix",
          "[sync_run]") {
  std::vector<SchemaError> errors;
  SyncRun mine = DecodeSyncRunRequest(RunBody(), errors);
  REQUIRE(errors.empty());
  CHECK(Allowed(Role::kPreview, Verb::kCreate, Resource::kSyncRuns, &mine));
  CHECK(Allowed(Role::kPreview, Verb::kGet, Resource::kSyncRuns, &mine));
  CHECK(Allowed(Role::kPreview, Verb::kList, Resource::kSyncRuns));  // narrowed
  CHECK(ListScopeFor(Who(Role::kPreview), Resource::kSyncRuns).name_prefix == "pr-");

  SyncRun other = mine;
  other.actions[1].name = "shop";
  CHECK_FALSE(Allowed(Role::kPreview, Verb::kCreate, Resource::kSyncRuns, &other));
  CHECK_FALSE(Allowed(Role::kPreview, Verb::kGet, Resource::kSyncRuns, &other));
  SyncRun node = mine;
  node.actions[0].kind = kKindNode;
  CHECK_FALSE(Allowed(Role::kPreview, Verb::kCreate, Resource::kSyncRuns, &node));
  SyncRun empty = mine;
  empty.actions.clear();
  CHECK_FALSE(Allowed(Role::kPreview, Verb::kCreate, Resource::kSyncRuns, &empty));
  CHECK_FALSE(Allowed(Role::kPreview, Verb::kCreate, Resource::kSyncRuns, nullptr));

  CHECK(Allowed(Role::kPreview, Verb::kGet, Resource::kSources));
  CHECK_FALSE(Allowed(Role::kPreview, Verb::kUpdate, Resource::kSources));
}

}  // namespace
}  // namespace cara::api
