#include "store/sqlite_backend.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/sqlite_files.h"

namespace cara::store {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Append-only: a released migration is never edited; change the schema by
// adding the next version.
const Migration kMigrations[] = {
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
};

const char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

const char kColumns[] = "kind, name, phase, node_ref, body, revision, create_revision";

// Errors that mean "the database cannot be used right now" rather than a bug.
bool IsUnavailable(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
    case SQLITE_NOMEM:
      return true;
    default:
      return false;
  }
}

// Only lock contention is worth retrying: the other writer will finish.
bool IsTransient(int rc) { return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED; }

Status SqliteStatus(sqlite3* db, int rc, const std::string& what) {
  std::string msg = "sqlite: " + what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  return IsUnavailable(rc) ? Status::Unavailable(msg) : Status::Internal(msg);
}

// A cached statement in use. Resetting it on scope exit ends its implicit
// read transaction, so an idle reader never pins an old WAL snapshot.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (stmt_ == nullptr) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  void Bind(int index, const std::string& value) {
    Check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                            SQLITE_TRANSIENT));
  }
  void Bind(int index, int64_t value) { Check(sqlite3_bind_int64(stmt_, index, value)); }

  // SQLITE_ROW, SQLITE_DONE or an error code (a failed bind reports here).
  int Step() { return bind_rc_ != SQLITE_OK ? bind_rc_ : sqlite3_step(stmt_); }

  std::string Text(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, sqlite3_column_bytes(stmt_, col)) : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  void Check(int rc) {
    if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

// One sqlite3 handle with its prepared statements. Used by one thread at a
// time (the pool or the writer mutex guarantees it), hence SQLITE_OPEN_NOMUTEX.
class Conn {
 public:
  static Result<std::unique_ptr<Conn>> Open(const std::string& path, const SqliteOptions& options,
                                            bool reader);
  ~Conn() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  sqlite3* db() const { return db_; }

  // Prepares once per connection; later calls reuse the statement.
  Result<Stmt> Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return Stmt(it->second);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteStatus(db_, rc, "prepare");
    cache_.emplace(sql, stmt);
    return Stmt(stmt);
  }

  // Runs a statement that returns no rows; *rc gets SQLite's code.
  Status Run(const std::string& sql, int* rc) {
    auto stmt = Prepare(sql);
    if (!stmt.ok()) {
      *rc = SQLITE_ERROR;
      return stmt.status();
    }
    *rc = stmt->Step();
    if (*rc == SQLITE_DONE || *rc == SQLITE_ROW) {
      *rc = SQLITE_OK;
      return Status::Ok();
    }
    return SqliteStatus(db_, *rc, sql);
  }

  // Uncached, possibly several statements (migrations, pragmas).
  Status Exec(const char* sql, const std::string& what) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? Status::Ok() : SqliteStatus(db_, rc, what);
  }

 private:
  explicit Conn(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

Result<std::unique_ptr<Conn>> Conn::Open(const std::string& path, const SqliteOptions& options,
                                         bool reader) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st = Status::Unavailable("sqlite: open " + path + ": " +
                                    (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return st;
  }
  std::unique_ptr<Conn> conn(new Conn(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  // FULL: a commit is on disk before it is acknowledged (NORMAL may lose the
  // last transactions on power loss in WAL mode).
  CARA_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous=FULL", "set synchronous"));
  if (reader) CARA_RETURN_IF_ERROR(conn->Exec("PRAGMA query_only=1", "set query_only"));
  return conn;
}

Row ReadRow(const Stmt& stmt) {
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

Result<std::optional<Row>> GetRow(Conn& conn, const std::string& kind, const std::string& name) {
  auto stmt = conn.Prepare(std::string("SELECT ") + kColumns +
                           " FROM resources WHERE kind = ?1 AND name = ?2");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, kind);
  stmt->Bind(2, name);
  int rc = stmt->Step();
  if (rc == SQLITE_DONE) return std::optional<Row>();
  if (rc != SQLITE_ROW) return SqliteStatus(conn.db(), rc, "get " + kind);
  return std::optional<Row>(ReadRow(*stmt));
}

// Parameters: ?1 kind, ?2 node_ref, ?3 ?4 the key to start after, ?5 limit,
// ?6... phases.
constexpr int kFirstPhaseParam = 6;

// One SQL text per filter shape (and number of phases), each cached. A page
// is a range scan of the (kind, create_revision, name) index.
std::string ListSql(const RowFilter& filter) {
  std::string sql = std::string("SELECT ") + kColumns + " FROM resources WHERE kind = ?1";
  if (!filter.phases.empty()) {
    sql += " AND phase IN (";
    for (size_t i = 0; i < filter.phases.size(); ++i) {
      sql += (i ? ", ?" : "?") + std::to_string(i + kFirstPhaseParam);
    }
    sql += ")";
  }
  if (!filter.node_ref.empty()) sql += " AND node_ref = ?2";
  if (filter.after) sql += " AND (create_revision, name) > (?3, ?4)";
  sql += " ORDER BY create_revision, name";
  if (filter.limit > 0) sql += " LIMIT ?5";
  return sql;
}

Result<std::vector<Row>> ListRows(Conn& conn, const std::string& kind, const RowFilter& filter) {
  auto stmt = conn.Prepare(ListSql(filter));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, kind);
  if (!filter.node_ref.empty()) stmt->Bind(2, filter.node_ref);
  if (filter.after) {
    stmt->Bind(3, filter.after->create_revision);
    stmt->Bind(4, filter.after->name);
  }
  if (filter.limit > 0) stmt->Bind(5, static_cast<int64_t>(filter.limit));
  for (size_t i = 0; i < filter.phases.size(); ++i) {
    stmt->Bind(static_cast<int>(i + kFirstPhaseParam), filter.phases[i]);
  }
  std::vector<Row> rows;
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) rows.push_back(ReadRow(*stmt));
  if (rc != SQLITE_DONE) return SqliteStatus(conn.db(), rc, "list " + kind);
  return rows;
}

Result<bool> MigrationApplied(Conn& conn, int version) {
  auto stmt = conn.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, int64_t{version});
  int rc = stmt->Step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return SqliteStatus(conn.db(), rc, "read schema_migrations");
  }
  return rc == SQLITE_ROW;
}

