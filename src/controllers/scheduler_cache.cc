#include "controllers/scheduler_cache.h"

#include "api/codec.h"

namespace cara::controllers {
namespace {

// More changes than this since the last Refresh and re-listing is due
// anyway; it also bounds the notes while nobody refreshes (a replica that
// is not the leader).
constexpr size_t kMaxNotes = 4096;

int64_t RevisionOf(const std::string& resource_version) {
  try {
    return resource_version.empty() ? 0 : std::stoll(resource_version);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

SchedulerCache::SchedulerCache(store::Store* store) : store_(store) {
  subscription_ = store_->Subscribe([this](const store::Event& e) { OnEvent(e); });
}

SchedulerCache::~SchedulerCache() { store_->Unsubscribe(subscription_); }

void SchedulerCache::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  stale_nodes_ = stale_projects_ = true;
  node_notes_.clear();
  project_notes_.clear();
}

// Only notes are taken here, on the writer's thread: the view changes at the
// next Refresh. A kind already due for a re-list needs no notes.
void SchedulerCache::OnEvent(const store::Event& e) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool node = e.kind == api::kKindNode;
  if (node ? stale_nodes_ : stale_projects_) return;
  Note note{e.revision, e.type == store::EventType::kDeleted, e.body};
  Mark(node ? node_notes_ : project_notes_, e.name, std::move(note));
  if (node_notes_.size() + project_notes_.size() > kMaxNotes) {
    stale_nodes_ = stale_projects_ = true;
    node_notes_.clear();
    project_notes_.clear();
  }
}

// Keeps the newest note of each object; one without a body or revision
// (read the store) wins over any.
void SchedulerCache::Mark(std::map<std::string, Note>& notes, const std::string& name, Note note) {
  if (note.body.empty()) note.revision = 0;
  auto [it, added] = notes.emplace(name, note);
  if (added || it->second.revision == 0) return;
  if (note.revision == 0 || note.revision > it->second.revision) it->second = std::move(note);
}

void SchedulerCache::ForgetProject(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!stale_projects_) Mark(project_notes_, name, Note{});
}

void SchedulerCache::ForgetNode(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!stale_nodes_) Mark(node_notes_, name, Note{});
}

Status SchedulerCache::Refresh() {
  bool list_nodes, list_projects;
  std::map<std::string, Note> nodes, projects;
  {
    std::lock_guard<std::mutex> lock(mu_);
    list_nodes = std::exchange(stale_nodes_, false);
    list_projects = std::exchange(stale_projects_, false);
    nodes.swap(node_notes_);
    projects.swap(project_notes_);
  }
  // On failure the kind is marked stale again, so nothing noted is lost.
  auto fail = [this](bool node_kind, const Status& st) {
    std::lock_guard<std::mutex> lock(mu_);
    (node_kind ? stale_nodes_ : stale_projects_) = true;
    return st;
  };
  if (list_nodes) {
    if (Status st = ListNodes(); !st.ok()) return fail(true, st);
  } else {
    for (const auto& [name, note] : nodes) {
      if (Status st = RefreshNode(name, note); !st.ok()) return fail(true, st);
    }
  }
  if (list_projects) {
    if (Status st = ListProjects(); !st.ok()) return fail(false, st);
  } else {
    for (const auto& [name, note] : projects) {
      if (Status st = RefreshProject(name, note); !st.ok()) return fail(false, st);
    }
  }
  return Status::Ok();
}

Status SchedulerCache::ListNodes() {
  auto nodes = store_->ListNodes();
  if (!nodes.ok()) return nodes.status();
  nodes_ = std::move(*nodes);
  node_index_.clear();
  allocatable_.clear();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    node_index_[nodes_[i].metadata.name] = i;
    allocatable_.push_back(NodeAllocatable(nodes_[i]));
  }
  return Status::Ok();
}

