// Sync history and source suspension as store records: kind "SyncRun"
// (named by the run id) and kind "SourceState" (named by the source id),
// both in the generic record rows, so SQLite and PostgreSQL hold them alike.
// The history is bounded: after each new run only the newest
// kSyncRunsPerSource runs of its source are kept.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "api/sync_run.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace cara::store {

inline constexpr size_t kSyncRunsPerSource = 100;

// Stores `run` under a new id ("<UTC yyyymmdd-hhmmss>-<4 random hex>": when
// it started, short enough to type), trims its source's history to `keep`
// and returns the run as stored.
Result<api::SyncRun> InsertSyncRun(Store& store, api::SyncRun run,
                                   size_t keep = kSyncRunsPerSource);
// Oldest first; only `source`'s runs unless it is empty.
Result<std::vector<api::SyncRun>> ListSyncRuns(Store& store, const std::string& source = "");
Result<std::optional<api::SyncRun>> GetSyncRun(Store& store, const std::string& id);

// A source nobody suspended has no record: {id, suspended: false}.
Result<api::SourceState> GetSourceState(Store& store, const std::string& id);
// Writes `state` (suspendedAt is set to `now` when it becomes suspended and
// kept while it stays so; cleared on resume). Returns what was stored.
Result<api::SourceState> PutSourceState(Store& store, api::SourceState state, Timestamp now);

}  // namespace cara::store
