#include "gitops/plan.h"

#include <algorithm>
#include <memory>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "api/codec.h"
#include "api/quantity.h"
#include "common/parallel_for.h"
#include "common/time_format.h"
#include "gitops/applied_hash.h"
#include "gitops/ownership.h"
#include "gitops/plan_guards.h"
#include "gitops/secret_view.h"
#include "gitops/sync_wave.h"

namespace cara::gitops {
namespace {

using nlohmann::json;

// Execution groups, in order: nodes and secrets must exist before projects
// name them, and projects must be gone before their node is deleted or the
// secrets they read are pruned.
enum Group {
  kNodeWrites = 0,
  kSecretWrites = 1,
  kProjectWrites = 2,
  kProjectDeletes = 3,
  kSecretDeletes = 4,
  kNodeDeletes = 5,
};

struct Entry {
  Group group = kNodeWrites;
  Action action;
};

bool IsDelete(Group g) { return g >= kProjectDeletes; }

// Where an entry runs: writes before deletes, writes by wave ascending and
// deletes by wave descending (what a later wave needs is written first and
// deleted last), then by group. Entries with the same key share a stage.
std::tuple<bool, int64_t, int> StageKey(const Entry& e) {
  const int64_t wave = e.action.wave;
  return {IsDelete(e.group), IsDelete(e.group) ? -wave : wave, e.group};
}

// The manifest's labels, as a selector sees them.
api::StringMap ManifestLabels(const json& document) {
  api::StringMap labels;
  auto meta = document.find("metadata");
  if (meta == document.end() || !meta->is_object()) return labels;
  auto found = meta->find("labels");
  if (found == meta->end() || !found->is_object()) return labels;
  for (const auto& [key, value] : found->items()) {
    if (value.is_string()) labels[key] = value.get<std::string>();
  }
  return labels;
}

// `caractrl rollout restart` sets caravanserai.io/restarted-at on the live
// object; a source never carries it, and removing it would count as another
// restart. Desired objects take the live value (or none), so it is never a
// difference and a write keeps it.
void KeepRestartedAt(const api::ObjectMeta* live, api::StringMap& want_annotations) {
  want_annotations.erase(api::kRestartedAtAnnotation);
  if (live == nullptr) return;
  auto it = live->annotations.find(api::kRestartedAtAnnotation);
  if (it != live->annotations.end()) want_annotations[it->first] = it->second;
}

// ---- Defaults and comparison -----------------------------------------------

// What the server stores for a manifest: its own encode of the decoded
// object, which drops what the codec treats as absent (an empty env value,
// an empty list), so such spellings are never a difference.
template <typename T>
T AsStored(const T& object) {
  json stored(api::ToJson(object));
  if constexpr (std::is_same_v<T, api::Secret>) {
    return object;  // the codec keeps every field of a Secret
  } else if constexpr (std::is_same_v<T, api::Node>) {
    auto decoded = api::DecodeNode(stored);
    return decoded.ok() ? std::move(*decoded) : object;
  } else {
    auto decoded = api::DecodeProject(stored);
    return decoded.ok() ? std::move(*decoded) : object;
  }
}

// What the server or agent would fill in for a field the manifest leaves out,
// so leaving it out is not a difference.
void ApplyDefaults(api::Node& node) {
  if (node.spec.hostname.empty()) node.spec.hostname = node.metadata.name;
}

void ApplyDefaults(api::Secret& secret) { MakeComparable(secret); }

void ApplyDefaults(api::Project& project) {
  for (auto& s : project.spec.services) s.image_pull_policy = api::EffectivePullPolicy(s);
  for (auto& i : project.spec.ingress) {
    if (i.access_scope.empty()) i.access_scope = "Internal";
  }
}

template <typename T>
void SortByName(std::vector<T>& items) {
  std::stable_sort(items.begin(), items.end(),
                   [](const T& a, const T& b) { return a.name < b.name; });
}

// "0.5" and "500m" are the same request.
void CanonicalQuantity(std::string& q) {
  auto parsed = api::ParseQuantity(q);
  if (parsed.ok()) q = std::to_string(parsed->milli);
}

// The spec as compared: named lists in name order, quantities by value.
api::ProjectSpec Comparable(api::ProjectSpec spec) {
  for (auto& s : spec.services) {
    SortByName(s.env);
    SortByName(s.volume_mounts);
  }
  SortByName(spec.services);
  SortByName(spec.volumes);
  SortByName(spec.ingress);
  CanonicalQuantity(spec.resources.cpu);
  CanonicalQuantity(spec.resources.memory);
  for (auto& s : spec.services) {
    CanonicalQuantity(s.resources.limits.cpu);
    CanonicalQuantity(s.resources.limits.memory);
  }
  return spec;
}

template <typename T>
bool SameMetadata(const T& want, const T& have) {
  return want.metadata.labels == have.metadata.labels &&
         want.metadata.annotations == have.metadata.annotations;
}

// Both sides have their defaults applied already.
bool UpToDate(const api::Node& want, const api::Node& have) {
  return SameMetadata(want, have) && want.spec == have.spec;
}

bool UpToDate(const api::Secret& want, const api::Secret& have) {
  return SameMetadata(want, have) && want.type == have.type && want.digests == have.digests;
}

bool UpToDate(const api::Project& want, const api::Project& have) {
  return SameMetadata(want, have) && Comparable(want.spec) == Comparable(have.spec);
}

json View(const api::Secret& secret) {
  json view = SecretView(secret);
  DropAppliedHash(view);
  return view;
}

// The comparable view shown in diffs: labels, annotations and spec.
template <typename T>
json View(const T& object) {
  json view = json::object();
  if (!object.metadata.labels.empty()) view["metadata"]["labels"] = object.metadata.labels;
  if (!object.metadata.annotations.empty()) {
    view["metadata"]["annotations"] = object.metadata.annotations;
  }
  view["spec"] = json(api::ToJson(object.spec));
  DropAppliedHash(view);
  return view;
}

// What the applied-hash record covers: the view, and a Secret's digests
// (its view names keys only, and a changed value must change the record).
json AppliedView(const api::Secret& secret) {
  json view = SecretView(secret);
  view["digests"] = secret.digests;
  return view;
}
template <typename T>
json AppliedView(const T& object) {
  return View(object);
}

// Shows equal quantities in the live object's spelling, so "0.5" vs "500m"
// never appears as a change in a diff that is about something else.
void MatchQuantitySpelling(api::ResourceRequests& want, const api::ResourceRequests& have) {
  auto same = [](const std::string& a, const std::string& b) {
    auto qa = api::ParseQuantity(a), qb = api::ParseQuantity(b);
    return qa.ok() && qb.ok() && *qa == *qb;
  };
  if (same(want.cpu, have.cpu)) want.cpu = have.cpu;
  if (same(want.memory, have.memory)) want.memory = have.memory;
}
void MatchQuantitySpelling(api::Project& want, const api::Project& have) {
  MatchQuantitySpelling(want.spec.resources, have.spec.resources);
  for (auto& s : want.spec.services) {
    for (const auto& h : have.spec.services) {
      if (h.name == s.name) MatchQuantitySpelling(s.resources.limits, h.resources.limits);
    }
  }
}
void MatchQuantitySpelling(api::Node&, const api::Node&) {}
void MatchQuantitySpelling(api::Secret&, const api::Secret&) {}

// ---- Request bodies ------------------------------------------------------------

// The manifest as sent: status and server-managed metadata dropped, ownership
// and the live resourceVersion as WriteMetadata sets them, the applied-hash
// record (none when empty), defaults filled in.
json Body(const DesiredObject& d, const api::ObjectMeta* live, const PlanOptions& o,
          const std::string& applied_hash) {
  json body = d.document;
  body.erase("status");
  json meta = WriteMetadata(d, live, o);
  if (d.kind == api::kKindProject) {
    api::StringMap annotations;
    if (meta.contains("annotations")) annotations = meta["annotations"].get<api::StringMap>();
    KeepRestartedAt(live, annotations);
    meta.erase("annotations");
    if (!annotations.empty()) meta["annotations"] = annotations;
  }
  if (!applied_hash.empty()) meta["annotations"][kAppliedHashAnnotation] = applied_hash;
  body["metadata"] = std::move(meta);
  if (d.kind == api::kKindSecret) body.erase("digests");  // the server's, never sent
  if (d.kind == api::kKindNode) {
    json& spec = body["spec"];
    if (!spec.is_object()) spec = json::object();
    auto host = spec.find("hostname");
    if (host == spec.end() || !host->is_string() || host->get<std::string>().empty()) {
      spec["hostname"] = d.name;
    }
  }
  return body;
}

// ---- Planning ----------------------------------------------------------------------

Result<api::Node> Decode(const json& doc, const api::Node*) { return api::DecodeNode(doc); }
Result<api::Secret> Decode(const json& doc, const api::Secret*) { return api::DecodeSecret(doc); }
Result<api::Project> Decode(const json& doc, const api::Project*) {
  return api::DecodeProject(doc);
}

bool Terminating(const api::Node&) { return false; }
bool Terminating(const api::Secret&) { return false; }
bool Terminating(const api::Project& p) {
  return p.status.phase == api::kPhaseTerminating || p.status.phase == api::kPhaseTerminated;
}

std::optional<Timestamp> ExpireAt(const api::Node&) { return std::nullopt; }
std::optional<Timestamp> ExpireAt(const api::Secret&) { return std::nullopt; }
std::optional<Timestamp> ExpireAt(const api::Project& p) { return p.spec.expire_at; }

// Where an object's writes and deletes run (Group), and its kind.
Group WriteGroup(const api::Node*) { return kNodeWrites; }
Group WriteGroup(const api::Secret*) { return kSecretWrites; }
Group WriteGroup(const api::Project*) { return kProjectWrites; }
Group DeleteGroup(const api::Node*) { return kNodeDeletes; }
Group DeleteGroup(const api::Secret*) { return kSecretDeletes; }
Group DeleteGroup(const api::Project*) { return kProjectDeletes; }
const char* KindOf(const api::Node*) { return api::kKindNode; }
const char* KindOf(const api::Secret*) { return api::kKindSecret; }
const char* KindOf(const api::Project*) { return api::kKindProject; }

// Projects only: the live phase and health shown beside the action.
template <typename T>
std::optional<ProjectHealth> LiveHealth(const T* have) {
  if constexpr (std::is_same_v<T, api::Project>) {
    if (have != nullptr) return HealthOf(*have);
  }
  return std::nullopt;
}

// Views show keys, never values: a key whose digest moved says so.
void MarkChanges(const api::Secret& want, const api::Secret& have, json* after) {
  MarkChangedValues(want, have, after);
}
template <typename T>
void MarkChanges(const T&, const T&, json*) {}

class Planner {
 public:
  Planner(const LiveState& live, const PlanOptions& o) : live_(live), o_(o) {
    for (const auto& n : live.nodes) nodes_[n.metadata.name] = &n;
    for (const auto& s : live.secrets) secrets_[s.metadata.name] = &s;
    for (const auto& p : live.projects) {
      projects_[p.metadata.name] = &p;
      if (!p.status.node_ref.empty() && p.status.phase != api::kPhaseTerminated) {
        assigned_[p.status.node_ref].push_back(p.metadata.name);
      }
    }
  }

