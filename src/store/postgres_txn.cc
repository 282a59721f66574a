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

}  // namespace cara::store
