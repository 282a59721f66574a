#include "store/store.h"

#include <algorithm>
#include <map>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/ingress_host.h"
#include "api/lifecycle.h"
#include "common/go_quote.h"
#include "store/backend.h"
#include "store/cached_backend.h"
#include "store/event_payload.h"

namespace cara::store {
namespace {

const char kNotFound[] = "resource not found";

// Per-kind glue so the write paths below are written once for both kinds.
template <typename T>
struct Kind;

template <>
struct Kind<api::Node> {
  static constexpr const char* name = api::kKindNode;
  static std::string Encode(const api::Node& n) { return api::EncodeNode(n); }
  static Result<api::Node> Decode(const std::string& body) { return api::ParseNode(body); }
  static std::string Phase(const api::Node& n) { return n.status.state; }
  static std::string NodeRef(const api::Node&) { return ""; }
  static bool SpecEqual(const api::Node& a, const api::Node& b) { return a.spec == b.spec; }
  static std::vector<std::string> IngressHosts(const api::Node&) { return {}; }
};

template <>
struct Kind<api::Project> {
  static constexpr const char* name = api::kKindProject;
  static std::string Encode(const api::Project& p) { return api::EncodeProject(p); }
  static Result<api::Project> Decode(const std::string& body) { return api::ParseProject(body); }
  static std::string Phase(const api::Project& p) { return p.status.phase; }
  static std::string NodeRef(const api::Project& p) { return p.status.node_ref; }
  static bool SpecEqual(const api::Project& a, const api::Project& b) {
    return !api::ProjectSpecChanged(a, b);
  }
  static std::vector<std::string> IngressHosts(const api::Project& p) {
    return api::IngressHosts(p);
  }
};

template <typename T>
Row ToRow(const T& obj, int64_t revision, int64_t create_revision) {
  Row row;
  row.kind = Kind<T>::name;
  row.name = obj.metadata.name;
  row.phase = Kind<T>::Phase(obj);
  row.node_ref = Kind<T>::NodeRef(obj);
  row.body = Kind<T>::Encode(obj);
  row.revision = revision;
  row.create_revision = create_revision;
  return row;
}

template <typename T>
Result<T> FromRow(const Row& row) {
  auto obj = Kind<T>::Decode(row.body);
  if (!obj.ok()) {
    return Status::Internal("corrupt " + row.kind + " " + row.name + ": " + obj.status().message());
  }
  return obj;
}

template <typename T>
Result<std::vector<T>> FromRows(const Result<std::vector<Row>>& rows) {
  if (!rows.ok()) return rows.status();
  std::vector<T> out;
  out.reserve(rows->size());
  for (const Row& row : *rows) {
    auto obj = FromRow<T>(row);
    if (!obj.ok()) return obj.status();
    out.push_back(std::move(*obj));
  }
  return out;
}

// The backends do not filter by name prefix: rows are dropped here, after
// paging keys are taken, so a page may come back shorter.
RowFilter ToRowFilter(const ProjectFilter& f) {
  RowFilter rows;
  rows.phases = f.phases;
  rows.node_ref = f.node_ref;
  rows.name_prefix = f.name_prefix;
  return rows;
}

}  // namespace

namespace {

std::string RandomOrigin() {
  std::random_device rd;
  std::ostringstream out;
  out << std::hex << rd() << rd();
  return out.str();
}

class ProcessLease final : public LeaderLease {
 public:
  bool StillHeld() override { return true; }
};

}  // namespace

Result<std::unique_ptr<LeaderLease>> Backend::TryAcquireLeadership() {
  return std::unique_ptr<LeaderLease>(std::make_unique<ProcessLease>());
}

// Every read by name goes through the read cache (store/cached_backend.h).
Store::Store(std::unique_ptr<Backend> backend, Clock* clock)
    : backend_(IsReadCached(*backend) ? std::move(backend)
                                      : WithReadCache(std::move(backend), clock)),
      backend_name_(backend_->Name()),
      clock_(clock),
      origin_(RandomOrigin()) {}

Store::~Store() { backend_->StopListening(); }

Status Store::EnableRemoteEvents() {
  std::lock_guard<std::mutex> lock(remote_mu_);
  if (remote_enabled_) return Status::Ok();
  CARA_RETURN_IF_ERROR(
      backend_->StartListening([this](const std::string& p) { OnRemotePayload(p); }));
  remote_enabled_ = true;
  return Status::Ok();
}

void Store::OnRemotePayload(const std::string& payload) {
  auto decoded = DecodeEventPayload(payload);
  if (!decoded || decoded->first == origin_) return;
  Publish({decoded->second});
}

Status Store::Announce(Txn& txn, const Event& event) {
  return txn.Notify(EncodeEventPayload(origin_, event));
}

Status Store::AnnounceAll(Txn& txn, const std::vector<Event>& events) {
  std::vector<std::string> payloads;
  payloads.reserve(events.size());
  for (const Event& e : events) payloads.push_back(EncodeEventPayload(origin_, e));
  return payloads.empty() ? Status::Ok() : txn.NotifyMany(payloads);
}

Result<std::unique_ptr<LeaderLease>> Store::TryAcquireLeadership() {
  return backend_->TryAcquireLeadership();
}

Status Store::Ping() { return backend_->Ping(); }

int Store::Subscribe(Listener listener, std::vector<std::string> kinds) {
  std::unique_lock<std::shared_mutex> lock(listeners_mu_);
  int id = next_listener_id_++;
  listeners_.emplace(id, Subscription{std::move(kinds), std::move(listener)});
  return id;
}

void Store::Unsubscribe(int id) {
  std::unique_lock<std::shared_mutex> lock(listeners_mu_);
  listeners_.erase(id);
}

void Store::Publish(const std::vector<Event>& events) {
  std::shared_lock<std::shared_mutex> lock(listeners_mu_);
  for (const Event& e : events) {
    for (const auto& [id, sub] : listeners_) {
      if (std::find(sub.kinds.begin(), sub.kinds.end(), e.kind) != sub.kinds.end()) sub.listener(e);
    }
  }
}

// ---- generic paths ------------------------------------------------------------

namespace {

// A project's ingress hosts are its own: they are claimed in the transaction
// that creates the project or changes its hosts, and released in the one
// that removes it. Conflict names the project that holds a host already.
Status ClaimIngressHosts(Txn& txn, const std::string& name, const std::vector<std::string>& hosts) {
  auto held = txn.ClaimIngressHosts(name, hosts);
  if (!held.ok()) return held.status();
  if (!*held) return Status::Ok();
  return Status::Conflict("ingress host " + GoQuote((*held)->host) +
                          " is already used by project " + GoQuote((*held)->project));
}

// The written row, for the event that announces the write.
void Describe(const Row& row, Event* event) {
  event->revision = row.revision;
  event->create_revision = row.create_revision;
  event->body = row.body;
}

template <typename T>
Status CreateIn(Txn& txn, T& obj, Timestamp now, Event* event) {
  auto rev = txn.NextRevision();
  if (!rev.ok()) return rev.status();
  obj.metadata.created_at = now;
  obj.metadata.updated_at = now;
  obj.metadata.generation = 1;
  obj.metadata.resource_version = std::to_string(*rev);
  Row row = ToRow(obj, *rev, *rev);
  CARA_RETURN_IF_ERROR(txn.Insert(row));
  Describe(row, event);
  std::vector<std::string> hosts = Kind<T>::IngressHosts(obj);
  return hosts.empty() ? Status::Ok() : ClaimIngressHosts(txn, obj.metadata.name, hosts);
}

// Reads, mutates and writes one object inside txn. Sets *written to the
// object as stored, or leaves it empty when the mutation removed the record.
int64_t UnixMillis(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Deletes a row read in this transaction and keeps its last state, with
// the deletion's revision, for watchers (see Txn::RecordDeletion).
template <typename T>
Status DeleteIn(Txn& txn, T last, int64_t create_revision, Timestamp now, Duration retention,
                Event* event) {
  auto rev = txn.NextRevision();
  if (!rev.ok()) return rev.status();
  last.metadata.resource_version = std::to_string(*rev);
  CARA_RETURN_IF_ERROR(txn.Delete(Kind<T>::name, last.metadata.name));
  Row row = ToRow(last, *rev, create_revision);
  Describe(row, event);
  return txn.RecordDeletion(row, UnixMillis(now), UnixMillis(now - retention));
}

// Mutates `row`, read (and locked) in this transaction.
template <typename T, typename Mutation>
Status MutateRow(Txn& txn, const Row& row, const Mutation& mutate, Timestamp now,
                 Duration retention, std::optional<T>* written, Event* event) {
  const std::string& name = row.name;
  auto current = FromRow<T>(row);
  if (!current.ok()) return current.status();
  T next = *current;
  bool remove = false;
  CARA_RETURN_IF_ERROR(mutate(next, remove));
  event->kind = Kind<T>::name;
  event->name = name;
  event->old_phase = Kind<T>::Phase(*current);
  std::vector<std::string> old_hosts = Kind<T>::IngressHosts(*current);
  if (remove) {
    CARA_RETURN_IF_ERROR(DeleteIn(txn, *current, row.create_revision, now, retention, event));
    if (!old_hosts.empty()) CARA_RETURN_IF_ERROR(ClaimIngressHosts(txn, name, {}));
    event->type = EventType::kDeleted;
    written->reset();
    return Status::Ok();
  }
  // Server-managed metadata is not the mutator's to change.
  next.metadata.name = current->metadata.name;
  next.metadata.created_at = current->metadata.created_at;
  next.metadata.resource_version = current->metadata.resource_version;
  next.metadata.generation = current->metadata.generation;
  next.metadata.updated_at = current->metadata.updated_at;
  if (next == *current) {
    *written = std::move(next);
    event->type = EventType::kUpdated;
    event->name.clear();  // nothing changed: nothing to announce
    return Status::Ok();
  }
  if (!Kind<T>::SpecEqual(next, *current)) {
    next.metadata.generation += 1;
    std::vector<std::string> hosts = Kind<T>::IngressHosts(next);
    if (hosts != old_hosts) CARA_RETURN_IF_ERROR(ClaimIngressHosts(txn, name, hosts));
  }
  auto rev = txn.NextRevision();
  if (!rev.ok()) return rev.status();
  next.metadata.updated_at = now;
  next.metadata.resource_version = std::to_string(*rev);
  Row updated = ToRow(next, *rev, row.create_revision);
  CARA_RETURN_IF_ERROR(txn.Update(updated));
  Describe(updated, event);
  event->type = EventType::kUpdated;
  event->new_phase = Kind<T>::Phase(next);
  *written = std::move(next);
  return Status::Ok();
}

template <typename T, typename Mutation>
Status MutateIn(Txn& txn, const std::string& name, const Mutation& mutate, Timestamp now,
                Duration retention, std::optional<T>* written, Event* event) {
  auto row = txn.Get(Kind<T>::name, name);
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound(kNotFound);
  return MutateRow(txn, **row, mutate, now, retention, written, event);
}

}  // namespace

// ---- both kinds ---------------------------------------------------------------

template <typename T>
Result<T> Store::Create(T object) {
  Event event{EventType::kCreated, Kind<T>::name, object.metadata.name, "", Kind<T>::Phase(object)};
  Status st = backend_->Write([&](Txn& txn) {
    CARA_RETURN_IF_ERROR(CreateIn(txn, object, clock_->Now(), &event));
    return Announce(txn, event);
  });
  if (!st.ok()) return st;
  Publish({event});
  return object;
}

template <typename T>
Result<T> Store::Get(const std::string& name) {
  auto row = backend_->Get(Kind<T>::name, name);
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound(kNotFound);
  return FromRow<T>(**row);
}

// ---- nodes --------------------------------------------------------------------

Result<api::Node> Store::CreateNode(api::Node node) { return Create(std::move(node)); }

Result<api::Node> Store::GetNode(const std::string& name) { return Get<api::Node>(name); }

Result<std::vector<api::Node>> Store::ListNodes() {
  return FromRows<api::Node>(backend_->List(api::kKindNode, {}));
}

Result<api::Node> Store::UpdateNode(const std::string& name, const NodeMutator& mutate) {
  return std::move(
      UpdateNodes({name}, [&](const std::string&, api::Node& n) { return mutate(n); }).front());
}

std::vector<Result<api::Node>> Store::UpdateNodes(
    const std::vector<std::string>& names,
    const std::function<Status(const std::string& name, api::Node&)>& mutate) {
  std::vector<size_t> order(names.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return names[a] < names[b]; });
  std::vector<std::optional<api::Node>> written(names.size());
  std::vector<Status> missing(names.size());
  std::vector<Event> events;
  Status st = backend_->Write([&](Txn& txn) -> Status {
    events.clear();  // a retried transaction starts over
    // One read (and lock, in name order) for the batch, not one per node
    // (node-health's resync looks at every node).
    auto rows = txn.GetMany(api::kKindNode, names);
    if (!rows.ok()) return rows.status();
    std::map<std::string, Row> unread;
    for (Row& row : *rows) unread.emplace(row.name, std::move(row));
    for (size_t i : order) {
      Event event;
      auto adapter = [&](api::Node& n, bool&) { return mutate(names[i], n); };
      Status one;
      auto prefetched = unread.find(names[i]);
      if (prefetched == unread.end()) {
        // Absent, or named twice: a second look must see the first's write.
        one = MutateIn<api::Node>(txn, names[i], adapter, clock_->Now(),
                                  Duration(deletion_retention_), &written[i], &event);
      } else {
        one = MutateRow<api::Node>(txn, prefetched->second, adapter, clock_->Now(),
                                   Duration(deletion_retention_), &written[i], &event);
        unread.erase(prefetched);
      }
      missing[i] = one;
      if (one.code() == Code::kNotFound) continue;
      CARA_RETURN_IF_ERROR(one);
      if (!event.name.empty()) events.push_back(std::move(event));
    }
    return AnnounceAll(txn, events);
  });
  if (st.ok() && !events.empty()) Publish(events);
  auto result_of = [&](size_t i) -> Result<api::Node> {
    if (!st.ok()) return st;
    if (!missing[i].ok()) return missing[i];
    return std::move(*written[i]);
  };
  std::vector<Result<api::Node>> results;
  results.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) results.emplace_back(result_of(i));
  return results;
}

