#include "store/cached_backend.h"

#include <algorithm>
#include <iterator>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/types.h"
#include "store/event_payload.h"
#include "store/listener_session.h"

namespace cara::store {
namespace {

// One row a write transaction changed, as the cache should learn it.
struct Written {
  Row row;  // on a deletion only kind and name
  bool deleted = false;
};

// Passes everything through to the transaction and notes the Node and
// Project rows it writes.
class RecordingTxn final : public Txn {
 public:
  RecordingTxn(Txn& inner, std::vector<Written>* written, int64_t* revision,
               std::vector<Written>* read)
      : inner_(inner), written_(written), revision_(revision), read_(read) {}

  Result<std::optional<Row>> Get(const std::string& kind, const std::string& name) override {
    NoteRead(kind, name);
    return inner_.Get(kind, name);
  }
  Result<std::vector<Row>> List(const std::string& kind, const RowFilter& filter) override {
    return inner_.List(kind, filter);
  }
  Result<int64_t> NextRevision() override {
    auto rev = inner_.NextRevision();
    if (rev.ok()) *revision_ = std::max(*revision_, *rev);
    return rev;
  }
  Status Insert(const Row& row) override { return Note(inner_.Insert(row), row); }
  Status Update(const Row& row) override { return Note(inner_.Update(row), row); }
  Status Delete(const std::string& kind, const std::string& name) override {
    Status st = inner_.Delete(kind, name);
    if (st.ok() && ObjectCache::Caches(kind)) {
      Written w;
      w.row.kind = kind;
      w.row.name = name;
      w.deleted = true;
      written_->push_back(std::move(w));
    }
    return st;
  }
  Status RecordDeletion(const Row& last, int64_t deleted_at_ms, int64_t forget_before_ms) override {
    return inner_.RecordDeletion(last, deleted_at_ms, forget_before_ms);
  }
  Result<std::optional<HostHeld>> ClaimIngressHosts(
      const std::string& project, const std::vector<std::string>& hosts) override {
    return inner_.ClaimIngressHosts(project, hosts);
  }
  Status Notify(const std::string& payload) override { return inner_.Notify(payload); }
  // The batch forms go to the inner transaction too (PostgreSQL sends one
  // statement for all), with what they write noted like one at a time.
  Result<std::vector<Row>> GetMany(const std::string& kind,
                                   const std::vector<std::string>& names) override {
    for (const std::string& name : names) NoteRead(kind, name);
    return inner_.GetMany(kind, names);
  }
  Result<std::vector<int64_t>> NextRevisions(size_t count) override {
    auto revs = inner_.NextRevisions(count);
    if (revs.ok() && !revs->empty()) *revision_ = std::max(*revision_, revs->back());
    return revs;
  }
  Status UpdateMany(const std::vector<Row>& rows) override {
    Status st = inner_.UpdateMany(rows);
    for (const Row& row : rows) st = Note(st, row);
    return st;
  }
  Status InsertMany(const std::vector<Row>& rows) override {
    Status st = inner_.InsertMany(rows);
    for (const Row& row : rows) st = Note(st, row);
    return st;
  }
  Status NotifyMany(const std::vector<std::string>& payloads) override {
    return inner_.NotifyMany(payloads);
  }

 private:
  void NoteRead(const std::string& kind, const std::string& name) {
    if (!ObjectCache::Caches(kind)) return;
    Written r;
    r.row.kind = kind;
    r.row.name = name;
    read_->push_back(std::move(r));
  }
  Status Note(Status st, const Row& row) {
    if (st.ok() && ObjectCache::Caches(row.kind)) written_->push_back({row, false});
    return st;
  }

  Txn& inner_;
  std::vector<Written>* written_;
  int64_t* revision_;
  std::vector<Written>* read_;
};

std::string NodeRefOf(const std::string& kind, const std::string& body) {
  if (kind != api::kKindProject) return "";
  auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return "";
  auto status = doc.find("status");
  if (status == doc.end() || !status->is_object()) return "";
  auto ref = status->find("nodeRef");
  return ref != status->end() && ref->is_string() ? ref->get<std::string>() : "";
}

class CachedBackend final : public Backend {
 public:
  CachedBackend(std::unique_ptr<Backend> inner, Clock* clock, ObjectCacheOptions options)
      : inner_(std::move(inner)),
        // Other processes write to a PostgreSQL database, and only its
        // listener tells of their writes; an SQLite file has one server.
        shared_(inner_->Name() == "postgres"),
        cache_(clock, options) {
    cache_.SetTrusted(!shared_);
  }
  ~CachedBackend() override { StopListening(); }

  std::string Name() const override { return inner_->Name(); }
  Status Migrate() override { return inner_->Migrate(); }
  Status Ping() override { return inner_->Ping(); }
  Result<std::vector<Row>> List(const std::string& kind, const RowFilter& filter) override {
    return inner_->List(kind, filter);
  }
  Result<ChangeBatch> ChangesSince(const std::vector<std::string>& kinds, int64_t after,
                                   size_t limit) override {
    return inner_->ChangesSince(kinds, after, limit);
  }
  Result<int64_t> CommittedRevision() override { return inner_->CommittedRevision(); }
  Result<std::map<std::string, int64_t>> CountByPhase(const std::string& kind) override {
    return inner_->CountByPhase(kind);
  }
  Result<std::vector<int64_t>> CountByNamePrefix(
      const std::string& kind, const std::vector<std::string>& prefixes) override {
    return inner_->CountByNamePrefix(kind, prefixes);
  }
  Result<std::unique_ptr<LeaderLease>> TryAcquireLeadership() override {
    return inner_->TryAcquireLeadership();
  }