Status SchedulerCache::ListProjects() {
  auto listed = store_->ListProjects(
      {{api::kPhasePending, api::kPhaseScheduled, api::kPhaseRunning, api::kPhaseTerminating}, ""});
  if (!listed.ok()) return listed.status();
  projects_.clear();
  usage_.Clear();
  for (const auto& p : *listed) Apply(p);
  return Status::Ok();
}

Status SchedulerCache::RefreshNode(const std::string& name, const Note& note) {
  auto known = node_index_.find(name);
  if (note.revision > 0 && known != node_index_.end() &&
      RevisionOf(nodes_[known->second].metadata.resource_version) >= note.revision) {
    return Status::Ok();  // an older write, announced late
  }
  if (note.revision > 0) {  // the event carries the node as written
    auto node = note.deleted ? Result<api::Node>(api::Node{}) : api::ParseNode(note.body);
    if (node.ok()) {
      SetNode(name, note.deleted ? std::nullopt : std::optional<api::Node>(std::move(*node)));
      return Status::Ok();
    }
  }
  auto node = store_->GetNode(name);
  if (!node.ok() && node.status().code() != Code::kNotFound) return node.status();
  SetNode(name, node.ok() ? std::optional<api::Node>(std::move(*node)) : std::nullopt);
  return Status::Ok();
}

void SchedulerCache::SetNode(const std::string& name, std::optional<api::Node> node) {
  auto it = node_index_.find(name);
  if (node && it != node_index_.end()) {
    allocatable_[it->second] = NodeAllocatable(*node);
    nodes_[it->second] = std::move(*node);
  } else if (node) {  // new: the newest node goes last
    node_index_[name] = nodes_.size();
    allocatable_.push_back(NodeAllocatable(*node));
    nodes_.push_back(std::move(*node));
  } else if (it != node_index_.end()) {  // deleted
    const size_t gone = it->second;
    nodes_.erase(nodes_.begin() + gone);
    allocatable_.erase(allocatable_.begin() + gone);
    node_index_.erase(it);
    for (auto& [other, i] : node_index_) {
      if (i > gone) --i;
    }
  }
}

Status SchedulerCache::RefreshProject(const std::string& name, const Note& note) {
  auto known = projects_.find(name);
  if (note.revision > 0 && known != projects_.end() && known->second.revision >= note.revision) {
    return Status::Ok();  // already seen (our own write), or older
  }
  if (note.revision > 0 && note.deleted) {
    Erase(name, note.revision);
    return Status::Ok();
  }
  if (note.revision > 0) {  // the event carries the project as written
    auto project = api::ParseProject(note.body);
    if (project.ok()) {
      Apply(*project);
      return Status::Ok();
    }
  }
  auto project = store_->GetProject(name);
  if (!project.ok() && project.status().code() != Code::kNotFound) return project.status();
  if (project.ok()) {
    Apply(*project);
  } else {
    Erase(name, 0);
  }
  return Status::Ok();
}

const api::Project* SchedulerCache::Pending(const std::string& name) const {
  auto it = projects_.find(name);
  return it == projects_.end() ? nullptr : it->second.pending.get();
}

void SchedulerCache::Apply(const api::Project& project) {
  Entry& entry = projects_[project.metadata.name];
  if (entry.load) usage_.Remove(*entry.load);
  entry.revision = RevisionOf(project.metadata.resource_version);
  entry.load.reset();
  entry.pending.reset();
  ProjectLoad load;
  if (LoadOf(project, &load)) {
    usage_.Add(load);
    entry.load = std::move(load);
  }
  if (project.status.phase == api::kPhasePending) {
    entry.pending = std::make_unique<api::Project>(project);
  }
}

void SchedulerCache::Erase(const std::string& project, int64_t revision) {
  Entry& entry = projects_[project];
  if (entry.load) usage_.Remove(*entry.load);
  entry.load.reset();
  entry.pending.reset();
  entry.revision = std::max(entry.revision, revision);
}

}  // namespace cara::controllers