  Entry PlanDesired(const DesiredObject& d) {
    if (d.kind == api::kKindNode) return PlanDesired<api::Node>(d, Find(nodes_, d.name));
    if (d.kind == api::kKindSecret) return PlanDesired<api::Secret>(d, Find(secrets_, d.name));
    return PlanDesired<api::Project>(d, Find(projects_, d.name));
  }

  template <typename T>
  std::vector<Entry> PlanPrunes(const std::vector<T>& live,
                                const std::unordered_set<std::string>& desired) {
    std::vector<Entry> out;
    for (const T& have : live) {
      if (!Owned(have.metadata, o_.source_id)) continue;
      if (!o_.selector.Matches(have.metadata.labels)) continue;  // outside a partial sync
      ++owned_;
      if (desired.count(have.metadata.name) == 0) out.push_back(PlanPrune(have));
    }
    return out;
  }

  int owned() const { return owned_; }

 private:
  template <typename T>
  static const T* Find(const std::unordered_map<std::string, const T*>& index,
                       const std::string& name) {
    auto it = index.find(name);
    return it == index.end() ? nullptr : it->second;
  }

  static constexpr bool IsNode(const api::Node*) { return true; }
  template <typename T>
  static constexpr bool IsNode(const T*) {
    return false;
  }

  template <typename T>
  Entry PlanDesired(const DesiredObject& d, const T* have) {
    Entry e{WriteGroup(have), {}};
    Action& a = e.action;
    a.kind = d.kind;
    a.name = d.name;
    a.origin = d.origin;
    a.in_source = true;
    a.health = LiveHealth(have);
    a.wave = SyncWaveOf(d.document);
    auto decoded = Decode(d.document, have);
    if (!decoded.ok()) return Skip(e, "cannot decode the manifest: " + decoded.status().message());
    T want = std::move(*decoded);
    Complete(want, have);
    if (have != nullptr && OwnedByOther(have->metadata, o_.source_id)) {
      a.conflict = true;
      return Skip(e, "managed by another source: " + SourceOf(have->metadata));
    }
    if (auto expire_at = ExpireAt(want); expire_at && *expire_at <= o_.now) {
      return Expire(e, *expire_at, have);
    }
    if (have != nullptr && Terminating(*have)) {
      return Skip(e, "terminating; it can be created again once it is gone");
    }
    if (have == nullptr) {
      want = Stored(d, have);
      a.type = ActionType::kCreate;
      a.mutates = true;
      a.after = View(want);
      a.body =
          Body(d, nullptr, o_, AppliedHashToWrite(o_, nullptr, AppliedHash(AppliedView(want))));
      return e;
    }
    T live = *have;
    ApplyDefaults(live);
    // A noop (most of a large source) is decided on the manifest as decoded:
    // one equal to what the server stored is in stored form already, so the
    // codec round trip of Stored could not make it differ.
    if (UpToDate(want, live)) return e;
    want = Stored(d, have);
    if (UpToDate(want, live)) return e;  // a spelling the server drops
    // Of what was planned, before the diff's spelling changes below.
    const std::string applied = AppliedHash(AppliedView(want));
    a.type = UpdateType(want, live);
    if (a.type == ActionType::kUpdate && RevertsLiveEdit(o_, have->metadata, applied)) {
      a.type = ActionType::kDrift;
    }
    a.mutates = true;
    MatchQuantitySpelling(want, live);
    a.after = View(want);
    a.before = View(live);
    MarkChanges(want, live, &a.after);
    AlignNamedLists(a.before, a.after);
    DiffFields(a.before, a.after, &a.changes);
    a.body = Body(d, &have->metadata, o_, AppliedHashToWrite(o_, &have->metadata, applied));
    return e;
  }

