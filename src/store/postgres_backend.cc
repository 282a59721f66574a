// The PostgreSQL backend (libpqxx 6.x), for production and for several
// cara-server replicas sharing one database: pooled connections
// (postgres_pool), READ COMMITTED write transactions (postgres_txn), change
// events over LISTEN/NOTIFY (postgres_listener) and the leader lease
// (postgres_leader_lease), each of the last two on a session of its own.
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include <pqxx/pqxx>

#include "store/backend.h"
#include "store/postgres_leader_lease.h"
#include "store/postgres_listener.h"
#include "store/postgres_pool.h"
#include "store/postgres_rows.h"
#include "store/postgres_txn.h"
#include "store/schema_migrations.h"

namespace cara::store {
namespace {

// pg_advisory_xact_lock key serializing migrations across replicas. It is
// 0x63616C6954AC0001, not the 0x6361726100000001 ("cara", 1) it was meant to
// be; it stays as released, since replicas of different versions must agree
// on it. Leader election must use a different key.
const char kLockMigrations[] = "SELECT pg_advisory_xact_lock(7161124082143723521)";

void Backoff(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  int base = 10 << attempt;  // 20, 40, 80, 160 ms
  std::this_thread::sleep_for(std::chrono::milliseconds(base + rng() % base));
}

class PostgresBackend final : public Backend {
 public:
  PostgresBackend(const std::string& url, const PostgresOptions& options)
      : pool_(url, options), options_(options), url_(url), redacted_(RedactDatabaseUrl(url)) {}
  ~PostgresBackend() override { StopListening(); }

  // Opens the first connection so a bad URL fails at start-up.
  Status Connect() { return pool_.Acquire().status(); }

  std::string Name() const override { return "postgres"; }
  Status Migrate() override;
  Status Ping() override;
  Result<std::optional<Row>> Get(const std::string& kind, const std::string& name) override;
  Result<std::vector<Row>> List(const std::string& kind, const RowFilter& filter) override;
  Result<ChangeBatch> ChangesSince(const std::vector<std::string>& kinds, int64_t after,
                                   size_t limit) override;
  Result<int64_t> CommittedRevision() override;
  Result<std::map<std::string, int64_t>> CountByPhase(const std::string& kind) override;
  Result<std::vector<int64_t>> CountByNamePrefix(const std::string& kind,
                                                 const std::vector<std::string>& prefixes) override;
  Status Write(const std::function<Status(Txn&)>& fn) override;
  Result<std::unique_ptr<LeaderLease>> TryAcquireLeadership() override;
  Status StartListening(std::function<void(const std::string& payload)> on_payload) override;
  void StopListening() override;

 private:
  // Runs fn(tx) outside any explicit transaction (one autocommit statement),
  // trying a second connection if the first turns out to be dead.
  template <typename T, typename F>
  Result<T> Read(const std::string& what, const F& fn);
  Status WriteOnce(const std::function<Status(Txn&)>& fn, bool* retry);
  // One transaction holding the migration lock.
  Status InMigrationTxn(const std::string& what, const std::function<void(pqxx::work&)>& fn);

  PgPool pool_;
  const PostgresOptions options_;
  const std::string url_;
  const std::string redacted_;

  std::mutex listen_mu_;
  std::unique_ptr<PgNotifyListener> listener_;  // guarded by listen_mu_

