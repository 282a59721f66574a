// The storage backend seam: rows of (kind, name) with a JSON body and a few
// promoted columns for filtering. The typed logic (revisions, generations,
// timestamps, events, guards) lives once in store.cc; a backend only moves
// rows in and out of one transaction at a time.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace cara::store {

struct Row {
  std::string kind;
  std::string name;
  std::string phase;            // Node: status.state; Project: status.phase
  std::string node_ref;         // Project: status.nodeRef
  std::string body;             // the whole object as compact JSON, exactly as served
  int64_t revision = 0;         // resourceVersion of this write (global, increasing)
  int64_t create_revision = 0;  // revision at creation: list order
};

// A position in list order: create_revision, then name.
struct ListKey {
  int64_t create_revision = 0;
  std::string name;
};

struct RowFilter {
  std::vector<std::string> phases;  // empty = any phase; otherwise OR of exact matches
  std::string node_ref;             // empty = any
  // Paging (keyset, not OFFSET): only rows after this key, at most `limit`
  // of them (0 = all).
  std::optional<ListKey> after;
  size_t limit = 0;
  // Only names starting with this (empty = any): a range of the primary key,
  // so one object's events are read without reading every event.
  std::string name_prefix = {};
};

// The least string above every string that starts with `prefix` (byte
// order), or nullopt when there is none (a prefix of only 0xff bytes): the
// end of the key range [prefix, end) a name prefix reads.
inline std::optional<std::string> PrefixRangeEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

// A row changed after some revision, as it is now, or as it was when it was
// deleted (then its body carries the deletion's revision as resourceVersion
// and `revision` is that of the deletion).
struct Change {
  Row row;
  bool deleted = false;
};

struct ChangeBatch {
  std::vector<Change> changes;  // ascending revision, one per row at most
  // Deletions up to this revision have been forgotten: a watcher that last
  // saw an older revision cannot be told everything it missed.
  int64_t compacted = 0;
};

// A host another Project already holds (see Txn::ClaimIngressHosts).
struct HostHeld {
  std::string host;
  std::string project;  // the holder
};

// One transaction. Rows read through Get are locked until it ends, so a
// read-modify-write through a Txn never loses a concurrent update.
class Txn {
 public:
  virtual ~Txn() = default;
  virtual Result<std::optional<Row>> Get(const std::string& kind, const std::string& name) = 0;
  // Rows of a kind ordered by create_revision, then name.
  virtual Result<std::vector<Row>> List(const std::string& kind, const RowFilter& filter) = 0;
  // A fresh, strictly increasing revision, unique across the whole store.
  virtual Result<int64_t> NextRevision() = 0;
  virtual Status Insert(const Row& row) = 0;  // AlreadyExists if (kind, name) is taken
  virtual Status Update(const Row& row) = 0;  // NotFound if absent
  virtual Status Delete(const std::string& kind, const std::string& name) = 0;  // NotFound
  // Keeps `last` (a row deleted in this transaction, at `last.revision`)
  // for watchers that resume from before it, and forgets the deletions
  // made before `forget_before_ms` (both Unix milliseconds).
  virtual Status RecordDeletion(const Row& last, int64_t deleted_at_ms,
                                int64_t forget_before_ms) = 0;
  // Makes `hosts` (distinct) exactly the ingress hosts `project` holds, in a
  // table whose unique key is the host. When another project holds one of
  // them, returns it (the caller must then abort the transaction); a
  // concurrent claim of the same host waits for this transaction to end, so
  // of two transactions claiming one host at most one commits holding it.
  virtual Result<std::optional<HostHeld>> ClaimIngressHosts(
      const std::string& project, const std::vector<std::string>& hosts) = 0;
  // Announces a change to other processes sharing the database, delivered
  // only if the transaction commits (PostgreSQL NOTIFY). Default: nobody to tell.
  virtual Status Notify(const std::string& payload) {
    (void)payload;
    return Status::Ok();
  }

  // Batch forms for writes of many rows in one transaction (the scheduler's
  // placements), where a backend whose every statement is a round trip
  // (PostgreSQL) sends one statement for all. Defaults: one at a time.
  // The rows of `names` that exist, locked like Get, in name order (a fixed
  // order, so two batches never wait on each other's locks in a cycle).
  virtual Result<std::vector<Row>> GetMany(const std::string& kind,
                                           const std::vector<std::string>& names) {
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    std::vector<Row> rows;
    for (const std::string& name : sorted) {
      auto row = Get(kind, name);
      if (!row.ok()) return row.status();
      if (*row) rows.push_back(std::move(**row));
    }
    return rows;
  }
  // `count` fresh revisions, ascending (see NextRevision).
  virtual Result<std::vector<int64_t>> NextRevisions(size_t count) {
    std::vector<int64_t> revisions;
    for (size_t i = 0; i < count; ++i) {
      auto rev = NextRevision();
      if (!rev.ok()) return rev.status();
      revisions.push_back(*rev);
    }
    return revisions;
  }
  // Update of every row; NotFound if one is absent.
  virtual Status UpdateMany(const std::vector<Row>& rows) {
    for (const Row& row : rows) CARA_RETURN_IF_ERROR(Update(row));
    return Status::Ok();
  }
  // Insert of every row; AlreadyExists if one is taken.
  virtual Status InsertMany(const std::vector<Row>& rows) {
    for (const Row& row : rows) CARA_RETURN_IF_ERROR(Insert(row));
    return Status::Ok();
  }
  virtual Status NotifyMany(const std::vector<std::string>& payloads) {
    for (const std::string& payload : payloads) CARA_RETURN_IF_ERROR(Notify(payload));
    return Status::Ok();
  }
};