  // Fills in what a write would carry besides the manifest: ownership, the
  // annotations kept from the live object, the defaults.
  template <typename T>
  void Complete(T& want, const T* have) const {
    AddOwnership(want.metadata, o_.source_id);
    if (have != nullptr && o_.source_id.empty()) KeepOwnership(have->metadata, want.metadata);
    if constexpr (std::is_same_v<T, api::Project>) {
      KeepRestartedAt(have ? &have->metadata : nullptr, want.metadata.annotations);
    }
    KeepAppliedHash(have ? &have->metadata : nullptr, want.metadata.annotations);
    ApplyDefaults(want);
  }

  // The manifest (known to decode) as the server would store it, completed.
  template <typename T>
  T Stored(const DesiredObject& d, const T* have) const {
    T want = AsStored(*Decode(d.document, have));
    Complete(want, have);
    return want;
  }

  static ActionType UpdateType(const api::Node& want, const api::Node& have) {
    if (want.spec.unschedulable == have.spec.unschedulable) return ActionType::kUpdate;
    return want.spec.unschedulable ? ActionType::kDrain : ActionType::kUndrain;
  }
  template <typename T>
  static ActionType UpdateType(const T&, const T&) {
    return ActionType::kUpdate;
  }

  static Entry Skip(Entry& e, std::string reason) {
    e.action.type = ActionType::kSkip;
    e.action.reason = std::move(reason);
    return std::move(e);
  }