Status Store::DeleteNode(const std::string& name, const NodeDeleteGuard& guard) {
  Event deleted{EventType::kDeleted, api::kKindNode, name, "", ""};
  Status st = backend_->Write([&](Txn& txn) -> Status {
    // Lock the node first: a scheduler assigning a project to it waits for us
    // (and then finds it gone), or committed before and shows in the guard.
    auto locked = txn.Get(api::kKindNode, name);
    if (!locked.ok()) return locked.status();
    if (guard) {
      auto on_node = FromRows<api::Project>(txn.List(api::kKindProject, ToRowFilter({{}, name})));
      if (!on_node.ok()) return on_node.status();
      CARA_RETURN_IF_ERROR(guard(*on_node));
    }
    if (!*locked) return Status::NotFound(kNotFound);
    auto last = FromRow<api::Node>(**locked);
    if (!last.ok()) return last.status();
    CARA_RETURN_IF_ERROR(DeleteIn(txn, *last, (*locked)->create_revision, clock_->Now(),
                                  Duration(deletion_retention_), &deleted));
    return Announce(txn, deleted);
  });
  if (!st.ok()) return st;
  Publish({deleted});
  return Status::Ok();
}

// ---- projects -----------------------------------------------------------------

Result<api::Project> Store::CreateProject(api::Project project) {
  return Create(std::move(project));
}