  Result<std::optional<Row>> Get(const std::string& kind, const std::string& name) override;
  Status Write(const std::function<Status(Txn&)>& fn) override;
  Status StartListening(std::function<void(const std::string& payload)> on_payload) override;
  void StopListening() override;

 private:
  // Updates the cache from another process's notification.
  void ApplyRemote(const std::string& payload);
  // Handles the listener's session markers; false for anything else.
  bool OnSessionMarker(const std::string& payload);
  // The cache is trusted when nobody else writes, or while we hear them.
  void UpdateTrust();  // state_mu_ held

  const std::unique_ptr<Backend> inner_;
  const bool shared_;
  ObjectCache cache_;
  std::mutex state_mu_;
  bool listening_ = false;   // StartListening succeeded, no StopListening yet
  bool session_up_ = false;  // the listener's session, as its markers say
};

Result<std::optional<Row>> CachedBackend::Get(const std::string& kind, const std::string& name) {
  if (!ObjectCache::Caches(kind)) return inner_->Get(kind, name);
  if (auto hit = cache_.Lookup(kind, name)) return std::optional<Row>(*hit);
  ObjectCache::Ticket ticket = cache_.Begin(kind, name);
  auto row = inner_->Get(kind, name);
  // Absence is not cached: a miss costs a read, as before.
  if (row.ok() && *row) cache_.Fill(ticket, **row);
  return row;
}

Status CachedBackend::Write(const std::function<Status(Txn&)>& fn) {
  std::vector<Written> written;
  std::vector<Written> rolled_back;  // rows of attempts that were retried
  std::vector<Written> read;         // rows read under the transaction's locks
  int64_t revision = 0;
  Status st = inner_->Write([&](Txn& txn) {
    std::move(written.begin(), written.end(), std::back_inserter(rolled_back));
    written.clear();
    revision = 0;
    RecordingTxn recording(txn, &written, &revision, &read);
    return fn(recording);
  });
  // A write refused on what it read (409: a stale resourceVersion) often
  // means the cached copy is behind: forget it, so the caller's next read,
  // and its retry, see the row as the database has it.
  if (!st.ok()) {
    for (const Written& r : read) cache_.Invalidate(r.row.kind, r.row.name);
  }
  auto in_final = [&](const Row& r) {
    return st.ok() && std::any_of(written.begin(), written.end(), [&](const Written& w) {
             return w.row.kind == r.kind && w.row.name == r.name;
           });
  };
  // A failed write may have committed all the same (a connection lost during
  // COMMIT), and a retried attempt may have been the one that did: forget
  // what they touched.
  for (const Written& w : rolled_back) {
    if (!in_final(w.row)) cache_.Invalidate(w.row.kind, w.row.name);
  }
  for (const Written& w : written) {
    if (!st.ok()) {
      cache_.Invalidate(w.row.kind, w.row.name);
    } else if (w.deleted) {
      cache_.PutDeleted(w.row.kind, w.row.name, revision);
    } else {
      cache_.Put(w.row);
    }
  }
  return st;
}

Status CachedBackend::StartListening(std::function<void(const std::string& payload)> on_payload) {
  {
    // The listener listens before StartListening returns; only its markers
    // can say otherwise from then on.
    std::lock_guard<std::mutex> lock(state_mu_);
    session_up_ = true;
  }
  CARA_RETURN_IF_ERROR(inner_->StartListening(
      [this, on_payload = std::move(on_payload)](const std::string& payload) {
        if (OnSessionMarker(payload)) return;
        ApplyRemote(payload);  // before anyone hears of it: they may read it
        on_payload(payload);
      }));
  std::lock_guard<std::mutex> lock(state_mu_);
  listening_ = true;
  UpdateTrust();
  return Status::Ok();
}

void CachedBackend::StopListening() {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    listening_ = false;
    UpdateTrust();
  }
  inner_->StopListening();
}

bool CachedBackend::OnSessionMarker(const std::string& payload) {
  const bool lost = payload == kListenerSessionLost;
  if (!lost && payload != kListenerSessionRestored) return false;
  std::lock_guard<std::mutex> lock(state_mu_);
  session_up_ = !lost;
  UpdateTrust();
  return true;
}

void CachedBackend::UpdateTrust() {
  // SetTrusted empties the cache either way: a restored session must start
  // from nothing.
  if (shared_) cache_.SetTrusted(listening_ && session_up_);
}

void CachedBackend::ApplyRemote(const std::string& payload) {
  auto decoded = DecodeEventPayload(payload);
  if (!decoded) return;
  const Event& e = decoded->second;
  if (!ObjectCache::Caches(e.kind)) return;
  if (e.revision == 0) {
    cache_.Invalidate(e.kind, e.name);  // too big to announce: read it when asked
  } else if (e.type == EventType::kDeleted) {
    cache_.PutDeleted(e.kind, e.name, e.revision);
  } else {
    Row row;
    row.kind = e.kind;
    row.name = e.name;
    row.phase = e.new_phase;
    row.node_ref = NodeRefOf(e.kind, e.body);
    row.body = e.body;
    row.revision = e.revision;
    row.create_revision = e.create_revision;
    cache_.Put(row);
  }
}

}  // namespace

bool IsReadCached(const Backend& backend) {
  return dynamic_cast<const CachedBackend*>(&backend) != nullptr;
}

std::unique_ptr<Backend> WithReadCache(std::unique_ptr<Backend> inner, Clock* clock,
                                       ObjectCacheOptions options) {
  return std::make_unique<CachedBackend>(std::move(inner), clock, options);
}

}  // namespace cara::store
