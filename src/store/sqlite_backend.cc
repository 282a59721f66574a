// The embedded SQLite backend (store/backend.h): one writer connection,
// serialized by a mutex in this process and by BEGIN IMMEDIATE across
// processes, plus a pool of reader connections (sqlite_connection); the
// write transaction is sqlite_txn, the leader lease sqlite_leader_lease.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "store/backend.h"
#include "store/schema_migrations.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_files.h"
#include "store/sqlite_leader_lease.h"
#include "store/sqlite_txn.h"

namespace cara::store {
namespace {

Result<bool> MigrationApplied(SqliteConn& conn, int version) {
  auto stmt = conn.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, int64_t{version});
  int rc = stmt->Step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return SqliteStatus(conn.db(), rc, "read schema_migrations");
  }
  return rc == SQLITE_ROW;
}

class SqliteBackend final : public Backend {
 public:
  SqliteBackend(std::string path, const SqliteOptions& options)
      : path_(std::move(path)), options_(options) {}

  // Opens the writer and switches the file to WAL (a persistent setting).
  Status Init();

  std::string Name() const override { return "sqlite"; }
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
  // SQLite has no cross-process notifications, so StartListening keeps the
  // default: nothing arrives, other processes' writes are not announced here.
  Result<std::unique_ptr<LeaderLease>> TryAcquireLeadership() override;

 private:
  // A reader connection borrowed from the pool for one read.
  class Reader {
   public:
    Reader(SqliteBackend* backend, std::unique_ptr<SqliteConn> conn)
        : backend_(backend), conn_(std::move(conn)) {}
    Reader(Reader&& other) noexcept = default;
    Reader& operator=(Reader&&) = delete;
    ~Reader() {
      if (conn_) backend_->ReturnReader(std::move(conn_));
    }
    SqliteConn& operator*() { return *conn_; }
    SqliteConn* operator->() { return conn_.get(); }

   private:
    SqliteBackend* backend_;
    std::unique_ptr<SqliteConn> conn_;
  };

  Result<Reader> BorrowReader();
  void ReturnReader(std::unique_ptr<SqliteConn> conn);

  // One attempt; *transient says whether trying again may succeed.
  Status WriteOnce(const std::function<Status(Txn&)>& fn, bool* transient);
  // Runs fn in BEGIN IMMEDIATE ... COMMIT on the writer (write_mu_ held).
  Status InWriteTxn(const std::function<Status(SqliteConn&)>& fn, bool* transient);
  void Rollback();
  Status ApplyMigration(const Migration& m);

  const std::string path_;
  const SqliteOptions options_;

  std::mutex write_mu_;
  std::unique_ptr<SqliteConn> writer_;  // guarded by write_mu_; reopened if left broken

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<SqliteConn>> idle_readers_;  // guarded by pool_mu_
  size_t open_readers_ = 0;                                // guarded by pool_mu_
};

