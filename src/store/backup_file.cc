#include "store/backup_file.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "store/schema_migrations.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_files.h"

namespace cara::store {
namespace {

// How long a statement waits for the running server's locks.
constexpr int kBusyTimeoutMs = 10000;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

Result<Db> OpenDb(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return SqliteStatus(raw, rc, "open " + path);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  return db;
}

Status Exec(sqlite3* db, const char* sql, const std::string& what) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : SqliteStatus(db, rc, what);
}

Result<Stmt> Prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  Stmt stmt(raw);
  if (rc != SQLITE_OK) return SqliteStatus(db, rc, "prepare");
  return stmt;
}

std::string ColumnText(sqlite3_stmt* stmt, int col) {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, col));
  return p ? std::string(p, sqlite3_column_bytes(stmt, col)) : std::string();
}

// The single integer a query returns (0 when it returns no row).
Result<int64_t> QueryInt(sqlite3* db, const char* sql) {
  auto stmt = Prepare(db, sql);
  if (!stmt.ok()) return stmt.status();
  int rc = sqlite3_step(stmt->get());
  if (rc == SQLITE_ROW) return sqlite3_column_int64(stmt->get(), 0);
  if (rc == SQLITE_DONE) return int64_t{0};
  return SqliteStatus(db, rc, sql);
}

// Copies every page of `from` into `to` in one step, that is in one read
// transaction on `from`. In WAL mode that transaction blocks no writer (they
// append to the WAL meanwhile) and the copy is the database as of its start.
// Copying in several steps would let the server's commits in between restart
// the copy from the first page, which under steady writes may never finish.
Status CopyDatabase(sqlite3* from, sqlite3* to) {
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
  if (backup == nullptr) return SqliteStatus(to, sqlite3_errcode(to), "start the copy");
  int rc = sqlite3_backup_step(backup, -1);  // waits through the busy handler
  int finish_rc = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return SqliteStatus(nullptr, rc, "copy the database");
  if (finish_rc != SQLITE_OK) return SqliteStatus(to, finish_rc, "copy the database");
  return Status::Ok();
}

const char kCreateBackupTables[] =
    "CREATE TABLE cara_backup_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE cara_backup_files (path TEXT PRIMARY KEY, mode INTEGER NOT NULL,"
    " content BLOB NOT NULL);";

