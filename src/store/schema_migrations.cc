#include "store/schema_migrations.h"

namespace cara::store {

const char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

const char kRowColumns[] = "kind, name, phase, node_ref, body, revision, create_revision";

// SQLite has no sequences: the revision counter is the single row of `meta`.
const std::vector<Migration>& SqliteMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "create resources", R"sql(
CREATE TABLE resources (
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  phase TEXT NOT NULL DEFAULT '',
  node_ref TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  revision INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  PRIMARY KEY (kind, name)
);
CREATE INDEX resources_kind_phase ON resources (kind, phase);
CREATE INDEX resources_kind_node_ref ON resources (kind, node_ref);
CREATE INDEX resources_kind_order ON resources (kind, create_revision, name);
CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
INSERT INTO meta (id, revision) VALUES (1, 0);
)sql"},
      // Ingress hosts are unique across projects. Existing projects claim
      // theirs, the oldest first, resolved as api::IngressHosts does: a host
      // without a '.' is "<host>.<project>.local"; ASCII lowercase.
      {2, "create ingress_hosts", R"sql(
CREATE TABLE ingress_hosts (
  host TEXT PRIMARY KEY,
  project TEXT NOT NULL
);
CREATE INDEX ingress_hosts_project ON ingress_hosts (project);
INSERT OR IGNORE INTO ingress_hosts (host, project)
SELECT lower(CASE WHEN instr(h, '.') > 0 THEN h ELSE h || '.' || name || '.local' END), name
FROM (SELECT r.name AS name, r.create_revision AS rev,
             coalesce(json_extract(i.value, '$.host'), '') AS h
      FROM resources AS r, json_each(r.body, '$.spec.ingress') AS i
      WHERE r.kind = 'Project')
ORDER BY rev;
)sql"},
      // Watches: changes are found by revision, deleted rows are kept for a
      // while (see Txn::RecordDeletion), and `watch_horizon` remembers up to
      // which revision deletions were forgotten.
      {3, "create deletions", R"sql(
CREATE INDEX resources_revision ON resources (revision);
CREATE TABLE deletions (
  revision INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  body TEXT NOT NULL,
  create_revision INTEGER NOT NULL,
  deleted_at INTEGER NOT NULL
);
CREATE INDEX deletions_deleted_at ON deletions (deleted_at);
CREATE TABLE watch_horizon (id INTEGER PRIMARY KEY CHECK (id = 1),
                            compacted_revision INTEGER NOT NULL);
INSERT INTO watch_horizon (id, compacted_revision) VALUES (1, 0);
)sql"},
  };
  return migrations;
}

// body is TEXT, not JSONB, so the bytes we stored are the bytes we serve.
const std::vector<Migration>& PostgresMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "create resources", R"sql(
CREATE SEQUENCE resource_revision AS BIGINT;
CREATE TABLE resources (
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  phase TEXT NOT NULL DEFAULT '',
  node_ref TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  revision BIGINT NOT NULL,
  create_revision BIGINT NOT NULL,
  PRIMARY KEY (kind, name)
);
CREATE INDEX resources_kind_phase ON resources (kind, phase);
CREATE INDEX resources_kind_node_ref ON resources (kind, node_ref);
CREATE INDEX resources_kind_order ON resources (kind, create_revision, name);
)sql"},
      // As in SQLite's version 2 above.
      {2, "create ingress_hosts", R"sql(
CREATE TABLE ingress_hosts (
  host TEXT PRIMARY KEY,
  project TEXT NOT NULL
);
CREATE INDEX ingress_hosts_project ON ingress_hosts (project);
INSERT INTO ingress_hosts (host, project)
SELECT DISTINCT ON (host) host, name
FROM (SELECT translate(CASE WHEN strpos(h, '.') > 0 THEN h ELSE h || '.' || name || '.local' END,
                       'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') AS host,
             name, create_revision
      FROM (SELECT r.name, r.create_revision, coalesce(i ->> 'host', '') AS h
            FROM resources AS r, jsonb_array_elements(r.body::jsonb -> 'spec' -> 'ingress') AS i
            WHERE r.kind = 'Project') AS entries) AS resolved
ORDER BY host, create_revision;
)sql"},
      // As in SQLite's version 3 above.
      {3, "create deletions", R"sql(
CREATE INDEX resources_revision ON resources (revision);
CREATE TABLE deletions (
  revision BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  body TEXT NOT NULL,
  create_revision BIGINT NOT NULL,
  deleted_at BIGINT NOT NULL
);
CREATE INDEX deletions_deleted_at ON deletions (deleted_at);
CREATE TABLE watch_horizon (id INTEGER PRIMARY KEY CHECK (id = 1),
                            compacted_revision BIGINT NOT NULL);
INSERT INTO watch_horizon (id, compacted_revision) VALUES (1, 0);
)sql"},
      // A name-prefix list (one object's events) is a byte-order range: the
      // primary key's collation may not be byte order, this index's is.
      // SQLite needs none: its primary key compares bytes.
      {4, "index names in byte order", R"sql(
CREATE INDEX resources_kind_name_bytes ON resources (kind, name COLLATE "C");
)sql"},
  };
  return migrations;
}

std::string MigrationLabel(const Migration& m) {
  return "migration " + std::to_string(m.version) + " (" + m.name + ")";
}

}  // namespace cara::store