  std::mutex candidate_mu_;
  // A session that lost the last election, kept for the next attempt so a
  // standby replica polling for the lease does not open a connection (a
  // server process) every time. Guarded by candidate_mu_.
  PgConn candidate_;
};

Result<std::unique_ptr<LeaderLease>> PostgresBackend::TryAcquireLeadership() {
  std::lock_guard<std::mutex> lock(candidate_mu_);
  for (;;) {
    bool fresh = !candidate_;
    if (fresh) {
      auto conn = ConnectDedicated(url_, options_, "cara-leader", redacted_, pool_.scrub());
      if (!conn.ok()) return conn.status();
      candidate_ = std::move(*conn);
    }
    auto held = TryPgLeaderLock(candidate_.get(), pool_.scrub());
    if (held.ok() && !*held) return std::unique_ptr<LeaderLease>();  // another session leads
    if (held.ok()) return MakePgLeaderLease(std::move(candidate_), pool_.scrub());
    candidate_.reset();
    // A kept session may have died while idle (server restart, idle
    // timeout): one more try on a fresh one. A fresh one failing is real.
    if (fresh) return held.status();
  }
}

Status PostgresBackend::StartListening(std::function<void(const std::string& payload)> on_payload) {
  std::lock_guard<std::mutex> lock(listen_mu_);
  if (listener_) return Status::Conflict("postgres: already listening for changes");
  auto listener = std::make_unique<PgNotifyListener>(url_, options_, redacted_, pool_.scrub(),
                                                     std::move(on_payload));
  CARA_RETURN_IF_ERROR(listener->Start());
  listener_ = std::move(listener);
  return Status::Ok();
}

// Must not be called from the payload callback (it would join its own thread).
void PostgresBackend::StopListening() {
  std::unique_ptr<PgNotifyListener> listener;
  {
    std::lock_guard<std::mutex> lock(listen_mu_);
    listener = std::move(listener_);
  }
  if (listener) listener->Stop();
}

template <typename T, typename F>
Result<T> PostgresBackend::Read(const std::string& what, const F& fn) {
  Status st;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto lease = pool_.Acquire();
    if (!lease.ok()) return lease.status();
    try {
      pqxx::nontransaction tx(**lease);
      return fn(tx);
    } catch (...) {
      PgError err = ClassifyCurrentPgError(pool_.scrub(), what);
      if (err.broken) lease->MarkBroken();
      if (!err.retry) return err.status;
      st = err.status;
    }
  }
  return st;
}

Result<std::optional<Row>> PostgresBackend::Get(const std::string& kind, const std::string& name) {
  return Read<std::optional<Row>>("get " + kind, [&](pqxx::nontransaction& tx) {
    return PgFirstRow(tx.exec_prepared("get", kind, name));
  });
}

Result<std::vector<Row>> PostgresBackend::List(const std::string& kind, const RowFilter& filter) {
  return Read<std::vector<Row>>("list " + kind, [&](pqxx::nontransaction& tx) {
    return PgRowsFrom(PgListQuery(tx, kind, filter));
  });
}

Result<std::map<std::string, int64_t>> PostgresBackend::CountByPhase(const std::string& kind) {
  return Read<std::map<std::string, int64_t>>("count " + kind, [&](pqxx::nontransaction& tx) {
    std::map<std::string, int64_t> counts;
    for (const auto& r : tx.exec_prepared("count_by_phase", kind)) {
      counts[r[0].c_str()] = r[1].as<int64_t>();
    }
    return counts;
  });
}

Result<std::vector<int64_t>> PostgresBackend::CountByNamePrefix(
    const std::string& kind, const std::vector<std::string>& prefixes) {
  std::vector<std::string> ends;
  for (const std::string& prefix : prefixes) {
    auto end = PrefixRangeEnd(prefix);
    // UTF-8 has no 0xff byte, so this is a prefix PostgreSQL would refuse.
    if (!end) return Backend::CountByNamePrefix(kind, prefixes);
    ends.push_back(std::move(*end));
  }
  return Read<std::vector<int64_t>>("count " + kind, [&](pqxx::nontransaction& tx) {
    std::vector<int64_t> counts;
    counts.reserve(prefixes.size());
    for (const auto& r :
         tx.exec_prepared("count_by_name_prefix", kind, PgTextArray(prefixes), PgTextArray(ends))) {
      counts.push_back(r[0].as<int64_t>());
    }
    return counts;
  });
}

Result<ChangeBatch> PostgresBackend::ChangesSince(const std::vector<std::string>& kinds,
                                                  int64_t after, size_t limit) {
  return Read<ChangeBatch>("changes", [&](pqxx::nontransaction& tx) {
    ChangeBatch batch;
    const int64_t max_rows = limit > 0 ? static_cast<int64_t>(limit) : INT64_MAX;
    for (const auto& r : tx.exec_prepared("changes", after, PgTextArray(kinds), max_rows)) {
      batch.changes.push_back(Change{PgRowFrom(r), r[7].as<int>() == 1});
    }
    // Read after the changes: a compaction in between makes this answer
    // too cautious (the caller starts over), never wrong.
    batch.compacted = tx.exec_prepared1("compacted_revision")[0].as<int64_t>();
    return batch;
  });
}

Result<int64_t> PostgresBackend::CommittedRevision() {
  return Read<int64_t>("revision", [](pqxx::nontransaction& tx) {
    return tx.exec_prepared1("committed_revision")[0].as<int64_t>();
  });
}

Status PostgresBackend::Ping() {
  return Read<bool>("ping",
                    [](pqxx::nontransaction& tx) {
                      tx.exec("SELECT 1");
                      return true;
                    })
      .status();
}

Status PostgresBackend::WriteOnce(const std::function<Status(Txn&)>& fn, bool* retry) {
  *retry = false;
  auto lease = pool_.Acquire();
  if (!lease.ok()) {
    *retry = true;  // the server may be restarting
    return lease.status();
  }
  try {
    pqxx::work work(**lease);
    PgTxn txn(work, pool_.scrub());
    Status st = fn(txn);
    if (txn.failure()) {
      const PgError& err = *txn.failure();
      if (err.broken) lease->MarkBroken();
      *retry = err.retry;
      return err.status;
    }
    if (!st.ok()) return st;  // ~work rolls back
    work.commit();
    return Status::Ok();
  } catch (...) {
    PgError err = ClassifyCurrentPgError(pool_.scrub(), "write");
    if (err.broken) lease->MarkBroken();
    *retry = err.retry;
    return err.status;
  }
}

Status PostgresBackend::Write(const std::function<Status(Txn&)>& fn) {
  Status st;
  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    if (attempt > 0) Backoff(attempt);
    bool retry = false;
    st = WriteOnce(fn, &retry);
    if (!retry) return st;
  }
  return st;
}