  template <typename T>
  Entry Expire(Entry& e, Timestamp expire_at, const T* have) {
    e.group = kProjectDeletes;
    Action& a = e.action;
    a.type = ActionType::kExpire;
    std::string when = "expired at " + FormatRfc3339(expire_at);
    if (have == nullptr) {
      a.reason = when + "; not created";
    } else if (Terminating(*have)) {
      a.reason = when + "; deletion in progress";
    } else {
      a.reason = when + "; deleting";
      a.mutates = true;
      a.before = View(*have);
    }
    return std::move(e);
  }

  template <typename T>
  Entry PlanPrune(const T& have) {
    const bool node = IsNode(&have);
    Entry e{DeleteGroup(&have), {}};
    Action& a = e.action;
    a.type = ActionType::kDelete;
    a.kind = KindOf(&have);
    a.name = have.metadata.name;
    a.before = View(have);
    a.health = LiveHealth(&have);
    auto wave = ParseSyncWave(have.metadata.annotations);
    a.wave = wave.ok() ? *wave : 0;
    const std::string missing = "not in the source";
    if (!o_.prune) return Skip(e, missing + "; pruning is off (--no-prune)");
    if (Lookup(have.metadata.annotations, kPruneAnnotation) == kPruneDisabled) {
      return Skip(e, missing + "; protected by " + kPruneAnnotation + ": " + kPruneDisabled);
    }
    if (node && !o_.prune_nodes) {
      return Skip(e, missing + "; nodes are pruned only with --prune-nodes");
    }
    if (node) {
      auto it = assigned_.find(a.name);
      if (it != assigned_.end()) return Skip(e, missing + "; " + AssignedText(it->second));
    }
    if (Terminating(have)) {
      a.type = ActionType::kNoop;
      a.reason = missing + "; deletion in progress";
      return e;
    }
    a.reason = missing;
    a.mutates = true;
    return e;
  }