Result<api::Project> Store::GetProject(const std::string& name) { return Get<api::Project>(name); }

Result<std::vector<api::Project>> Store::ListProjects(const ProjectFilter& filter) {
  auto rows = backend_->List(api::kKindProject, ToRowFilter(filter));
  return FromRows<api::Project>(rows);
}

Result<std::optional<api::Project>> Store::MutateProject(const std::string& name,
                                                         const ProjectMutation& mutate) {
  std::optional<api::Project> written;
  Event event;
  Status st = backend_->Write([&](Txn& txn) {
    CARA_RETURN_IF_ERROR(MutateIn<api::Project>(txn, name, mutate, clock_->Now(),
                                                Duration(deletion_retention_), &written, &event));
    return event.name.empty() ? Status::Ok() : Announce(txn, event);
  });
  if (!st.ok()) return st;
  if (!event.name.empty()) Publish({event});
  return written;
}

Result<api::Project> Store::UpdateProject(const std::string& name, const ProjectMutator& mutate) {
  auto result = MutateProject(name, [&](api::Project& p, bool&) { return mutate(p); });
  if (!result.ok()) return result.status();
  return std::move(**result);
}

Result<api::Project> Store::UpdateProjectOnNode(const std::string& name, const std::string& node,
                                                const ProjectMutator& mutate) {
  std::optional<api::Project> written;
  Event event;
  auto adapter = [&](api::Project& p, bool&) { return mutate(p); };
  Status st = backend_->Write([&](Txn& txn) -> Status {
    auto locked = txn.Get(api::kKindNode, node);
    if (!locked.ok()) return locked.status();
    if (!*locked) return Status::NotFound("node " + node + ": " + kNotFound);
    CARA_RETURN_IF_ERROR(MutateIn<api::Project>(txn, name, adapter, clock_->Now(),
                                                Duration(deletion_retention_), &written, &event));
    return event.name.empty() ? Status::Ok() : Announce(txn, event);
  });
  if (!st.ok()) return st;
  if (!event.name.empty()) Publish({event});
  return std::move(*written);
}

