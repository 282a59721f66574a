// Store::UpdateProjects: many status writes in one transaction. The checks
// are those of UpdateProjectOnNode, made per write under the same locks
// (nodes first, then projects, each set in name order); the rows are read,
// revised and written with one statement each for the whole batch
// (Txn::GetMany, NextRevisions, UpdateMany, NotifyMany), so the batch costs
// a few round trips and one commit, not five and one per project.
#include <map>
#include <set>

#include "api/codec.h"
#include "api/lifecycle.h"
#include "store/store.h"

namespace cara::store {
namespace {

const char kNotFound[] = "resource not found";

int64_t ParseRevision(const std::string& resource_version) {
  try {
    return resource_version.empty() ? 0 : std::stoll(resource_version);
  } catch (const std::exception&) {
    return -1;  // matches no row
  }
}

// The nodes the batch names, each locked and judged once: OK, or why no
// project may go there.
Result<std::map<std::string, Status>> CheckNodes(Txn& txn, const std::vector<ProjectWrite>& writes,
                                                 const NodeCheck& node_check) {
  std::set<std::string> names;
  for (const ProjectWrite& w : writes) {
    if (!w.node.empty()) names.insert(w.node);
  }
  std::map<std::string, Status> verdicts;
  if (names.empty()) return verdicts;
  auto rows = txn.GetMany(api::kKindNode, {names.begin(), names.end()});
  if (!rows.ok()) return rows.status();
  for (const std::string& name : names) {
    verdicts[name] = Status::NotFound("node " + name + ": " + kNotFound);
  }
  for (const Row& row : *rows) {
    Status& verdict = verdicts[row.name];
    verdict = Status::Ok();
    if (!node_check) continue;
    auto node = api::ParseNode(row.body);
    verdict = node.ok() ? node_check(*node) : Status::Internal("corrupt Node " + row.name);
  }
  return verdicts;
}

// One write's outcome before anything is stored: the project as it will be
// written (`changed`), as it is (unchanged), or why it is skipped.
struct Outcome {
  Result<api::Project> project = Status::Internal("not decided");
  bool changed = false;
  int64_t create_revision = 0;
  std::string old_phase;
};

Outcome Skipped(Status why) {
  Outcome out;
  out.project = std::move(why);
  return out;
}

Outcome Decide(const ProjectWrite& w, const Row* row, const Status& node_verdict) {
  if (!node_verdict.ok()) return Skipped(node_verdict);
  if (!row) return Skipped(Status::NotFound(kNotFound));
  if (!w.resource_version.empty() && row->revision != ParseRevision(w.resource_version)) {
    return Skipped(Status::Conflict("project " + w.name + " changed since resourceVersion " +
                                    w.resource_version));
  }
  auto current = api::ParseProject(row->body);
  if (!current.ok()) return Skipped(Status::Internal("corrupt Project " + w.name));
  api::Project next = *current;
  if (Status st = w.mutate(next); !st.ok()) return Skipped(st);
  // Server-managed metadata is not the mutator's to change.
  next.metadata = current->metadata;
  if (api::ProjectSpecChanged(*current, next)) {
    return Skipped(Status::Invalid("a batched project write may change the status only"));
  }
  Outcome out;
  out.changed = !(next == *current);
  out.create_revision = row->create_revision;
  out.old_phase = current->status.phase;
  out.project = std::move(next);
  return out;
}

}  // namespace

Result<std::vector<Result<api::Project>>> Store::UpdateProjects(
    const std::vector<ProjectWrite>& writes, const NodeCheck& node_check) {
  std::vector<Outcome> outcomes;
  std::vector<Event> events;
  Status st = backend_->Write([&](Txn& txn) -> Status {
    outcomes.assign(writes.size(), Outcome{});
    events.clear();
    auto verdicts = CheckNodes(txn, writes, node_check);
    if (!verdicts.ok()) return verdicts.status();
    std::vector<std::string> names;
    for (const ProjectWrite& w : writes) names.push_back(w.name);
    auto rows = txn.GetMany(api::kKindProject, names);
    if (!rows.ok()) return rows.status();
    std::map<std::string, const Row*> by_name;
    for (const Row& row : *rows) by_name[row.name] = &row;
    std::set<std::string> seen;
    std::vector<size_t> changed;
    for (size_t i = 0; i < writes.size(); ++i) {
      const ProjectWrite& w = writes[i];
      auto row = by_name.find(w.name);
      Status node = w.node.empty() ? Status::Ok() : (*verdicts)[w.node];
      if (!seen.insert(w.name).second)
        node = Status::Invalid("project " + w.name + " written twice");
      outcomes[i] = Decide(w, row == by_name.end() ? nullptr : row->second, node);
      if (outcomes[i].changed) changed.push_back(i);
    }
    auto revisions = txn.NextRevisions(changed.size());
    if (!revisions.ok()) return revisions.status();
    const Timestamp now = clock_->Now();
    std::vector<Row> updated;
    for (size_t k = 0; k < changed.size(); ++k) {
      Outcome& out = outcomes[changed[k]];
      api::Project& p = *out.project;
      p.metadata.updated_at = now;
      p.metadata.resource_version = std::to_string((*revisions)[k]);
      Row row{api::kKindProject,     p.metadata.name, p.status.phase,     p.status.node_ref,
              api::EncodeProject(p), (*revisions)[k], out.create_revision};
      Event e{EventType::kUpdated, api::kKindProject, row.name, out.old_phase, row.phase};
      e.revision = row.revision;
      e.create_revision = row.create_revision;
      e.body = row.body;
      events.push_back(std::move(e));
      updated.push_back(std::move(row));
    }
    if (updated.empty()) return Status::Ok();
    CARA_RETURN_IF_ERROR(txn.UpdateMany(updated));
    return AnnounceAll(txn, events);
  });
  if (!st.ok()) return st;
  Publish(events);
  std::vector<Result<api::Project>> results;
  results.reserve(outcomes.size());
  for (Outcome& out : outcomes) results.push_back(std::move(out.project));
  return results;
}

}  // namespace cara::store
