// Store's records of kinds beyond Node and Project: API tokens and audit
// records live in the same rows (and so in both SQL dialects) without a
// typed codec here; their owners encode the bodies.
#include "store/store.h"

#include <map>

namespace cara::store {

Status Store::InsertRecord(const std::string& kind, const std::string& name,
                           const std::string& body, bool announce) {
  Event event{EventType::kCreated, kind, name, "", ""};
  Status st = backend_->Write([&](Txn& txn) -> Status {
    auto rev = txn.NextRevision();
    if (!rev.ok()) return rev.status();
    Row row;
    row.kind = kind;
    row.name = name;
    row.body = body;
    row.revision = row.create_revision = *rev;
    CARA_RETURN_IF_ERROR(txn.Insert(row));
    return announce ? Announce(txn, event) : Status::Ok();
  });
  if (!st.ok()) return st;
  if (announce) Publish({event});
  return Status::Ok();
}

Status Store::DeleteRecord(const std::string& kind, const std::string& name, bool announce) {
  Event event{EventType::kDeleted, kind, name, "", ""};
  Status st = backend_->Write([&](Txn& txn) -> Status {
    CARA_RETURN_IF_ERROR(txn.Delete(kind, name));
    return announce ? Announce(txn, event) : Status::Ok();
  });
  if (st.code() == Code::kNotFound) return Status::NotFound("resource not found");
  if (!st.ok()) return st;
  if (announce) Publish({event});
  return Status::Ok();
}

namespace {

// Applies one RecordMutation inside `txn`; `event.type` tells what happened
// (its name is left empty when nothing was written).
Result<std::optional<std::string>> ApplyRecordMutation(Txn& txn, const std::string& kind,
                                                       const std::string& name,
                                                       const Store::RecordMutation& mutate,
                                                       Event& event) {
  auto current = txn.Get(kind, name);
  if (!current.ok()) return current.status();
  auto rev = txn.NextRevision();
  if (!rev.ok()) return rev.status();
  std::optional<std::string> current_body;
  if (*current) current_body = (*current)->body;
  auto next = mutate(current_body, *rev);
  if (!next.ok()) return next.status();
  event = Event{EventType::kUpdated, kind, "", "", ""};
  if (*next && *current && **next == (*current)->body) return next;  // unchanged: no write
  if (!*next) {
    if (!*current) return std::optional<std::string>();
    CARA_RETURN_IF_ERROR(txn.Delete(kind, name));
    event.type = EventType::kDeleted;
  } else {
    Row row;
    row.kind = kind;
    row.name = name;
    row.body = **next;
    row.revision = *rev;
    if (*current) {
      CARA_RETURN_IF_ERROR(txn.Update(row));
    } else {
      row.create_revision = *rev;
      CARA_RETURN_IF_ERROR(txn.Insert(row));
      event.type = EventType::kCreated;
    }
  }
  event.name = name;
  return next;
}

}  // namespace

Result<std::optional<std::string>> Store::MutateRecord(const std::string& kind,
                                                       const std::string& name,
                                                       const RecordMutation& mutate,
                                                       bool announce) {
  std::optional<std::string> written;
  Event event{EventType::kUpdated, kind, "", "", ""};
  Status st = backend_->Write([&](Txn& txn) -> Status {
    auto applied = ApplyRecordMutation(txn, kind, name, mutate, event);
    if (!applied.ok()) return applied.status();
    written = std::move(*applied);
    return announce && !event.name.empty() ? Announce(txn, event) : Status::Ok();
  });
  if (!st.ok()) return st;
  if (announce && !event.name.empty()) Publish({event});
  return written;
}

namespace {

// One record's state through a batch of mutations: as read, then as each
// mutation left it.
struct RecordState {
  bool existed = false;
  int64_t create_revision = 0;
  std::optional<std::string> body;
  int64_t revision = 0;
  bool dirty = false;
};

// The rows that make the stored records what `states` say.
Status WriteRecordStates(Txn& txn, const std::string& kind,
                         const std::map<std::string, RecordState>& states) {
  std::vector<Row> inserts, updates;
  for (const auto& [name, state] : states) {
    if (!state.dirty) continue;
    if (!state.body) {
      if (state.existed) CARA_RETURN_IF_ERROR(txn.Delete(kind, name));
      continue;
    }
    Row row;
    row.kind = kind;
    row.name = name;
    row.body = *state.body;
    row.revision = state.revision;
    row.create_revision = state.existed ? state.create_revision : state.revision;
    (state.existed ? updates : inserts).push_back(std::move(row));
  }
  if (!updates.empty()) CARA_RETURN_IF_ERROR(txn.UpdateMany(updates));
  return inserts.empty() ? Status::Ok() : txn.InsertMany(inserts);
}

}  // namespace

// As MutateRecord for each, in order (a name listed twice sees its first
// mutation's result), reading and writing the rows a statement per step.
Result<std::vector<std::optional<std::string>>> Store::MutateRecords(
    const std::string& kind, const std::vector<std::pair<std::string, RecordMutation>>& mutations,
    bool announce) {
  std::vector<std::optional<std::string>> written;
  std::vector<Event> events;
  Status st = backend_->Write([&](Txn& txn) -> Status {
    written.clear();
    events.clear();
    std::vector<std::string> names;
    for (const auto& m : mutations) names.push_back(m.first);
    auto rows = txn.GetMany(kind, names);
    if (!rows.ok()) return rows.status();
    auto revisions = txn.NextRevisions(mutations.size());
    if (!revisions.ok()) return revisions.status();
    std::map<std::string, RecordState> states;
    for (const Row& row : *rows) states[row.name] = {true, row.create_revision, row.body};
    for (size_t i = 0; i < mutations.size(); ++i) {
      const std::string& name = mutations[i].first;
      RecordState& state = states[name];
      auto next = mutations[i].second(state.body, (*revisions)[i]);
      if (!next.ok()) return next.status();
      written.push_back(*next);
      if (*next == state.body) continue;  // unchanged (or absent and still absent)
      EventType type = !*next       ? EventType::kDeleted
                       : state.body ? EventType::kUpdated
                                    : EventType::kCreated;
      state.body = std::move(*next);
      state.revision = (*revisions)[i];
      state.dirty = true;
      if (announce) events.push_back(Event{type, kind, name, "", ""});
    }
    CARA_RETURN_IF_ERROR(WriteRecordStates(txn, kind, states));
    return AnnounceAll(txn, events);
  });
  if (!st.ok()) return st;
  Publish(events);
  return written;
}

Result<std::optional<std::string>> Store::GetRecord(const std::string& kind,
                                                    const std::string& name) {
  auto row = backend_->Get(kind, name);
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(std::move((*row)->body));
}

Result<std::vector<std::string>> Store::ListRecords(const std::string& kind, size_t limit) {
  auto rows = backend_->List(kind, {});
  if (!rows.ok()) return rows.status();
  size_t skip = limit > 0 && rows->size() > limit ? rows->size() - limit : 0;
  std::vector<std::string> out;
  out.reserve(rows->size() - skip);
  for (size_t i = skip; i < rows->size(); ++i) out.push_back(std::move((*rows)[i].body));
  return out;
}

Status Store::TrimRecords(const std::string& kind, size_t keep) {
  return backend_->Write([&](Txn& txn) -> Status {
    auto rows = txn.List(kind, {});
    if (!rows.ok()) return rows.status();
    if (rows->size() <= keep) return Status::Ok();
    const size_t excess = rows->size() - keep;
    for (size_t i = 0; i < excess; ++i) {
      Status st = txn.Delete(kind, (*rows)[i].name);
      if (!st.ok() && st.code() != Code::kNotFound) return st;
    }
    return Status::Ok();
  });
}

}  // namespace cara::store