Status Store::DeleteProject(const std::string& name) {
  auto result = MutateProject(name, [](api::Project&, bool& remove) {
    remove = true;
    return Status::Ok();
  });
  return result.status();
}

// ---- watches ------------------------------------------------------------------

Result<ChangeBatch> Store::ChangesSince(const std::vector<std::string>& kinds, int64_t after,
                                        size_t limit) {
  return backend_->ChangesSince(kinds, after, limit);
}

Result<int64_t> Store::CommittedRevision() { return backend_->CommittedRevision(); }

Result<std::map<std::string, int64_t>> Store::CountByPhase(const std::string& kind) {
  return backend_->CountByPhase(kind);
}

Result<std::vector<int64_t>> Store::CountByNamePrefix(const std::string& kind,
                                                      const std::vector<std::string>& prefixes) {
  return backend_->CountByNamePrefix(kind, prefixes);
}

void Store::SetDeletionRetention(Duration retention) { deletion_retention_ = retention.count(); }

// ---- raw reads ----------------------------------------------------------------

Result<std::string> Store::GetRaw(const std::string& kind, const std::string& name) {
  auto row = backend_->Get(kind, name);
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound(kNotFound);
  return std::move((*row)->body);
}

namespace {

// One column of every row a list matches: the bodies, or only the names.
Result<std::vector<std::string>> ListColumn(Backend& backend, const std::string& kind,
                                            const ProjectFilter& filter, std::string Row::*column) {
  auto rows = backend.List(kind, ToRowFilter(filter));
  if (!rows.ok()) return rows.status();
  std::vector<std::string> out;
  out.reserve(rows->size());
  for (Row& row : *rows) out.push_back(std::move(row.*column));
  return out;
}

}  // namespace