// The write transaction handed to the store. Remembers the first error a
// statement raised, so Write can tell lock contention (retry) from an error
// the store decided to return.
class SqliteTxn final : public Txn {
 public:
  explicit SqliteTxn(Conn& conn) : conn_(conn) {}

  Result<std::optional<Row>> Get(const std::string& kind, const std::string& name) override {
    return Note(GetRow(conn_, kind, name));
  }

  Result<std::vector<Row>> List(const std::string& kind, const RowFilter& filter) override {
    return Note(ListRows(conn_, kind, filter));
  }

  Result<int64_t> NextRevision() override {
    auto stmt =
        conn_.Prepare("UPDATE meta SET revision = revision + 1 WHERE id = 1 RETURNING revision");
    if (!stmt.ok()) return Note(stmt.status());
    int rc = stmt->Step();
    if (rc != SQLITE_ROW) return Fail(rc, "next revision");
    return stmt->Int(0);
  }

  Status Insert(const Row& row) override {
    auto stmt = conn_.Prepare(std::string("INSERT INTO resources (") + kColumns +
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
  Status Update(const Row& row) override {
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

  Status Delete(const std::string& kind, const std::string& name) override {
    auto stmt = conn_.Prepare("DELETE FROM resources WHERE kind = ?1 AND name = ?2");
    if (!stmt.ok()) return Note(stmt.status());
    stmt->Bind(1, kind);
    stmt->Bind(2, name);
    int rc = stmt->Step();
    if (rc != SQLITE_DONE) return Fail(rc, "delete " + kind);
    if (sqlite3_changes(conn_.db()) == 0) return Status::NotFound("resource not found");
    return Status::Ok();
  }

  // Writes are serialized (BEGIN IMMEDIATE), so no claim can race this one.
  Result<std::optional<HostHeld>> ClaimIngressHosts(
      const std::string& project, const std::vector<std::string>& hosts) override {
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

  const Status& failure() const { return failure_; }
  bool transient() const { return transient_; }

 private:
  static void BindRow(Stmt& stmt, const Row& row) {
    stmt.Bind(1, row.kind);
    stmt.Bind(2, row.name);
    stmt.Bind(3, row.phase);
    stmt.Bind(4, row.node_ref);
    stmt.Bind(5, row.body);
    stmt.Bind(6, row.revision);
  }

  Status Fail(int rc, const std::string& what) {
    Status st = SqliteStatus(conn_.db(), rc, what);
    if (failure_.ok()) {
      failure_ = st;
      transient_ = IsTransient(rc);
    }
    return st;
  }

  Status Note(Status st) {
    if (!st.ok() && failure_.ok()) failure_ = st;
    return st;
  }
  template <typename T>
  Result<T> Note(Result<T> result) {
    if (!result.ok() && failure_.ok()) failure_ = result.status();
    return result;
  }

  Conn& conn_;
  Status failure_;
  bool transient_ = false;
};

// The leader lease: an flock(2) on <database>.leader, held while the file
// descriptor is open. flock locks belong to the open file description, so two
// opens exclude each other even inside one process, and the kernel drops the
// lock when a crashed holder's descriptors close. The file is never removed:
// unlinking it while locked would let the next process lock a new inode.
class FileLease final : public LeaderLease {
 public:
  FileLease(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileLease() override { ::close(fd_); }
  FileLease(const FileLease&) = delete;
  FileLease& operator=(const FileLease&) = delete;

  // Held until we close the descriptor, unless someone removed or replaced
  // the lock file: then a newcomer can lock the new file, and this holder
  // must step down rather than lead alongside it.
  bool StillHeld() override {
    struct stat ours;
    struct stat named;
    if (::fstat(fd_, &ours) != 0) return false;
    if (::stat(path_.c_str(), &named) != 0) return errno != ENOENT;  // e.g. EACCES: keep it
    return ours.st_dev == named.st_dev && ours.st_ino == named.st_ino;
  }

 private:
  const int fd_;
  const std::string path_;
};

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
  Status Write(const std::function<Status(Txn&)>& fn) override;
  // SQLite has no cross-process notifications, so StartListening keeps the
  // default: nothing arrives, other processes' writes are not announced here.
  Result<std::unique_ptr<LeaderLease>> TryAcquireLeadership() override;

 private:
  // A reader connection borrowed from the pool for one read.
  class Reader {
   public:
    Reader(SqliteBackend* backend, std::unique_ptr<Conn> conn)
        : backend_(backend), conn_(std::move(conn)) {}
    Reader(Reader&& other) noexcept = default;
    Reader& operator=(Reader&&) = delete;
    ~Reader() {
      if (conn_) backend_->ReturnReader(std::move(conn_));
    }
    Conn& operator*() { return *conn_; }
    Conn* operator->() { return conn_.get(); }

   private:
    SqliteBackend* backend_;
    std::unique_ptr<Conn> conn_;
  };

  Result<Reader> BorrowReader();
  void ReturnReader(std::unique_ptr<Conn> conn);

  // One attempt; *transient says whether trying again may succeed.
  Status WriteOnce(const std::function<Status(Txn&)>& fn, bool* transient);
  // Runs fn in BEGIN IMMEDIATE ... COMMIT on the writer (write_mu_ held).
  Status InWriteTxn(const std::function<Status(Conn&)>& fn, bool* transient);
  void Rollback();
  Status ApplyMigration(const Migration& m);

  const std::string path_;
  const SqliteOptions options_;

  std::mutex write_mu_;
  std::unique_ptr<Conn> writer_;  // guarded by write_mu_; reopened if left broken

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Conn>> idle_readers_;  // guarded by pool_mu_
  size_t open_readers_ = 0;                          // guarded by pool_mu_
};

Status SqliteBackend::Init() {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto conn = Conn::Open(path_, options_, /*reader=*/false);
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
    if (!IsTransient(rc) || std::chrono::steady_clock::now() > deadline) {
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
    std::unique_ptr<Conn> conn = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    return Reader(this, std::move(conn));
  }
  ++open_readers_;
  lock.unlock();  // opening touches the file system: not under the pool lock
  auto conn = Conn::Open(path_, options_, /*reader=*/true);
  if (!conn.ok()) {
    lock.lock();
    --open_readers_;
    pool_cv_.notify_one();
    return conn.status();
  }
  return Reader(this, std::move(*conn));
}

void SqliteBackend::ReturnReader(std::unique_ptr<Conn> conn) {
  std::lock_guard<std::mutex> lock(pool_mu_);
  idle_readers_.push_back(std::move(conn));
  pool_cv_.notify_one();
}

Result<std::optional<Row>> SqliteBackend::Get(const std::string& kind, const std::string& name) {
  auto reader = BorrowReader();
  if (!reader.ok()) return reader.status();
  return GetRow(**reader, kind, name);
}

Result<std::vector<Row>> SqliteBackend::List(const std::string& kind, const RowFilter& filter) {
  auto reader = BorrowReader();
  if (!reader.ok()) return reader.status();
  return ListRows(**reader, kind, filter);
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

Status SqliteBackend::InWriteTxn(const std::function<Status(Conn&)>& fn, bool* transient) {
  *transient = false;
  if (!writer_) {
    auto conn = Conn::Open(path_, options_, /*reader=*/false);
    if (!conn.ok()) return conn.status();
    writer_ = std::move(*conn);
  }
  // IMMEDIATE takes the write lock up front, so a transaction never fails
  // half-way with SQLITE_BUSY_SNAPSHOT after reading stale rows.
  int rc;
  Status st = writer_->Run("BEGIN IMMEDIATE", &rc);
  if (!st.ok()) {
    *transient = IsTransient(rc);
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
      [&](Conn& conn) -> Status {
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
  const std::string lock_path = path_ + ".leader";
  int fd;
  while ((fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 &&
         errno == EINTR) {
  }
  if (fd < 0) {
    return Status::Unavailable("sqlite: open " + lock_path + ": " + std::strerror(errno));
  }
  int rc;
  while ((rc = ::flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
  }
  if (rc != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return std::unique_ptr<LeaderLease>();  // another holder
    return Status::Unavailable("sqlite: lock " + lock_path + ": " + std::strerror(err));
  }
  return std::unique_ptr<LeaderLease>(std::make_unique<FileLease>(fd, lock_path));
}

Status SqliteBackend::ApplyMigration(const Migration& m) {
  bool transient;
  Status st = InWriteTxn(
      [&](Conn& conn) -> Status {
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
  return st.Wrap("migration " + std::to_string(m.version) + " (" + m.name + ")");
}

// Each migration runs in its own BEGIN IMMEDIATE transaction, which also
// makes concurrent openers of the same file (other processes) safe.
Status SqliteBackend::Migrate() {
  std::lock_guard<std::mutex> lock(write_mu_);
  bool transient;
  CARA_RETURN_IF_ERROR(InWriteTxn(
      [](Conn& conn) { return conn.Exec(kCreateMigrationsTable, "create schema_migrations"); },
      &transient));
  for (const Migration& m : kMigrations) CARA_RETURN_IF_ERROR(ApplyMigration(m));
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