// The exclusive right to run controllers: at most one holder per database.
// Destroying the lease releases it.
class LeaderLease {
 public:
  virtual ~LeaderLease() = default;
  // False once the lease is lost (e.g. the database connection that holds a
  // PostgreSQL advisory lock dropped); the holder must stop at once.
  virtual bool StillHeld() = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string Name() const = 0;  // "sqlite" | "postgres"
  // Applies pending versioned migrations; safe to call from several replicas.
  virtual Status Migrate() = 0;
  virtual Status Ping() = 0;
  // Read-only fast paths, outside any write transaction.
  virtual Result<std::optional<Row>> Get(const std::string& kind, const std::string& name) = 0;
  virtual Result<std::vector<Row>> List(const std::string& kind, const RowFilter& filter) = 0;
  // The rows of `kinds` written or deleted after revision `after`, at most
  // `limit` of them, in revision order (one statement: one snapshot).
  virtual Result<ChangeBatch> ChangesSince(const std::vector<std::string>& kinds, int64_t after,
                                           size_t limit) = 0;
  // The newest committed revision. Revisions commit in order (SQLite has one
  // writer; PostgreSQL writers take a lock with their revision), so every
  // change up to it is visible.
  virtual Result<int64_t> CommittedRevision() = 0;
  // How many rows of `kind` there are per phase (a node's state, a project's
  // phase), counted from the (kind, phase) index without reading a body: the
  // gauges of every /metrics scrape. The default reads every row.
  virtual Result<std::map<std::string, int64_t>> CountByPhase(const std::string& kind) {
    auto rows = List(kind, {});
    if (!rows.ok()) return rows.status();
    std::map<std::string, int64_t> counts;
    for (const Row& row : *rows) ++counts[row.phase];
    return counts;
  }
  // How many rows of `kind` have a name starting with each of `prefixes`
  // (one count per prefix, in order), from the (kind, name) key without
  // reading a body: event retention checks a batch of objects in one query.
  // The default lists each prefix.
  virtual Result<std::vector<int64_t>> CountByNamePrefix(const std::string& kind,
                                                         const std::vector<std::string>& prefixes) {
    std::vector<int64_t> counts;
    for (const std::string& prefix : prefixes) {
      RowFilter filter;
      filter.name_prefix = prefix;
      auto rows = List(kind, filter);
      if (!rows.ok()) return rows.status();
      counts.push_back(static_cast<int64_t>(rows->size()));
    }
    return counts;
  }
  // Runs fn inside one write transaction; commits iff fn returns OK. A
  // transient failure (lock timeout, serialization failure, lost connection)
  // is retried a bounded number of times, so fn must be idempotent.
  virtual Status Write(const std::function<Status(Txn&)>& fn) = 0;

  // Null (and OK) when another process holds the lease. The default suits a
  // store no other process can open.
  virtual Result<std::unique_ptr<LeaderLease>> TryAcquireLeadership();

  // Delivers payloads sent with Txn::Notify by any process (including this
  // one) on a background thread until StopListening(). Default: none arrive.
  virtual Status StartListening(std::function<void(const std::string& payload)> on_payload) {
    (void)on_payload;
    return Status::Ok();
  }
  virtual void StopListening() {}
};

// The embedded SQLite backend (the default store). One writer connection,
// serialized by a mutex in this process and by BEGIN IMMEDIATE across
// processes, plus a pool of reader connections: in WAL mode readers never wait
// for the writer or for each other. synchronous=FULL, so a write is durable
// once Write() has returned OK.
struct SqliteOptions {
  // Reader connections, opened lazily; a reader beyond this waits for one.
  size_t max_readers = 8;
  // How long a statement waits for a lock held by another process.
  std::chrono::milliseconds busy_timeout{5000};
  // Attempts of a write transaction whose BEGIN or statements hit a lock.
  int max_write_attempts = 3;
  // The database's directory holds nothing but the store (cara-server's
  // --data-dir): an existing one is made 0700 too. A directory the backend
  // creates is always 0700; the database files are always 0600.
  bool private_directory = false;
};

// `path` is the database file; created with its directory if missing.
Result<std::unique_ptr<Backend>> OpenSqliteBackend(const std::string& path);
Result<std::unique_ptr<Backend>> OpenSqliteBackend(const std::string& path,
                                                   const SqliteOptions& options);

// The PostgreSQL backend, for production and for several cara-server
// replicas sharing one database. Change events (LISTEN/NOTIFY) and the leader
// lease (a session advisory lock) each use one more connection outside the
// pool.
struct PostgresOptions {
  // Connections, opened lazily; broken ones are replaced.
  size_t max_connections = 12;
  // How long a caller waits for a free connection before Unavailable.
  std::chrono::milliseconds acquire_timeout{30000};
  // Attempts of a write transaction that hit a serialization failure, a
  // deadlock or a lost connection.
  int max_write_attempts = 5;
  // libpq connect_timeout, added to the URL unless it sets one.
  int connect_timeout_seconds = 5;
};

// `url` is a libpq URL: postgresql://user:pass@host:port/db?sslmode=disable.
// Connects once to fail fast on a bad URL or an unreachable server.
Result<std::unique_ptr<Backend>> OpenPostgresBackend(const std::string& url);
Result<std::unique_ptr<Backend>> OpenPostgresBackend(const std::string& url,
                                                     const PostgresOptions& options);

}  // namespace cara::store
