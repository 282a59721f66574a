#include "store/sqlite_txn.h"

#include "store/schema_migrations.h"

namespace cara::store {
namespace {

Row ReadRow(const SqliteStmt& stmt) {
  Row row;
  row.kind = stmt.Text(0);
  row.name = stmt.Text(1);
  row.phase = stmt.Text(2);
  row.node_ref = stmt.Text(3);
  row.body = stmt.Text(4);
  row.revision = stmt.Int(5);
  row.create_revision = stmt.Int(6);
  return row;
}

// Parameters: ?1 kind, ?2 node_ref, ?3 ?4 the key to start after, ?5 limit,
// ?6 ?7 the name range of a prefix, ?8... phases.
constexpr int kFirstPhaseParam = 8;

// One SQL text per filter shape (and number of phases), each cached. A page
// is a range scan of the (kind, create_revision, name) index.
std::string ListSql(const RowFilter& filter) {
  std::string sql = std::string("SELECT ") + kRowColumns + " FROM resources WHERE kind = ?1";
  if (!filter.phases.empty()) {
    sql += " AND phase IN (";
    for (size_t i = 0; i < filter.phases.size(); ++i) {
      sql += (i ? ", ?" : "?") + std::to_string(i + kFirstPhaseParam);
    }
    sql += ")";
  }
  if (!filter.node_ref.empty()) sql += " AND node_ref = ?2";
  if (!filter.name_prefix.empty()) {
    sql += " AND name >= ?6";  // BINARY collation: byte order, as PrefixRangeEnd
    if (PrefixRangeEnd(filter.name_prefix)) sql += " AND name < ?7";
  }
  if (filter.after) sql += " AND (create_revision, name) > (?3, ?4)";
  sql += " ORDER BY create_revision, name";
  if (filter.limit > 0) sql += " LIMIT ?5";
  return sql;
}

// Binds ?1..?6 as the insert and the update statements number them.
void BindRow(SqliteStmt& stmt, const Row& row) {
  stmt.Bind(1, row.kind);
  stmt.Bind(2, row.name);
  stmt.Bind(3, row.phase);
  stmt.Bind(4, row.node_ref);
  stmt.Bind(5, row.body);
  stmt.Bind(6, row.revision);
}

// ?1 the revision to start after, ?2 the limit, ?3... the kinds. One
// statement, so rows and deletions come from one snapshot.
std::string ChangesSql(size_t kinds) {
  std::string in = "(";
  for (size_t i = 0; i < kinds; ++i) in += (i ? ", ?" : "?") + std::to_string(i + 3);
  in += ")";
  // `+kind` keeps the planner off the (kind, ...) indexes: on those it scans
  // every row of the kind and sorts, once per watch fetch (10,000 nodes made
  // that most of the server's CPU); resources_revision reads only the new rows.
  return std::string("SELECT ") + kRowColumns +
         ", 0 FROM resources WHERE revision > ?1 AND +kind IN " + in +
         " UNION ALL SELECT kind, name, '', '', body, revision, create_revision, 1"
         " FROM deletions WHERE revision > ?1 AND kind IN " +
         in + " ORDER BY revision LIMIT ?2";
}

Result<int64_t> ReadSingleInt(SqliteConn& conn, const std::string& sql, const std::string& what) {
  auto stmt = conn.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  int rc = stmt->Step();
  if (rc != SQLITE_ROW) return SqliteStatus(conn.db(), rc, what);
  return stmt->Int(0);
}

}  // namespace

Result<ChangeBatch> SqliteChangesSince(SqliteConn& conn, const std::vector<std::string>& kinds,
                                       int64_t after, size_t limit) {
  ChangeBatch batch;
  if (kinds.empty()) return batch;
  auto stmt = conn.Prepare(ChangesSql(kinds.size()));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, after);
  stmt->Bind(2, limit > 0 ? static_cast<int64_t>(limit) : INT64_MAX);
  for (size_t i = 0; i < kinds.size(); ++i) stmt->Bind(static_cast<int>(i + 3), kinds[i]);
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    batch.changes.push_back(Change{ReadRow(*stmt), stmt->Int(7) == 1});
  }
  if (rc != SQLITE_DONE) return SqliteStatus(conn.db(), rc, "changes");
  // Read after the changes: a compaction in between makes this answer
  // too cautious (the caller starts over), never wrong.
  auto compacted = ReadSingleInt(conn, "SELECT compacted_revision FROM watch_horizon WHERE id = 1",
                                 "watch horizon");
  if (!compacted.ok()) return compacted.status();
  batch.compacted = *compacted;
  return batch;
}

