#include "store/postgres_txn.h"

#include "store/postgres_rows.h"

namespace cara::store {

template <typename F>
auto PgTxn::Run(const std::string& what, const F& f) -> decltype(f()) {
  if (failure_) return failure_->status;  // an aborted transaction runs nothing
  try {
    return f();
  } catch (...) {
    failure_ = ClassifyCurrentPgError(scrub_, what);
    return failure_->status;
  }
}

Result<std::optional<Row>> PgTxn::Get(const std::string& kind, const std::string& name) {
  return Run("get " + kind, [&]() -> Result<std::optional<Row>> {
    return PgFirstRow(work_.exec_prepared("get_for_update", kind, name));
  });
}

Result<std::vector<Row>> PgTxn::List(const std::string& kind, const RowFilter& filter) {
  return Run("list " + kind, [&]() -> Result<std::vector<Row>> {
    return PgRowsFrom(PgListQuery(work_, kind, filter));
  });
}

Result<int64_t> PgTxn::NextRevision() {
  return Run("next revision", [&]() -> Result<int64_t> {
    return work_.exec_prepared1("next_revision")[0].as<int64_t>();
  });
}

Status PgTxn::Insert(const Row& row) {
  return Run("insert " + row.kind, [&]() -> Status {
    auto r = work_.exec_prepared("insert", row.kind, row.name, row.phase, row.node_ref, row.body,
                                 row.revision, row.create_revision);
    if (r.affected_rows() == 0) return Status::AlreadyExists("resource already exists");
    return Status::Ok();
  });
}

Status PgTxn::Update(const Row& row) {
  return Run("update " + row.kind, [&]() -> Status {
    auto r = work_.exec_prepared("update", row.kind, row.name, row.phase, row.node_ref, row.body,
                                 row.revision);
    if (r.affected_rows() == 0) return Status::NotFound("resource not found");
    return Status::Ok();
  });
}

Status PgTxn::Delete(const std::string& kind, const std::string& name) {
  return Run("delete " + kind, [&]() -> Status {
    auto r = work_.exec_prepared("delete", kind, name);
    if (r.affected_rows() == 0) return Status::NotFound("resource not found");
    return Status::Ok();
  });
}

Status PgTxn::RecordDeletion(const Row& last, int64_t deleted_at_ms, int64_t forget_before_ms) {
  return Run("record deletion", [&]() -> Status {
    work_.exec_prepared("record_deletion", last.revision, last.kind, last.name, last.body,
                        last.create_revision, deleted_at_ms);
    work_.exec_prepared("compact_horizon", forget_before_ms);
    work_.exec_prepared("compact_deletions", forget_before_ms);
    return Status::Ok();
  });
}

Result<std::optional<HostHeld>> PgTxn::ClaimIngressHosts(const std::string& project,
                                                         const std::vector<std::string>& hosts) {
  return Run("claim ingress hosts", [&]() -> Result<std::optional<HostHeld>> {
    work_.exec_prepared("release_hosts", project);
    if (hosts.empty()) return std::optional<HostHeld>();
    std::optional<HostHeld> held;
    for (const auto& row : work_.exec_prepared("claim_hosts", project, PgTextArray(hosts))) {
      std::string host = row[0].c_str(), holder = row[1].c_str();
      if (holder != project && (!held || host < held->host)) held = HostHeld{host, holder};
    }
    return held;
  });
}

Status PgTxn::Notify(const std::string& payload) {
  return Run("notify", [&]() -> Status {
    work_.exec_prepared("notify", payload);
    return Status::Ok();
  });
}

// ---- batches: one statement each --------------------------------------------

Result<std::vector<Row>> PgTxn::GetMany(const std::string& kind,
                                        const std::vector<std::string>& names) {
  return Run("get " + kind + "s", [&]() -> Result<std::vector<Row>> {
    return PgRowsFrom(work_.exec_prepared("get_many_for_update", kind, PgTextArray(names)));
  });
}

Result<std::vector<int64_t>> PgTxn::NextRevisions(size_t count) {
  return Run("next revisions", [&]() -> Result<std::vector<int64_t>> {
    std::vector<int64_t> revisions;
    if (count == 0) return revisions;
    for (const auto& r : work_.exec_prepared("next_revisions", static_cast<int64_t>(count))) {
      revisions.push_back(r[0].as<int64_t>());
    }
    return revisions;
  });
}

namespace {

// The rows as one text array per column: the batch statements take arrays.
struct RowColumns {
  std::vector<std::string> kinds, names, phases, node_refs, bodies, revisions, creates;
  explicit RowColumns(const std::vector<Row>& rows) {
    for (const Row& row : rows) {
      kinds.push_back(row.kind);
      names.push_back(row.name);
      phases.push_back(row.phase);
      node_refs.push_back(row.node_ref);
      bodies.push_back(row.body);
      revisions.push_back(std::to_string(row.revision));
      creates.push_back(std::to_string(row.create_revision));
    }
  }
};

}  // namespace

Status PgTxn::UpdateMany(const std::vector<Row>& rows) {
  return Run("update rows", [&]() -> Status {
    if (rows.empty()) return Status::Ok();
    RowColumns c(rows);
    auto r = work_.exec_prepared("update_many", PgTextArray(c.kinds), PgTextArray(c.names),
                                 PgTextArray(c.phases), PgTextArray(c.node_refs),
                                 PgTextArray(c.bodies), PgTextArray(c.revisions));
    if (r.affected_rows() != rows.size()) return Status::NotFound("resource not found");
    return Status::Ok();
  });
}

Status PgTxn::InsertMany(const std::vector<Row>& rows) {
  return Run("insert rows", [&]() -> Status {
    if (rows.empty()) return Status::Ok();
    RowColumns c(rows);
    auto r =
        work_.exec_prepared("insert_many", PgTextArray(c.kinds), PgTextArray(c.names),
                            PgTextArray(c.phases), PgTextArray(c.node_refs), PgTextArray(c.bodies),
                            PgTextArray(c.revisions), PgTextArray(c.creates));
    if (r.affected_rows() != rows.size()) return Status::AlreadyExists("resource already exists");
    return Status::Ok();
  });
}

Status PgTxn::NotifyMany(const std::vector<std::string>& payloads) {
  return Run("notify", [&]() -> Status {
    if (!payloads.empty()) work_.exec_prepared("notify_many", PgTextArray(payloads));
    return Status::Ok();
  });
}

}  // namespace cara::store
