#include "store/postgres_rows.h"

#include <cstdint>
#include <string>

#include "store/schema_migrations.h"

namespace cara::store {

// The NOTIFY statement and the LISTEN statement must name the same channel.
const char kPgEventChannel[] = "cara_events";
const char kPgListenSql[] = "LISTEN cara_events";

namespace {

struct Statement {
  const char* name;
  std::string sql;
};

std::vector<Statement> MakeStatements() {
  const std::string select =
      std::string("SELECT ") + kRowColumns + " FROM resources WHERE kind = $1";
  const std::string order = " ORDER BY create_revision, name";
  return {
      {"get", select + " AND name = $2"},
      // The row lock makes read-modify-write safe under READ COMMITTED: a
      // second writer waits here and then reads the first writer's committed row.
      {"get_for_update", select + " AND name = $2 FOR UPDATE"},
      {"list", select + order},
      {"list_phase", select + " AND phase = ANY($2::text[])" + order},
      {"list_node", select + " AND node_ref = $2" + order},
      {"list_phase_node", select + " AND phase = ANY($2::text[]) AND node_ref = $3" + order},
      // Pages: a range scan of the (kind, create_revision, name) index from
      // the key after which the page starts; an empty phase array means any.
      {"list_page", select + " AND (cardinality($2::text[]) = 0 OR phase = ANY($2::text[]))" +
                        " AND ($3::text = '' OR node_ref = $3)" +
                        " AND (create_revision, name) > ($4::bigint, $5::text)" + order +
                        " LIMIT $6"},
      // A name prefix: a range of the byte-order (kind, name) index, any
      // other filter as in list_page. Text is UTF-8, which has no 0xff byte,
      // so a prefix PostgreSQL accepts always has a range end.
      {"list_prefix", select + " AND (cardinality($2::text[]) = 0 OR phase = ANY($2::text[]))" +
                          " AND ($3::text = '' OR node_ref = $3) AND name COLLATE \"C\" >= $4" +
                          " AND name COLLATE \"C\" < $5" +
                          " AND (create_revision, name) > ($6::bigint, $7::text)" + order +
                          " LIMIT $8"},
      // The lock (held until commit) makes revisions commit in order, so a
      // watcher that has read revision N has seen every change up to N.
      // Key 0x6361726100000003 ("cara", 3).
      {"next_revision",
       "SELECT nextval('resource_revision') "
       "FROM (SELECT pg_advisory_xact_lock(7161130643433193475)) AS serialized"},
      // Locks in name order: two batches never wait on each other in a cycle.
      {"get_many_for_update",
       select + " AND name = ANY($2::text[]) ORDER BY name COLLATE \"C\" FOR UPDATE"},
      {"next_revisions",
       "SELECT nextval('resource_revision') AS revision "
       "FROM (SELECT pg_advisory_xact_lock(7161130643433193475)) AS serialized, "
       "generate_series(1, $1::bigint) ORDER BY revision"},
      {"record_deletion",
       "INSERT INTO deletions (revision, kind, name, body, create_revision, deleted_at) "
       "VALUES ($1, $2, $3, $4, $5, $6)"},
      {"compact_horizon",
       "UPDATE watch_horizon SET compacted_revision = greatest(compacted_revision, "
       "coalesce((SELECT max(revision) FROM deletions WHERE deleted_at < $1), 0)) WHERE id = 1"},
      {"compact_deletions", "DELETE FROM deletions WHERE deleted_at < $1"},
      // One statement, so rows and deletions come from one snapshot.
      {"changes", std::string("SELECT ") + kRowColumns +
                      ", 0 AS deleted FROM resources WHERE revision > $1 AND kind = ANY($2::text[])"
                      " UNION ALL SELECT kind, name, '', '', body, revision, create_revision, 1"
                      " FROM deletions WHERE revision > $1 AND kind = ANY($2::text[])"
                      " ORDER BY revision LIMIT $3"},
      {"count_by_phase", "SELECT phase, count(*) FROM resources WHERE kind = $1 GROUP BY phase"},
      // One range of the byte-order (kind, name) index per prefix ($2 the
      // starts, $3 the ends), in the order given. A correlated subquery, not
      // a join: the generic plan of a join filters every row of the kind.
      {"count_by_name_prefix",
       "SELECT (SELECT count(*) FROM resources r WHERE r.kind = $1"
       " AND r.name COLLATE \"C\" >= p.lo AND r.name COLLATE \"C\" < p.hi)"
       " FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS p(lo, hi, i) ORDER BY p.i"},
      {"compacted_revision", "SELECT compacted_revision FROM watch_horizon WHERE id = 1"},
      {"committed_revision",
       "SELECT greatest(coalesce((SELECT max(revision) FROM resources), 0), "
       "coalesce((SELECT max(revision) FROM deletions), 0))"},
      {"insert", std::string("INSERT INTO resources (") + kRowColumns +
                     ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, name) DO NOTHING"},
      // create_revision is left alone: creation order never changes.
      {"update",
       "UPDATE resources SET phase = $3, node_ref = $4, body = $5, revision = $6 "
       "WHERE kind = $1 AND name = $2"},
      {"insert_many", std::string("INSERT INTO resources (") + kRowColumns +
                          ") SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
                          "$5::text[], $6::bigint[], $7::bigint[]) "
                          "ON CONFLICT (kind, name) DO NOTHING"},
      {"update_many",
       "UPDATE resources AS r SET phase = u.phase, node_ref = u.node_ref, body = u.body, "
       "revision = u.revision FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
       "$5::text[], $6::bigint[]) AS u(kind, name, phase, node_ref, body, revision) "
       "WHERE r.kind = u.kind AND r.name = u.name"},
      {"delete", "DELETE FROM resources WHERE kind = $1 AND name = $2"},
      {"release_hosts", "DELETE FROM ingress_hosts WHERE project = $1"},
      // Inserts each host or, when it is taken, locks its row and returns its
      // holder. A concurrent claim of the same host waits on the unique index
      // until the first transaction ends, then sees its outcome.
      {"claim_hosts",
       "INSERT INTO ingress_hosts (host, project) SELECT h, $1 FROM unnest($2::text[]) AS h "
       "ON CONFLICT (host) DO UPDATE SET project = ingress_hosts.project "
       "RETURNING host, project"},
      // Queued by the server and sent to listeners only if the transaction commits.
      {"notify", std::string("SELECT pg_notify('") + kPgEventChannel + "', $1)"},
      {"notify_many", std::string("SELECT pg_notify('") + kPgEventChannel +
                          "', p) FROM unnest($1::text[]) WITH ORDINALITY AS t(p, i) ORDER BY i"},
  };
}

}  // namespace

void PreparePgStatements(pqxx::connection& conn) {
  static const std::vector<Statement> statements = MakeStatements();
  for (const Statement& s : statements) conn.prepare(s.name, s.sql);
}

Row PgRowFrom(const pqxx::row& r) {
  Row row;
  row.kind = r[0].c_str();
  row.name = r[1].c_str();
  row.phase = r[2].c_str();
  row.node_ref = r[3].c_str();
  row.body.assign(r[4].c_str(), r[4].size());
  row.revision = r[5].as<int64_t>();
  row.create_revision = r[6].as<int64_t>();
  return row;
}

std::vector<Row> PgRowsFrom(const pqxx::result& result) {
  std::vector<Row> rows;
  rows.reserve(result.size());
  for (const auto& r : result) rows.push_back(PgRowFrom(r));
  return rows;
}

std::optional<Row> PgFirstRow(const pqxx::result& result) {
  if (result.empty()) return std::nullopt;
  return PgRowFrom(result[0]);
}

pqxx::result PgListQuery(pqxx::transaction_base& tx, const std::string& kind,
                         const RowFilter& filter) {
  if (!filter.name_prefix.empty()) {
    const ListKey start = filter.after.value_or(ListKey{-1, ""});
    const int64_t limit = filter.limit > 0 ? static_cast<int64_t>(filter.limit) : INT64_MAX;
    return tx.exec_prepared("list_prefix", kind, PgTextArray(filter.phases), filter.node_ref,
                            filter.name_prefix, PrefixRangeEnd(filter.name_prefix).value_or(""),
                            start.create_revision, start.name, limit);
  }
  if (filter.after || filter.limit > 0) {
    const ListKey start = filter.after.value_or(ListKey{-1, ""});
    const int64_t limit = filter.limit > 0 ? static_cast<int64_t>(filter.limit) : INT64_MAX;
    return tx.exec_prepared("list_page", kind, PgTextArray(filter.phases), filter.node_ref,
                            start.create_revision, start.name, limit);
  }
  bool phases = !filter.phases.empty(), node = !filter.node_ref.empty();
  if (phases && node) {
    return tx.exec_prepared("list_phase_node", kind, PgTextArray(filter.phases), filter.node_ref);
  }
  if (phases) return tx.exec_prepared("list_phase", kind, PgTextArray(filter.phases));
  if (node) return tx.exec_prepared("list_node", kind, filter.node_ref);
  return tx.exec_prepared("list", kind);
}

std::string PgTextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace cara::store
