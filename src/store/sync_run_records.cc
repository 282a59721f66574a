#include "store/sync_run_records.h"

#include <time.h>

#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

namespace cara::store {
namespace {

using api::kKindSourceState;
using api::kKindSyncRun;

std::string NewRunId(Timestamp started) {
  static thread_local std::mt19937 random{std::random_device{}()};
  const time_t seconds = static_cast<time_t>(
      std::chrono::duration_cast<std::chrono::seconds>(started.time_since_epoch()).count());
  struct tm utc;
  gmtime_r(&seconds, &utc);
  char id[40];
  std::snprintf(id, sizeof(id), "%04d%02d%02d-%02d%02d%02d-%04x", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<unsigned>(random() & 0xffff));
  return id;
}

// A stored record that does not decode is corrupt, whatever the reason.
template <typename T>
Result<T> Corrupt(Result<T> decoded, const char* what) {
  if (decoded.ok()) return decoded;
  return Status::Internal(std::string("corrupt ") + what +
                          " record: " + decoded.status().message());
}

nlohmann::json Parse(const std::string& body) {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

Result<api::SyncRun> DecodeRun(const std::string& body) {
  return Corrupt(api::SyncRunFromJson(Parse(body)), "sync run");
}

Result<api::SourceState> DecodeState(const std::string& body) {
  return Corrupt(api::SourceStateFromJson(Parse(body)), "source state");
}

// When a suspension began: kept while it lasts (suspending again changes
// the reason, not the start), `now` when it starts, none once resumed.
Result<std::optional<Timestamp>> SuspendedSince(const std::optional<std::string>& current,
                                                bool suspended, Timestamp now) {
  if (!suspended) return std::optional<Timestamp>();
  if (current) {
    auto stored = DecodeState(*current);
    if (!stored.ok()) return stored.status();
    if (stored->suspended && stored->suspended_at) return stored->suspended_at;
  }
  return std::optional<Timestamp>(now);
}

// Deletes the oldest runs of `source` beyond the newest `keep`. Not one
// transaction with the insert: two concurrent trims at worst delete the
// same run twice (NotFound, ignored).
Status TrimSource(Store& store, const std::string& source, size_t keep) {
  auto runs = ListSyncRuns(store, source);
  if (!runs.ok()) return runs.status();
  if (runs->size() <= keep) return Status::Ok();
  const size_t excess = runs->size() - keep;
  for (size_t i = 0; i < excess; ++i) {
    Status st = store.DeleteRecord(kKindSyncRun, (*runs)[i].id, /*announce=*/true);
    if (!st.ok() && st.code() != Code::kNotFound) return st;
  }
  return Status::Ok();
}

}  // namespace

Result<api::SyncRun> InsertSyncRun(Store& store, api::SyncRun run, size_t keep) {
  Status st;
  for (int attempt = 0; attempt < 5; ++attempt) {
    run.id = NewRunId(run.started_at);
    st = store.InsertRecord(kKindSyncRun, run.id, api::EncodeSyncRun(run).dump(),
                            /*announce=*/true);
    if (st.code() != Code::kAlreadyExists) break;
  }
  if (!st.ok()) return st;
  CARA_RETURN_IF_ERROR(TrimSource(store, run.source, keep));
  return run;
}

Result<std::vector<api::SyncRun>> ListSyncRuns(Store& store, const std::string& source) {
  auto bodies = store.ListRecords(kKindSyncRun);
  if (!bodies.ok()) return bodies.status();
  std::vector<api::SyncRun> out;
  for (const std::string& body : *bodies) {
    auto run = DecodeRun(body);
    if (!run.ok()) return run.status();
    if (source.empty() || run->source == source) out.push_back(std::move(*run));
  }
  return out;
}

Result<std::optional<api::SyncRun>> GetSyncRun(Store& store, const std::string& id) {
  auto body = store.GetRecord(kKindSyncRun, id);
  if (!body.ok()) return body.status();
  if (!*body) return std::optional<api::SyncRun>();
  auto run = DecodeRun(**body);
  if (!run.ok()) return run.status();
  return std::optional<api::SyncRun>(std::move(*run));
}

Result<api::SourceState> GetSourceState(Store& store, const std::string& id) {
  auto body = store.GetRecord(kKindSourceState, id);
  if (!body.ok()) return body.status();
  if (!*body) {
    api::SourceState state;
    state.id = id;
    return state;
  }
  return DecodeState(**body);
}

Result<api::SourceState> PutSourceState(Store& store, api::SourceState state, Timestamp now) {
  auto written = store.MutateRecord(
      kKindSourceState, state.id,
      [&](const std::optional<std::string>& current,
          int64_t) -> Result<std::optional<std::string>> {
        auto since = SuspendedSince(current, state.suspended, now);
        if (!since.ok()) return since.status();
        state.suspended_at = *since;
        return std::optional<std::string>(api::EncodeSourceState(state).dump());
      },
      /*announce=*/true);
  if (!written.ok()) return written.status();
  return state;
}

}  // namespace cara::store