Result<std::map<std::string, int64_t>> SqliteCountByPhase(SqliteConn& conn,
                                                          const std::string& kind) {
  auto stmt = conn.Prepare("SELECT phase, count(*) FROM resources WHERE kind = ?1 GROUP BY phase");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, kind);
  std::map<std::string, int64_t> counts;
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) counts[stmt->Text(0)] = stmt->Int(1);
  if (rc != SQLITE_DONE) return SqliteStatus(conn.db(), rc, "count " + kind);
  return counts;
}

Result<std::vector<int64_t>> SqliteCountByNamePrefix(SqliteConn& conn, const std::string& kind,
                                                     const std::vector<std::string>& prefixes) {
  std::vector<int64_t> counts;
  counts.reserve(prefixes.size());
  for (const std::string& prefix : prefixes) {
    auto end = PrefixRangeEnd(prefix);
    auto stmt = conn.Prepare(std::string("SELECT count(*) FROM resources WHERE kind = ?1") +
                             " AND name >= ?2" + (end ? " AND name < ?3" : ""));
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, kind);
    stmt->Bind(2, prefix);
    if (end) stmt->Bind(3, *end);
    int rc = stmt->Step();
    if (rc != SQLITE_ROW) return SqliteStatus(conn.db(), rc, "count " + kind);
    counts.push_back(stmt->Int(0));
  }
  return counts;
}

Result<int64_t> SqliteCommittedRevision(SqliteConn& conn) {
  return ReadSingleInt(conn, "SELECT revision FROM meta WHERE id = 1", "revision");
}

Result<std::optional<Row>> SqliteGetRow(SqliteConn& conn, const std::string& kind,
                                        const std::string& name) {
  auto stmt = conn.Prepare(std::string("SELECT ") + kRowColumns +
                           " FROM resources WHERE kind = ?1 AND name = ?2");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, kind);
  stmt->Bind(2, name);
  int rc = stmt->Step();
  if (rc == SQLITE_DONE) return std::optional<Row>();
  if (rc != SQLITE_ROW) return SqliteStatus(conn.db(), rc, "get " + kind);
  return std::optional<Row>(ReadRow(*stmt));
}

Result<std::vector<Row>> SqliteListRows(SqliteConn& conn, const std::string& kind,
                                        const RowFilter& filter) {
  auto stmt = conn.Prepare(ListSql(filter));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, kind);
  if (!filter.node_ref.empty()) stmt->Bind(2, filter.node_ref);
  if (filter.after) {
    stmt->Bind(3, filter.after->create_revision);
    stmt->Bind(4, filter.after->name);
  }
  if (filter.limit > 0) stmt->Bind(5, static_cast<int64_t>(filter.limit));
  if (!filter.name_prefix.empty()) {
    stmt->Bind(6, filter.name_prefix);
    if (auto end = PrefixRangeEnd(filter.name_prefix)) stmt->Bind(7, *end);
  }
  for (size_t i = 0; i < filter.phases.size(); ++i) {
    stmt->Bind(static_cast<int>(i + kFirstPhaseParam), filter.phases[i]);
  }
  std::vector<Row> rows;
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) rows.push_back(ReadRow(*stmt));
  if (rc != SQLITE_DONE) return SqliteStatus(conn.db(), rc, "list " + kind);
  return rows;
}

Result<std::optional<Row>> SqliteTxn::Get(const std::string& kind, const std::string& name) {
  return Note(SqliteGetRow(conn_, kind, name));
}

Result<std::vector<Row>> SqliteTxn::List(const std::string& kind, const RowFilter& filter) {
  return Note(SqliteListRows(conn_, kind, filter));
}

Result<int64_t> SqliteTxn::NextRevision() {
  auto stmt =
      conn_.Prepare("UPDATE meta SET revision = revision + 1 WHERE id = 1 RETURNING revision");
  if (!stmt.ok()) return Note(stmt.status());
  int rc = stmt->Step();
  if (rc != SQLITE_ROW) return Fail(rc, "next revision");
  return stmt->Int(0);
}

Status SqliteTxn::Insert(const Row& row) {
  auto stmt = conn_.Prepare(std::string("INSERT INTO resources (") + kRowColumns +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!stmt.ok()) return Note(stmt.status());
  BindRow(*stmt, row);
  stmt->Bind(7, row.create_revision);
  int rc = stmt->Step();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return Status::AlreadyExists("resource already exists");
  if (rc != SQLITE_DONE) return Fail(rc, "insert " + row.kind);
  return Status::Ok();
}