Status InsertInfo(sqlite3* db, const std::string& key, const std::string& value) {
  auto stmt = Prepare(db, "INSERT INTO cara_backup_info (key, value) VALUES (?1, ?2)");
  if (!stmt.ok()) return stmt.status();
  sqlite3_bind_text(stmt->get(), 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt->get(), 2, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  int rc = sqlite3_step(stmt->get());
  return rc == SQLITE_DONE ? Status::Ok() : SqliteStatus(db, rc, "write backup info");
}

Status InsertFile(sqlite3* db, const BackupFileEntry& file) {
  auto stmt =
      Prepare(db, "INSERT INTO cara_backup_files (path, mode, content) VALUES (?1, ?2, ?3)");
  if (!stmt.ok()) return stmt.status();
  sqlite3_bind_text(stmt->get(), 1, file.path.data(), static_cast<int>(file.path.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt->get(), 2, file.mode);
  sqlite3_bind_blob(stmt->get(), 3, file.content.data(), static_cast<int>(file.content.size()),
                    SQLITE_TRANSIENT);
  int rc = sqlite3_step(stmt->get());
  return rc == SQLITE_DONE ? Status::Ok() : SqliteStatus(db, rc, "write " + file.path);
}

// The snapshot (if any), then the metadata and the files, into the new
// database file `tmp`.
Status FillBackup(const std::string& db_path, BackupContents& contents, const std::string& tmp) {
  auto out = OpenDb(tmp, SQLITE_OPEN_READWRITE);
  if (!out.ok()) return out.status();
  sqlite3* db = out->get();
  if (!db_path.empty()) {
    auto source = OpenDb(db_path, SQLITE_OPEN_READWRITE);  // WAL readers need the -shm
    if (!source.ok()) return source.status();
    CARA_RETURN_IF_ERROR(Exec(source->get(), "PRAGMA query_only=ON", "open the store"));
    CARA_RETURN_IF_ERROR(CopyDatabase(source->get(), db));
    auto version = QueryInt(db, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (!version.ok()) return version.status().Wrap("not a cara-server store");
    auto revision = QueryInt(db, "SELECT revision FROM meta WHERE id = 1");
    if (!revision.ok()) return revision.status().Wrap("not a cara-server store");
    contents.schema_version = *version;
    contents.revision = *revision;
  }
  // One self-contained file: no -wal beside it.
  CARA_RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode=DELETE", "leave WAL mode"));
  CARA_RETURN_IF_ERROR(Exec(db, "BEGIN", "begin"));
  CARA_RETURN_IF_ERROR(Exec(db, kCreateBackupTables, "create the backup tables"));
  const std::pair<const char*, std::string> info[] = {
      {"format", std::to_string(kBackupFormat)},
      {"store", contents.store},
      {"schema_version", std::to_string(contents.schema_version)},
      {"revision", std::to_string(contents.revision)},
      {"created_at", contents.created_at},
      {"server_version", contents.server_version},
  };
  for (const auto& [key, value] : info) CARA_RETURN_IF_ERROR(InsertInfo(db, key, value));
  for (const BackupFileEntry& file : contents.files) CARA_RETURN_IF_ERROR(InsertFile(db, file));
  return Exec(db, "COMMIT", "commit");
}

Status SyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("open " + path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok()
                 : Status::Unavailable("fsync " + path + ": " + std::strerror(errno));
}

void RemoveDatabaseFiles(const std::string& path) {
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    std::error_code ec;
    std::filesystem::remove(path + suffix, ec);
  }
}

// A file path that stays inside the data dir.
bool IsSafeRelativePath(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  for (const auto& part : std::filesystem::path(path)) {
    if (part == ".." || part == ".") return false;
  }
  return true;
}

Status CheckIntegrity(sqlite3* db) {
  auto stmt = Prepare(db, "PRAGMA integrity_check");
  if (!stmt.ok()) return stmt.status();
  int rc = sqlite3_step(stmt->get());
  if (rc != SQLITE_ROW) return SqliteStatus(db, rc, "integrity_check");
  std::string first = ColumnText(stmt->get(), 0);
  if (first == "ok") return Status::Ok();
  return Status::Invalid("integrity_check failed: " + first);
}

Status ReadInfo(sqlite3* db, BackupContents& contents) {
  auto stmt = Prepare(db, "SELECT key, value FROM cara_backup_info");
  if (!stmt.ok()) return Status::Invalid("not a cara-server backup (no cara_backup_info table)");
  int64_t format = 0;
  int rc;
  while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
    const std::string key = ColumnText(stmt->get(), 0);
    const std::string value = ColumnText(stmt->get(), 1);
    if (key == "format") format = std::atoll(value.c_str());
    if (key == "store") contents.store = value;
    if (key == "revision") contents.revision = std::atoll(value.c_str());
    if (key == "created_at") contents.created_at = value;
    if (key == "server_version") contents.server_version = value;
  }
  if (rc != SQLITE_DONE) return SqliteStatus(db, rc, "read cara_backup_info");
  if (format < 1 || format > kBackupFormat) {
    return Status::Invalid("backup format " + std::to_string(format) + " is not one this " +
                           "cara-server reads (up to " + std::to_string(kBackupFormat) + ")");
  }
  if (contents.store != "sqlite" && contents.store != "postgresql") {
    return Status::Invalid("unknown store \"" + contents.store + "\" in cara_backup_info");
  }
  return Status::Ok();
}

// The schema version is read from the store's own table, not from the info
// row, so a store migrated by hand cannot slip past.
Status CheckSchemaVersion(sqlite3* db, BackupContents& contents) {
  if (contents.store != "sqlite") return Status::Ok();
  auto version = QueryInt(db, "SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!version.ok()) return Status::Invalid("the store in the backup has no schema_migrations");
  contents.schema_version = *version;
  if (*version > LatestSqliteSchemaVersion()) {
    return Status::Invalid("the store in the backup has schema version " +
                           std::to_string(*version) + ", newer than this cara-server knows (" +
                           std::to_string(LatestSqliteSchemaVersion()) +
                           "): restore it with the cara-server that wrote it (" +
                           contents.server_version + ") or a newer one");
  }
  return Status::Ok();
}

Status ReadFiles(sqlite3* db, BackupContents& contents) {
  auto stmt = Prepare(db, "SELECT path, mode, content FROM cara_backup_files ORDER BY path");
  if (!stmt.ok()) return Status::Invalid("not a cara-server backup (no cara_backup_files table)");
  int rc;
  while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
    BackupFileEntry file;
    file.path = ColumnText(stmt->get(), 0);
    file.mode = static_cast<uint32_t>(sqlite3_column_int64(stmt->get(), 1)) & 0777;
    file.content = ColumnText(stmt->get(), 2);
    if (!IsSafeRelativePath(file.path)) {
      return Status::Invalid("the backup names a file outside the data dir: \"" + file.path + "\"");
    }
    contents.files.push_back(std::move(file));
  }
  return rc == SQLITE_DONE ? Status::Ok() : SqliteStatus(db, rc, "read cara_backup_files");
}

}  // namespace

