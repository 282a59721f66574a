#include "api/sync_run.h"

#include <algorithm>
#include <array>

#include "api/types.h"
#include "common/time_format.h"

namespace cara::api {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::array<const char*, 8> kActionNames = {"create",  "update", "drift",  "drain",
                                                     "undrain", "delete", "expire", "skip"};
constexpr std::array<const char*, 3> kActionKinds = {kKindNode, kKindProject, kKindSecret};
constexpr std::array<const char*, 3> kResults = {kRunSucceeded, kRunFailed, kRunInterrupted};
constexpr std::array<const char*, 4> kOutcomes = {kOutcomeSucceeded, kOutcomeFailed,
                                                  kOutcomeSkipped, kOutcomeNotRun};

template <size_t N>
bool OneOf(const std::string& value, const std::array<const char*, N>& allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return value == a; });
}

template <size_t N>
std::string Choices(const std::array<const char*, N>& allowed) {
  std::string out = "must be one of ";
  for (size_t i = 0; i < N; ++i) out += (i ? ", " : "") + std::string(allowed[i]);
  return out;
}

bool IsHex(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool HasControl(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Reads the fields of one JSON object, recording each violation at its
// pointer under `base`.
class FieldReader {
 public:
  FieldReader(const json& object, std::string base, std::vector<SchemaError>& errors)
      : object_(object), base_(std::move(base)), errors_(errors) {}

  std::string Pointer(const char* key) const { return base_ + "/" + key; }
  void Fail(const char* key, std::string message) const {
    errors_.push_back({Pointer(key), std::move(message)});
  }
  const json* Find(const char* key) const {
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  std::string String(const char* key, bool required, size_t max_bytes) const {
    const json* v = Find(key);
    if (v == nullptr) {
      if (required) Fail(key, "is required");
      return "";
    }
    if (!v->is_string()) {
      Fail(key, "must be a string");
      return "";
    }
    std::string s = v->get<std::string>();
    if (required && s.empty()) Fail(key, "must not be empty");
    if (s.size() > max_bytes) Fail(key, "at most " + std::to_string(max_bytes) + " bytes");
    return s;
  }

  std::optional<Timestamp> Time(const char* key, bool required) const {
    const json* v = Find(key);
    if (v == nullptr) {
      if (required) Fail(key, "is required");
      return std::nullopt;
    }
    auto t = v->is_string() ? ParseRfc3339(v->get<std::string>())
                            : Result<Timestamp>(Status::Invalid(""));
    if (!t.ok()) {
      Fail(key, "must be an RFC 3339 timestamp");
      return std::nullopt;
    }
    return *t;
  }

  template <size_t N>
  std::string Enum(const char* key, const std::array<const char*, N>& allowed) const {
    std::string s = String(key, true, 64);
    if (!s.empty() && !OneOf(s, allowed)) Fail(key, Choices(allowed));
    return s;
  }

 private:
  const json& object_;
  std::string base_;
  std::vector<SchemaError>& errors_;
};

SyncRunAction DecodeAction(const json& item, const std::string& pointer,
                           std::vector<SchemaError>& errors) {
  SyncRunAction a;
  if (!item.is_object()) {
    errors.push_back({pointer, "must be an object"});
    return a;
  }
  FieldReader r(item, pointer, errors);
  a.action = r.Enum("action", kActionNames);
  a.kind = r.Enum("kind", kActionKinds);
  a.name = r.String("name", true, 253);
  a.outcome = r.Enum("outcome", kOutcomes);
  a.error = r.String("error", false, kMaxRunTextBytes);
  return a;
}

void DecodeActions(const json& document, SyncRun& run, std::vector<SchemaError>& errors) {
  auto it = document.find("actions");
  if (it == document.end() || it->is_null()) return;
  if (!it->is_array()) {
    errors.push_back({"/actions", "must be an array"});
    return;
  }
  if (it->size() > kMaxRunActions) {
    errors.push_back({"/actions", "at most " + std::to_string(kMaxRunActions) + " actions"});
    return;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    run.actions.push_back(DecodeAction((*it)[i], "/actions/" + std::to_string(i), errors));
  }
}

void CheckCommit(const FieldReader& r, const std::string& commit) {
  if (commit.empty()) return;
  if (commit.size() < 4 || commit.size() > 64 || !IsHex(commit)) {
    r.Fail("commit", "must be a commit id: 4 to 64 lowercase hex digits");
  }
}

template <typename T, typename DecodeFn>
Result<T> FirstViolation(const json& document, DecodeFn decode) {
  std::vector<SchemaError> errors;
  T value = decode(document, errors);
  if (!errors.empty()) return Status::Invalid(errors[0].pointer + ": " + errors[0].message);
  return value;
}

}  // namespace

Result<SyncRun> SyncRunFromJson(const json& document) {
  return FirstViolation<SyncRun>(document, DecodeSyncRun);
}

Result<SourceState> SourceStateFromJson(const json& document) {
  return FirstViolation<SourceState>(document, DecodeSourceState);
}

ordered_json EncodeSyncRun(const SyncRun& run) {
  ordered_json actions = ordered_json::array();
  for (const SyncRunAction& a : run.actions) {
    ordered_json j = {
        {"action", a.action}, {"kind", a.kind}, {"name", a.name}, {"outcome", a.outcome}};
    if (!a.error.empty()) j["error"] = a.error;
    actions.push_back(std::move(j));
  }
  return {{"apiVersion", kApiVersion},
          {"kind", kKindSyncRun},
          {"id", run.id},
          {"source", run.source},
          {"commit", run.commit},
          {"ref", run.ref},
          {"who", run.who},
          {"startedAt", FormatRfc3339(run.started_at)},
          {"finishedAt", FormatRfc3339(run.finished_at)},
          {"actions", std::move(actions)},
          {"result", run.result},
          {"planHash", run.plan_hash}};
}

ordered_json EncodeSourceState(const SourceState& state) {
  ordered_json j = {{"apiVersion", kApiVersion},
                    {"kind", kKindSourceState},
                    {"id", state.id},
                    {"suspended", state.suspended}};
  if (!state.reason.empty()) j["reason"] = state.reason;
  if (state.suspended_at) j["suspendedAt"] = FormatRfc3339(*state.suspended_at);
  if (!state.by.empty()) j["by"] = state.by;
  return j;
}

SyncRun DecodeSyncRun(const json& document, std::vector<SchemaError>& errors) {
  SyncRun run;
  if (!document.is_object()) {
    errors.push_back({"", "must be a JSON object"});
    return run;
  }
  FieldReader r(document, "", errors);
  run.id = r.String("id", false, 253);
  run.who = r.String("who", false, 253);
  run.source = r.String("source", true, kMaxSourceIdBytes);
  if (std::string problem = SourceIdProblem(run.source); !run.source.empty() && !problem.empty()) {
    r.Fail("source", problem);
  }
  run.commit = r.String("commit", false, 64);
  CheckCommit(r, run.commit);
  run.ref = r.String("ref", false, kMaxRunTextBytes);
  auto started = r.Time("startedAt", true);
  auto finished = r.Time("finishedAt", true);
  if (started) run.started_at = *started;
  if (finished) run.finished_at = *finished;
  if (started && finished && *finished < *started)
    r.Fail("finishedAt", "must not be before startedAt");
  DecodeActions(document, run, errors);
  run.result = r.Enum("result", kResults);
  run.plan_hash = r.String("planHash", true, 64);
  if (!run.plan_hash.empty() && (run.plan_hash.size() != 64 || !IsHex(run.plan_hash))) {
    r.Fail("planHash", "must be a SHA-256: 64 lowercase hex digits");
  }
  return run;
}

SyncRun DecodeSyncRunRequest(const json& body, std::vector<SchemaError>& errors) {
  SyncRun run = DecodeSyncRun(body, errors);
  if (body.is_object()) {
    if (body.contains("id")) errors.push_back({"/id", "is set by the server"});
    if (body.contains("who")) {
      errors.push_back({"/who", "is set by the server (the caller's token id)"});
    }
  }
  run.id.clear();
  run.who.clear();
  return run;
}

SourceState DecodeSourceState(const json& document, std::vector<SchemaError>& errors) {
  SourceState state;
  if (!document.is_object()) {
    errors.push_back({"", "must be a JSON object"});
    return state;
  }
  FieldReader r(document, "", errors);
  state.id = r.String("id", false, kMaxSourceIdBytes);
  const json* suspended = r.Find("suspended");
  if (suspended == nullptr) {
    r.Fail("suspended", "is required");
  } else if (!suspended->is_boolean()) {
    r.Fail("suspended", "must be true or false");
  } else {
    state.suspended = suspended->get<bool>();
  }
  state.reason = r.String("reason", false, kMaxRunTextBytes);
  if (HasControl(state.reason)) r.Fail("reason", "must not contain control characters");
  state.suspended_at = r.Time("suspendedAt", false);
  state.by = r.String("by", false, 253);
  return state;
}

SourceState DecodeSourceStateRequest(const json& body, const std::string& path_id,
                                     std::vector<SchemaError>& errors) {
  SourceState state = DecodeSourceState(body, errors);
  if (!body.is_object()) return state;
  if (!state.id.empty() && state.id != path_id) {
    errors.push_back({"/id", "must match the source id in the path"});
  }
  if (body.contains("suspendedAt")) errors.push_back({"/suspendedAt", "is set by the server"});
  if (body.contains("by")) {
    errors.push_back({"/by", "is set by the server (the caller's token id)"});
  }
  state.id = path_id;
  state.suspended_at.reset();
  state.by.clear();
  return state;
}

std::string SourceIdProblem(const std::string& id) {
  if (id.empty()) return "a source id must not be empty";
  if (id.size() > kMaxSourceIdBytes) {
    return "a source id is at most " + std::to_string(kMaxSourceIdBytes) + " bytes";
  }
  if (HasControl(id)) return "a source id must not contain control characters";
  return "";
}

bool RunWithinPrefix(const SyncRun& run, const std::string& prefix) {
  if (run.actions.empty()) return false;
  return std::all_of(run.actions.begin(), run.actions.end(), [&](const SyncRunAction& a) {
    return a.kind == kKindProject && a.name.compare(0, prefix.size(), prefix) == 0;
  });
}

}  // namespace cara::api