  static std::string AssignedText(const std::vector<std::string>& projects) {
    std::string text = std::to_string(projects.size()) + " project(s) still assigned: ";
    for (size_t i = 0; i < projects.size() && i < 5; ++i) {
      text += (i ? ", " : "") + projects[i];
    }
    if (projects.size() > 5) text += ", ...";
    return text;
  }

  const LiveState& live_;
  const PlanOptions& o_;
  std::unordered_map<std::string, const api::Node*> nodes_;
  std::unordered_map<std::string, const api::Project*> projects_;
  std::unordered_map<std::string, const api::Secret*> secrets_;
  std::unordered_map<std::string, std::vector<std::string>> assigned_;
  int owned_ = 0;
};

}  // namespace

struct PlanBuilder::State {
  State(const LiveState& live, PlanOptions o) : live(live), options(std::move(o)) {}
  const LiveState& live;
  const PlanOptions options;
  Planner planner{live, options};
  std::unordered_map<std::string, std::unordered_set<std::string>> names;  // by kind
  std::vector<Entry> entries;
  size_t selected = 0;
};

PlanBuilder::PlanBuilder(const LiveState& live, PlanOptions options)
    : state_(std::make_unique<State>(live, std::move(options))) {}
PlanBuilder::~PlanBuilder() = default;

void PlanBuilder::Add(const std::vector<DesiredObject>& desired) { AddChunk(desired, nullptr); }

void PlanBuilder::Add(std::vector<DesiredObject>&& desired) {
  AddChunk(desired, &desired);
  desired.clear();
}

void PlanBuilder::AddChunk(const std::vector<DesiredObject>& desired,
                           std::vector<DesiredObject>* release) {
  State& s = *state_;
  std::vector<size_t> chosen;
  chosen.reserve(desired.size());
  for (size_t i = 0; i < desired.size(); ++i) {
    const DesiredObject& d = desired[i];
    s.names[d.kind].insert(d.name);  // never pruned, selected or not
    if (s.options.selector.Matches(ManifestLabels(d.document))) chosen.push_back(i);
  }
  s.selected += chosen.size();
  // Each manifest is planned on its own (the planner only reads), into its
  // own slot: the same entries in the same order on any number of threads.
  // A released document is freed there too, rather than all of them on
  // one thread afterwards.
  const size_t first = s.entries.size();
  s.entries.resize(first + chosen.size());
  ParallelFor(chosen.size(), s.options.threads, [&](size_t i) {
    s.entries[first + i] = s.planner.PlanDesired(desired[chosen[i]]);
    if (release != nullptr) json().swap((*release)[chosen[i]].document);
  });
}

Plan PlanBuilder::Finish() {
  State& s = *state_;
  std::vector<Entry> entries = std::move(s.entries);
  for (auto& prune : s.planner.PlanPrunes(s.live.nodes, s.names[api::kKindNode])) {
    entries.push_back(std::move(prune));
  }
  for (auto& prune : s.planner.PlanPrunes(s.live.secrets, s.names[api::kKindSecret])) {
    entries.push_back(std::move(prune));
  }
  for (auto& prune : s.planner.PlanPrunes(s.live.projects, s.names[api::kKindProject])) {
    entries.push_back(std::move(prune));
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (StageKey(a) != StageKey(b)) return StageKey(a) < StageKey(b);
    return a.action.name < b.action.name;
  });
  Plan plan;
  plan.owned = s.planner.owned();
  plan.actions.reserve(entries.size());
  int stage = -1;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i == 0 || StageKey(entries[i]) != StageKey(entries[i - 1])) ++stage;
    entries[i].action.stage = stage;
    plan.actions.push_back(std::move(entries[i].action));
  }
  plan.refusals = PlanRefusals(plan, s.selected, s.options);
  plan.hash = PlanHash(plan);
  return plan;
}

Plan ComputePlan(const std::vector<DesiredObject>& desired, const LiveState& live,
                 const PlanOptions& options) {
  PlanBuilder builder(live, options);
  builder.Add(desired);
  return builder.Finish();
}

namespace {

template <typename T>
bool StillAsPlannedImpl(const Action& action, const T& fresh) {
  if (action.before.is_null()) return false;
  T live = fresh;
  ApplyDefaults(live);
  json view = View(live);
  AlignNamedLists(view, action.after);
  std::vector<FieldChange> changes;
  DiffFields(action.before, view, &changes);
  return changes.empty();
}

}  // namespace

bool StillAsPlanned(const Action& action, const api::Node& fresh) {
  return StillAsPlannedImpl(action, fresh);
}

bool StillAsPlanned(const Action& action, const api::Project& fresh) {
  return StillAsPlannedImpl(action, fresh);
}

bool StillAsPlanned(const Action& action, const api::Secret& fresh) {
  return StillAsPlannedImpl(action, fresh);
}

}  // namespace cara::gitops