// create_revision is left alone: creation order never changes.
Status SqliteTxn::Update(const Row& row) {
  auto stmt = conn_.Prepare(
      "UPDATE resources SET phase = ?3, node_ref = ?4, body = ?5, revision = ?6 "
      "WHERE kind = ?1 AND name = ?2");
  if (!stmt.ok()) return Note(stmt.status());
  BindRow(*stmt, row);
  int rc = stmt->Step();
  if (rc != SQLITE_DONE) return Fail(rc, "update " + row.kind);
  if (sqlite3_changes(conn_.db()) == 0) return Status::NotFound("resource not found");
  return Status::Ok();
}

Status SqliteTxn::Delete(const std::string& kind, const std::string& name) {
  auto stmt = conn_.Prepare("DELETE FROM resources WHERE kind = ?1 AND name = ?2");
  if (!stmt.ok()) return Note(stmt.status());
  stmt->Bind(1, kind);
  stmt->Bind(2, name);
  int rc = stmt->Step();
  if (rc != SQLITE_DONE) return Fail(rc, "delete " + kind);
  if (sqlite3_changes(conn_.db()) == 0) return Status::NotFound("resource not found");
  return Status::Ok();
}

Status SqliteTxn::RecordDeletion(const Row& last, int64_t deleted_at_ms, int64_t forget_before_ms) {
  auto keep = conn_.Prepare(
      "INSERT INTO deletions (revision, kind, name, body, create_revision, deleted_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!keep.ok()) return Note(keep.status());
  keep->Bind(1, last.revision);
  keep->Bind(2, last.kind);
  keep->Bind(3, last.name);
  keep->Bind(4, last.body);
  keep->Bind(5, last.create_revision);
  keep->Bind(6, deleted_at_ms);
  int rc = keep->Step();
  if (rc != SQLITE_DONE) return Fail(rc, "record deletion");
  auto horizon = conn_.Prepare(
      "UPDATE watch_horizon SET compacted_revision = max(compacted_revision, "
      "coalesce((SELECT max(revision) FROM deletions WHERE deleted_at < ?1), 0)) WHERE id = 1");
  if (!horizon.ok()) return Note(horizon.status());
  horizon->Bind(1, forget_before_ms);
  rc = horizon->Step();
  if (rc != SQLITE_DONE) return Fail(rc, "compact deletions");
  auto forget = conn_.Prepare("DELETE FROM deletions WHERE deleted_at < ?1");
  if (!forget.ok()) return Note(forget.status());
  forget->Bind(1, forget_before_ms);
  rc = forget->Step();
  if (rc != SQLITE_DONE) return Fail(rc, "compact deletions");
  return Status::Ok();
}

Result<std::optional<HostHeld>> SqliteTxn::ClaimIngressHosts(
    const std::string& project, const std::vector<std::string>& hosts) {
  auto release = conn_.Prepare("DELETE FROM ingress_hosts WHERE project = ?1");
  if (!release.ok()) return Note(release.status());
  release->Bind(1, project);
  int rc = release->Step();
  if (rc != SQLITE_DONE) return Fail(rc, "release ingress hosts");
  for (const std::string& host : hosts) {
    auto claim = conn_.Prepare(
        "INSERT INTO ingress_hosts (host, project) VALUES (?1, ?2) "
        "ON CONFLICT (host) DO UPDATE SET project = ingress_hosts.project RETURNING project");
    if (!claim.ok()) return Note(claim.status());
    claim->Bind(1, host);
    claim->Bind(2, project);
    rc = claim->Step();
    if (rc != SQLITE_ROW) return Fail(rc, "claim ingress host");
    std::string holder = claim->Text(0);
    if (holder != project) return std::optional<HostHeld>(HostHeld{host, holder});
  }
  return std::optional<HostHeld>();
}

Status SqliteTxn::Fail(int rc, const std::string& what) {
  Status st = SqliteStatus(conn_.db(), rc, what);
  if (failure_.ok()) {
    failure_ = st;
    transient_ = IsSqliteTransient(rc);
  }
  return st;
}

Status SqliteTxn::Note(Status st) {
  if (!st.ok() && failure_.ok()) failure_ = st;
  return st;
}

}  // namespace cara::store