Status PostgresBackend::InMigrationTxn(const std::string& what,
                                       const std::function<void(pqxx::work&)>& fn) {
  auto lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  try {
    pqxx::work work(**lease);
    // Held until commit: replicas starting together apply each migration once.
    work.exec(kLockMigrations);
    fn(work);
    work.commit();
    return Status::Ok();
  } catch (...) {
    PgError err = ClassifyCurrentPgError(pool_.scrub(), what, /*rows=*/false);
    if (err.broken) lease->MarkBroken();
    return err.status;
  }
}

Status PostgresBackend::Migrate() {
  CARA_RETURN_IF_ERROR(InMigrationTxn("create schema_migrations",
                                      [](pqxx::work& work) { work.exec(kCreateMigrationsTable); }));
  for (const Migration& m : PostgresMigrations()) {
    CARA_RETURN_IF_ERROR(InMigrationTxn(MigrationLabel(m), [&](pqxx::work& work) {
      if (!work.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", m.version)
               .empty()) {
        return;  // applied earlier, maybe by another replica
      }
      work.exec(m.sql);
      work.exec_params(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, "
          "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))",
          m.version, std::string(m.name));
    }));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Backend>> OpenPostgresBackend(const std::string& url,
                                                     const PostgresOptions& options) {
  auto backend = std::make_unique<PostgresBackend>(url, options);
  CARA_RETURN_IF_ERROR(backend->Connect());
  return std::unique_ptr<Backend>(std::move(backend));
}

Result<std::unique_ptr<Backend>> OpenPostgresBackend(const std::string& url) {
  return OpenPostgresBackend(url, PostgresOptions{});
}

}  // namespace cara::store
