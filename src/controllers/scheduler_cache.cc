#include "controllers/scheduler_cache.h"

namespace cara::controllers {
namespace {

// More changes than this since the last Refresh and re-listing the kind is
// cheaper than reading the objects one by one.
constexpr size_t kMaxRereads = 256;

}  // namespace

SchedulerCache::SchedulerCache(store::Store* store) : store_(store) {
  subscription_ = store_->Subscribe([this](const store::Event& e) { Note(e); });
}

SchedulerCache::~SchedulerCache() { store_->Unsubscribe(subscription_); }

void SchedulerCache::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  stale_nodes_ = stale_projects_ = true;
  changed_nodes_.clear();
  changed_projects_.clear();
}

// Only names are noted: the objects are read at the next Refresh, after the
// write that announced them has committed. A kind already due for a re-list
// needs no notes, which also bounds them while nobody refreshes (a replica
// that is not the leader).
void SchedulerCache::Note(const store::Event& e) {
  std::lock_guard<std::mutex> lock(mu_);
  bool node = e.kind == api::kKindNode;
  bool& stale = node ? stale_nodes_ : stale_projects_;
  std::set<std::string>& changed = node ? changed_nodes_ : changed_projects_;
  if (stale) return;
  changed.insert(e.name);
  if (changed.size() > kMaxRereads) {
    stale = true;
    changed.clear();
  }
}

Status SchedulerCache::Refresh() {
  bool list_nodes, list_projects;
  std::set<std::string> nodes, projects;
  {
    std::lock_guard<std::mutex> lock(mu_);
    list_nodes = std::exchange(stale_nodes_, false);
    list_projects = std::exchange(stale_projects_, false);
    nodes.swap(changed_nodes_);
    projects.swap(changed_projects_);
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
    for (const auto& name : nodes) {
      if (Status st = RereadNode(name); !st.ok()) return fail(true, st);
    }
  }
  if (list_projects) {
    if (Status st = ListPlaced(); !st.ok()) return fail(false, st);
  } else {
    for (const auto& name : projects) {
      if (Status st = RereadProject(name); !st.ok()) return fail(false, st);
    }
  }
  return Status::Ok();
}

Status SchedulerCache::ListNodes() {
  auto nodes = store_->ListNodes();
  if (!nodes.ok()) return nodes.status();
  nodes_ = std::move(*nodes);
  node_index_.clear();
  for (size_t i = 0; i < nodes_.size(); ++i) node_index_[nodes_[i].metadata.name] = i;
  return Status::Ok();
}

Status SchedulerCache::ListPlaced() {
  auto placed = store_->ListProjects(
      {{api::kPhaseScheduled, api::kPhaseRunning, api::kPhaseTerminating}, ""});
  if (!placed.ok()) return placed.status();
  placed_.clear();
  usage_.Clear();
  for (const auto& p : *placed) {
    ProjectLoad load;
    if (LoadOf(p, &load)) Place(p.metadata.name, std::move(load));
  }
  return Status::Ok();
}

Status SchedulerCache::RereadNode(const std::string& name) {
  auto node = store_->GetNode(name);
  if (!node.ok() && node.status().code() != Code::kNotFound) return node.status();
  auto it = node_index_.find(name);
  if (node.ok() && it != node_index_.end()) {
    nodes_[it->second] = std::move(*node);
  } else if (node.ok()) {  // new: the newest node goes last
    node_index_[name] = nodes_.size();
    nodes_.push_back(std::move(*node));
  } else if (it != node_index_.end()) {  // deleted
    const size_t gone = it->second;
    nodes_.erase(nodes_.begin() + gone);
    node_index_.erase(it);
    for (auto& [other, i] : node_index_) {
      if (i > gone) --i;
    }
  }
  return Status::Ok();
}

Status SchedulerCache::RereadProject(const std::string& name) {
  auto project = store_->GetProject(name);
  if (!project.ok() && project.status().code() != Code::kNotFound) return project.status();
  Unplace(name);
  ProjectLoad load;
  if (project.ok() && LoadOf(*project, &load)) Place(name, std::move(load));
  return Status::Ok();
}

void SchedulerCache::Place(const std::string& project, ProjectLoad load) {
  usage_.Add(load);
  placed_[project] = std::move(load);
}

void SchedulerCache::Unplace(const std::string& project) {
  auto it = placed_.find(project);
  if (it == placed_.end()) return;
  usage_.Remove(it->second);
  placed_.erase(it);
}

}  // namespace cara::controllers
