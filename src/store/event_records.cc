#include "store/event_records.h"

#include <algorithm>
#include <map>

#include "common/log.h"

namespace cara::store {
namespace {

// Folds a repeat into `stored`, or starts a new record from `event`.
api::Event Folded(const std::optional<api::Event>& stored, api::Event event, int64_t revision,
                  Timestamp now) {
  if (stored) {
    api::Event next = *stored;
    next.count += 1;
    next.last_timestamp = now;
    next.metadata.updated_at = now;
    next.metadata.resource_version = std::to_string(revision);
    return next;
  }
  event.count = 1;
  event.first_timestamp = event.last_timestamp = now;
  event.metadata.created_at = event.metadata.updated_at = now;
  event.metadata.resource_version = std::to_string(revision);
  return event;
}

bool OlderFirst(const api::Event& a, const api::Event& b) {
  if (a.last_timestamp != b.last_timestamp) return a.last_timestamp < b.last_timestamp;
  return a.metadata.name < b.metadata.name;
}

Status DeleteEvent(Store& store, const std::string& name) {
  Status st = store.DeleteRecord(api::kKindEvent, name, /*announce=*/true);
  return st.code() == Code::kNotFound ? Status::Ok() : st;
}

// Keeps the newest `keep` events of `object`.
Status TrimObjectEvents(Store& store, const api::ObjectReference& object, size_t keep) {
  api::EventFilter filter;
  filter.object = object;
  auto events = ListEvents(store, filter);
  if (!events.ok()) return events.status();
  if (events->size() <= keep) return Status::Ok();
  const size_t excess = events->size() - keep;
  for (size_t i = 0; i < excess; ++i) {
    CARA_RETURN_IF_ERROR(DeleteEvent(store, (*events)[i].metadata.name));
  }
  return Status::Ok();
}

// Trims the objects that got a new record. Each object's events are a range
// of names (a prefix), so one count query covers the whole batch and only an
// object over the bound is read. A prefix may also cover objects whose names
// extend it ("a" and "a.b"): the count is then high, and the trim, which
// matches the object exactly, deletes nothing it should keep.
Status TrimNewlyRecorded(Store& store, const std::map<std::string, api::ObjectReference>& objects,
                         size_t keep) {
  if (objects.empty()) return Status::Ok();
  std::vector<std::string> prefixes;
  prefixes.reserve(objects.size());
  for (const auto& entry : objects) prefixes.push_back(entry.first);
  auto counts = store.CountByNamePrefix(api::kKindEvent, prefixes);
  if (!counts.ok()) return counts.status();
  size_t i = 0;
  for (const auto& [prefix, object] : objects) {
    if (static_cast<size_t>((*counts)[i++]) > keep) {
      CARA_RETURN_IF_ERROR(TrimObjectEvents(store, object, keep));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<api::Event> RecordEvent(Store& store, api::Event event, Timestamp now,
                               const EventRetention& retention) {
  event.metadata = {};
  event.metadata.name = api::EventName(event);
  const std::string name = event.metadata.name;
  api::Event written;
  bool created = false;
  auto result = store.MutateRecord(
      api::kKindEvent, name,
      [&](const std::optional<std::string>& body,
          int64_t revision) -> Result<std::optional<std::string>> {
        std::optional<api::Event> stored;
        if (body) {
          auto decoded = api::ParseEvent(*body);
          if (!decoded.ok()) return Status::Internal("corrupt event record " + name);
          stored = std::move(*decoded);
        }
        created = !stored;
        written = Folded(stored, event, revision, now);
        return std::optional<std::string>(api::EncodeEvent(written));
      },
      /*announce=*/true);
  if (!result.ok()) return result.status();
  if (created) {
    CARA_RETURN_IF_ERROR(TrimNewlyRecorded(
        store, {{api::EventNamePrefix(written.involved_object), written.involved_object}},
        retention.per_object));
  }
  return written;
}

Result<std::vector<api::Event>> RecordEvents(Store& store, std::vector<api::Event> events,
                                             Timestamp now, const EventRetention& retention) {
  std::vector<api::Event> written(events.size());
  std::vector<bool> created(events.size(), false);
  std::vector<std::pair<std::string, Store::RecordMutation>> mutations;
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].metadata = {};
    events[i].metadata.name = api::EventName(events[i]);
    mutations.emplace_back(
        events[i].metadata.name,
        [&, i](const std::optional<std::string>& body,
               int64_t revision) -> Result<std::optional<std::string>> {
          std::optional<api::Event> stored;
          if (body) {
            auto decoded = api::ParseEvent(*body);
            if (!decoded.ok())
              return Status::Internal("corrupt event record " + events[i].metadata.name);
            stored = std::move(*decoded);
          }
          created[i] = !stored;
          written[i] = Folded(stored, events[i], revision, now);
          return std::optional<std::string>(api::EncodeEvent(written[i]));
        });
  }
  auto result = store.MutateRecords(api::kKindEvent, mutations, /*announce=*/true);
  if (!result.ok()) return result.status();
  std::map<std::string, api::ObjectReference> objects;  // by name prefix
  for (size_t i = 0; i < events.size(); ++i) {
    if (created[i]) {
      objects.emplace(api::EventNamePrefix(written[i].involved_object), written[i].involved_object);
    }
  }
  CARA_RETURN_IF_ERROR(TrimNewlyRecorded(store, objects, retention.per_object));
  return written;
}

Result<std::vector<api::Event>> ListEvents(Store& store, const api::EventFilter& filter) {
  ProjectFilter rows;
  rows.name_prefix = filter.NamePrefix();
  auto bodies = store.ListRaw(api::kKindEvent, rows);
  if (!bodies.ok()) return bodies.status();
  std::vector<api::Event> events;
  for (const std::string& body : *bodies) {
    auto event = api::ParseEvent(body);
    if (!event.ok()) {
      LOG_WARN("skipping a corrupt event record").Kv("error", event.status().message());
      continue;
    }
    if (filter.Matches(*event)) events.push_back(std::move(*event));
  }
  std::stable_sort(events.begin(), events.end(), OlderFirst);
  return events;
}

Result<size_t> SweepExpiredEvents(Store& store, Timestamp now, Duration ttl) {
  auto events = ListEvents(store);
  if (!events.ok()) return events.status();
  size_t deleted = 0;
  for (const api::Event& e : *events) {
    if (e.last_timestamp && *e.last_timestamp + ttl >= now) break;  // newest last
    CARA_RETURN_IF_ERROR(DeleteEvent(store, e.metadata.name));
    ++deleted;
  }
  return deleted;
}

}  // namespace cara::store