Status SqliteBackend::Init() {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto conn = SqliteConn::Open(path_, options_, /*reader=*/false);
  if (!conn.ok()) return conn.status();
  writer_ = std::move(*conn);
  // Switching to WAL needs an exclusive lock, and SQLite reports BUSY at once
  // (no busy handler) while another opener of a new file is switching it.
  const auto deadline = std::chrono::steady_clock::now() + options_.busy_timeout;
  for (;;) {
    auto stmt = writer_->Prepare("PRAGMA journal_mode=WAL");
    if (!stmt.ok()) return stmt.status();
    int rc = stmt->Step();
    if (rc == SQLITE_ROW && stmt->Text(0) == "wal") return Status::Ok();
    if (rc == SQLITE_ROW) {
      return Status::Unavailable("sqlite: " + path_ + ": cannot enable WAL (journal mode is " +
                                 stmt->Text(0) + ")");
    }
    if (!IsSqliteTransient(rc) || std::chrono::steady_clock::now() > deadline) {
      return SqliteStatus(writer_->db(), rc, "enable WAL");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Result<SqliteBackend::Reader> SqliteBackend::BorrowReader() {
  std::unique_lock<std::mutex> lock(pool_mu_);
  pool_cv_.wait(lock,
                [&] { return !idle_readers_.empty() || open_readers_ < options_.max_readers; });
  if (!idle_readers_.empty()) {
    std::unique_ptr<SqliteConn> conn = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    return Reader(this, std::move(conn));
  }
  ++open_readers_;
  lock.unlock();  // opening touches the file system: not under the pool lock
  auto conn = SqliteConn::Open(path_, options_, /*reader=*/true);
  if (!conn.ok()) {
    lock.lock();
    --open_readers_;
    pool_cv_.notify_one();
    return conn.status();
  }
  return Reader(this, std::move(*conn));
}

void SqliteBackend::ReturnReader(std::unique_ptr<SqliteConn> conn) {
  std::lock_guard<std::mutex> lock(pool_mu_);
  idle_readers_.push_back(std::move(conn));
  pool_cv_.notify_one();
}

Result<std::optional<Row>> SqliteBackend::Get(const std::string& kind, const std::string& name) {
  auto reader = BorrowReader();
  if (!reader.ok()) return reader.status();
  return SqliteGetRow(**reader, kind, name);
}

Result<std::vector<Row>> SqliteBackend::List(const std::string& kind, const RowFilter& filter) {
  auto reader = BorrowReader();
  if (!reader.ok()) return reader.status();
  return SqliteListRows(**reader, kind, filter);
}

Result<ChangeBatch> SqliteBackend::ChangesSince(const std::vector<std::string>& kinds,
                                                int64_t after, size_t limit) {
  auto reader = BorrowReader();
  if (!reader.ok()) return reader.status();
  return SqliteChangesSince(**reader, kinds, after, limit);
}

Result<std::map<std::string, int64_t>> SqliteBackend::CountByPhase(const std::string& kind) {
  auto reader = BorrowReader();
  if (!reader.ok()) return reader.status();
  return SqliteCountByPhase(**reader, kind);
}

Result<std::vector<int64_t>> SqliteBackend::CountByNamePrefix(
    const std::string& kind, const std::vector<std::string>& prefixes) {
  auto reader = BorrowReader();
  if (!reader.ok()) return reader.status();
  return SqliteCountByNamePrefix(**reader, kind, prefixes);
}

Result<int64_t> SqliteBackend::CommittedRevision() {
  auto reader = BorrowReader();
  if (!reader.ok()) return reader.status();
  return SqliteCommittedRevision(**reader);
}

Status SqliteBackend::Ping() {
  auto reader = BorrowReader();
  if (!reader.ok()) return reader.status();
  auto stmt = (*reader)->Prepare("SELECT count(*) FROM sqlite_schema");
  if (!stmt.ok()) return stmt.status();
  int rc = stmt->Step();
  return rc == SQLITE_ROW ? Status::Ok() : SqliteStatus((*reader)->db(), rc, "ping");
}

void SqliteBackend::Rollback() {
  int rc;
  (void)writer_->Run("ROLLBACK", &rc);
  // Still inside a transaction means the handle is in an unknown state: drop
  // it and open a fresh one on the next write.
  if (!sqlite3_get_autocommit(writer_->db())) writer_.reset();
}

Status SqliteBackend::InWriteTxn(const std::function<Status(SqliteConn&)>& fn, bool* transient) {
  *transient = false;
  if (!writer_) {
    auto conn = SqliteConn::Open(path_, options_, /*reader=*/false);
    if (!conn.ok()) return conn.status();
    writer_ = std::move(*conn);
  }
  // IMMEDIATE takes the write lock up front, so a transaction never fails
  // half-way with SQLITE_BUSY_SNAPSHOT after reading stale rows.
  int rc;
  Status st = writer_->Run("BEGIN IMMEDIATE", &rc);
  if (!st.ok()) {
    *transient = IsSqliteTransient(rc);
    return st;
  }
  st = fn(*writer_);
  if (!st.ok()) {
    Rollback();
    return st;
  }
  // A failed COMMIT is not retried: its outcome may be in doubt.
  st = writer_->Run("COMMIT", &rc);
  if (!st.ok()) Rollback();
  return st;
}

Status SqliteBackend::WriteOnce(const std::function<Status(Txn&)>& fn, bool* transient) {
  bool txn_transient = false;
  Status st = InWriteTxn(
      [&](SqliteConn& conn) -> Status {
        SqliteTxn txn(conn);
        Status result;
        try {
          result = fn(txn);
        } catch (const std::exception& e) {
          result = Status::Internal(std::string("write transaction threw: ") + e.what());
        }
        if (!txn.failure().ok()) {
          txn_transient = txn.transient();
          return txn.failure();
        }
        return result;
      },
      transient);
  *transient = *transient || txn_transient;
  return st;
}

Status SqliteBackend::Write(const std::function<Status(Txn&)>& fn) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Status st;
  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20 << attempt));
    bool transient = false;
    st = WriteOnce(fn, &transient);
    if (st.ok() || !transient) return st;
  }
  return st;
}

Result<std::unique_ptr<LeaderLease>> SqliteBackend::TryAcquireLeadership() {
  return TryLockLeaderFile(path_ + ".leader");
}

Status SqliteBackend::ApplyMigration(const Migration& m) {
  bool transient;
  Status st = InWriteTxn(
      [&](SqliteConn& conn) -> Status {
        auto applied = MigrationApplied(conn, m.version);
        if (!applied.ok()) return applied.status();
        if (*applied) return Status::Ok();
        CARA_RETURN_IF_ERROR(conn.Exec(m.sql, "apply"));
        auto record = conn.Prepare(
            "INSERT INTO schema_migrations (version, name, applied_at) "
            "VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
        if (!record.ok()) return record.status();
        record->Bind(1, int64_t{m.version});
        record->Bind(2, std::string(m.name));
        int rc = record->Step();
        return rc == SQLITE_DONE ? Status::Ok()
                                 : SqliteStatus(conn.db(), rc, "record schema_migrations");
      },
      &transient);
  return st.Wrap(MigrationLabel(m));
}

// Each migration runs in its own BEGIN IMMEDIATE transaction, which also
// makes concurrent openers of the same file (other processes) safe.
Status SqliteBackend::Migrate() {
  std::lock_guard<std::mutex> lock(write_mu_);
  bool transient;
  CARA_RETURN_IF_ERROR(InWriteTxn(
      [](SqliteConn& conn) {
        return conn.Exec(kCreateMigrationsTable, "create schema_migrations");
      },
      &transient));
  for (const Migration& m : SqliteMigrations()) CARA_RETURN_IF_ERROR(ApplyMigration(m));
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Backend>> OpenSqliteBackend(const std::string& path,
                                                   const SqliteOptions& options) {
  CARA_RETURN_IF_ERROR(PrepareSqliteFiles(path, options.private_directory));
  auto backend = std::make_unique<SqliteBackend>(path, options);
  CARA_RETURN_IF_ERROR(backend->Init());
  return std::unique_ptr<Backend>(std::move(backend));
}

Result<std::unique_ptr<Backend>> OpenSqliteBackend(const std::string& path) {
  return OpenSqliteBackend(path, SqliteOptions{});
}

}  // namespace cara::store