Result<std::vector<std::string>> Store::ListRaw(const std::string& kind,
                                                const ProjectFilter& filter) {
  return ListColumn(*backend_, kind, filter, &Row::body);
}

Result<std::vector<std::string>> Store::ListNames(const std::string& kind,
                                                  const ProjectFilter& filter) {
  return ListColumn(*backend_, kind, filter, &Row::name);
}

Result<Store::RawPage> Store::ListRawPage(const std::string& kind, const ProjectFilter& filter,
                                          const std::optional<ListKey>& after, size_t limit) {
  RowFilter rows_filter = ToRowFilter(filter);
  rows_filter.after = after;
  rows_filter.limit = limit > 0 ? limit + 1 : 0;  // one more tells whether more follow
  auto rows = backend_->List(kind, rows_filter);
  if (!rows.ok()) return rows.status();
  RawPage page;
  if (limit > 0 && rows->size() > limit) {
    rows->resize(limit);
    page.next = ListKey{rows->back().create_revision, rows->back().name};
  }
  page.items.reserve(rows->size());
  for (Row& row : *rows) page.items.push_back(std::move(row.body));
  return page;
}

// ---- opening ------------------------------------------------------------------

Result<std::unique_ptr<Backend>> OpenBackend(const std::string& database_url,
                                             const std::string& data_dir) {
  Result<std::unique_ptr<Backend>> backend = Status::Internal("unreachable");
  if (database_url.rfind("postgresql://", 0) == 0 || database_url.rfind("postgres://", 0) == 0) {
    backend = OpenPostgresBackend(database_url);
  } else if (database_url.rfind("sqlite:", 0) == 0) {
    backend = OpenSqliteBackend(database_url.substr(7));
  } else if (database_url.empty()) {
    SqliteOptions options;
    options.private_directory = true;  // the data directory is ours alone
    backend = OpenSqliteBackend(
        (data_dir.empty() ? std::string("./cara-data") : data_dir) + "/cara.db", options);
  } else {
    return Status::Invalid("unsupported database URL \"" + database_url +
                           "\": expected postgresql://..., postgres://... or sqlite:PATH");
  }
  if (!backend.ok()) return backend.status();
  CARA_RETURN_IF_ERROR((*backend)->Migrate());
  return backend;
}

}  // namespace cara::store
