// Sync history and suspension of GitOps sources: a SyncRun is what one
// writing `caractrl sync` did (source, commit, each write's outcome), a
// SourceState whether a source's syncs are suspended (after a rollback,
// say). Both live on the server so every watcher and every user sees the
// same history and honours the same suspension. Pure types, codecs and the
// checks of request bodies; every violation carries its JSON pointer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/schema.h"
#include "common/clock.h"
#include "common/status.h"

namespace cara::api {

inline constexpr char kKindSyncRun[] = "SyncRun";
inline constexpr char kKindSyncRunList[] = "SyncRunList";
inline constexpr char kKindSourceState[] = "SourceState";

// SyncRun.result.
inline constexpr char kRunSucceeded[] = "Succeeded";
inline constexpr char kRunFailed[] = "Failed";            // a write failed or an object was skipped
inline constexpr char kRunInterrupted[] = "Interrupted";  // stopped before every write was sent

// SyncRunAction.outcome.
inline constexpr char kOutcomeSucceeded[] = "Succeeded";
inline constexpr char kOutcomeFailed[] = "Failed";
inline constexpr char kOutcomeSkipped[] =
    "Skipped";                                      // an object of the source sync could not write
inline constexpr char kOutcomeNotRun[] = "NotRun";  // interrupted before it was sent

// Bounds of what the server stores for one run.
inline constexpr size_t kMaxSourceIdBytes = 1024;
inline constexpr size_t kMaxRunActions = 10000;
inline constexpr size_t kMaxRunTextBytes = 1024;  // ref, reason, an action's error

struct SyncRunAction {
  std::string action;  // create, update, drift, drain, undrain, delete, expire, skip
  std::string kind;    // Node, Project, Secret
  std::string name;
  std::string outcome;  // kOutcome*
  std::string error;    // why it failed or was skipped; "" otherwise
};

struct SyncRun {
  std::string id;      // set by the server
  std::string source;  // the source id (caravanserai.io/source)
  std::string commit;  // "" for a directory source
  std::string ref;     // what was asked for (branch, tag, commit), "" for HEAD
  std::string who;     // the token id of the caller; set by the server
  Timestamp started_at{};
  Timestamp finished_at{};
  std::vector<SyncRunAction> actions;
  std::string result;     // kRun*
  std::string plan_hash;  // hex SHA-256 of the plan that was executed
};

struct SourceState {
  std::string id;
  bool suspended = false;
  std::string reason;
  std::optional<Timestamp> suspended_at;  // set while suspended
  std::string by;                         // token id of the last change; set by the server
};

nlohmann::ordered_json EncodeSyncRun(const SyncRun& run);
nlohmann::ordered_json EncodeSourceState(const SourceState& state);

// A SyncRun as served or stored: every violation appended to `errors`
// (pointers relative to the document).
SyncRun DecodeSyncRun(const nlohmann::json& document, std::vector<SchemaError>& errors);
SourceState DecodeSourceState(const nlohmann::json& document, std::vector<SchemaError>& errors);

// The same for readers of a stored or served document, which is either
// valid or corrupt: Invalid "<pointer>: <message>" of the first violation.
Result<SyncRun> SyncRunFromJson(const nlohmann::json& document);
Result<SourceState> SourceStateFromJson(const nlohmann::json& document);

// POST /api/v1/syncruns: a SyncRun without id and who (the server sets
// them: a caller never names itself).
SyncRun DecodeSyncRunRequest(const nlohmann::json& body, std::vector<SchemaError>& errors);

// PUT /api/v1/sources/{id}: {"suspended", "reason"?, "id"? (= the path's)};
// suspendedAt and by are the server's.
SourceState DecodeSourceStateRequest(const nlohmann::json& body, const std::string& path_id,
                                     std::vector<SchemaError>& errors);

// "" when `id` may name a source; otherwise why not.
std::string SourceIdProblem(const std::string& id);

// Whether every write of the run is to a Project whose name starts with
// `prefix` (and there is one): what a preview token may record and read.
bool RunWithinPrefix(const SyncRun& run, const std::string& prefix);

}  // namespace cara::api