int64_t LatestSqliteSchemaVersion() { return SqliteMigrations().back().version; }

Result<BackupContents> WriteBackupFile(const std::string& db_path, BackupContents contents,
                                       const std::string& out) {
  if (!db_path.empty() && !std::filesystem::exists(db_path)) {
    return Status::NotFound("no store at " + db_path);
  }
  const std::string tmp = out + ".tmp-" + std::to_string(::getpid());
  RemoveDatabaseFiles(tmp);  // a leftover of an interrupted run
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("create " + tmp + ": " + std::strerror(errno));
  ::close(fd);
  Status st = FillBackup(db_path, contents, tmp);
  if (st.ok()) st = SyncPath(tmp, O_RDONLY);
  if (st.ok() && std::rename(tmp.c_str(), out.c_str()) != 0) {
    st = Status::Unavailable("rename " + tmp + " to " + out + ": " + std::strerror(errno));
  }
  if (!st.ok()) {
    RemoveDatabaseFiles(tmp);
    return st;
  }
  std::string dir = std::filesystem::path(out).parent_path().string();
  CARA_RETURN_IF_ERROR(SyncPath(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY));
  return contents;
}

Result<BackupContents> ReadBackupFile(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) return Status::Invalid(path + " is not a file");
  auto db = OpenDb(path, SQLITE_OPEN_READONLY);
  if (!db.ok()) return Status::Invalid(db.status().message());
  BackupContents contents;
  Status st = CheckIntegrity(db->get());
  if (st.ok()) st = ReadInfo(db->get(), contents);
  if (st.ok()) st = CheckSchemaVersion(db->get(), contents);
  if (st.ok()) st = ReadFiles(db->get(), contents);
  // Whatever SQLite says of a file that is no database (or a damaged one)
  // means the file is refused, not that the machine is in trouble.
  if (!st.ok()) return Status::Invalid(st.message());
  return contents;
}

Status RestoreBackupDatabase(const std::string& backup_path, const std::string& db_path) {
  if (std::filesystem::exists(db_path)) return Status::AlreadyExists(db_path + " exists");
  CARA_RETURN_IF_ERROR(PrepareSqliteFiles(db_path, /*private_directory=*/false));
  Status st = [&]() -> Status {
    auto source = OpenDb(backup_path, SQLITE_OPEN_READONLY);
    if (!source.ok()) return source.status();
    auto dest = OpenDb(db_path, SQLITE_OPEN_READWRITE);
    if (!dest.ok()) return dest.status();
    CARA_RETURN_IF_ERROR(CopyDatabase(source->get(), dest->get()));
    CARA_RETURN_IF_ERROR(Exec(dest->get(),
                              "DROP TABLE cara_backup_files; DROP TABLE cara_backup_info; VACUUM",
                              "remove the backup tables"));
    return Exec(dest->get(), "PRAGMA journal_mode=WAL", "enable WAL");
  }();
  if (st.ok()) st = SyncPath(db_path, O_RDONLY);
  if (!st.ok()) RemoveDatabaseFiles(db_path);
  return st;
}

}  // namespace cara::store
