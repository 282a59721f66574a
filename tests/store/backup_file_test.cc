// The backup file format (store/backup_file.h) on a real SQLite store: what
// is written reads back, a restored store has no backup tables left, and a
// file is refused when its store is of a newer schema than this binary or
// when it names a file outside the data dir. The whole commands, under
// write load: server/backup_restore_test.cc.
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "store/backup_file.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace cara::store {
namespace {

// Runs `sql` on the database file at `path` (tampering with a backup).
void Tamper(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  INFO(message);
  REQUIRE(rc == SQLITE_OK);
}

int64_t CountTables(const std::string& path, const std::string& like) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const std::string sql = "SELECT count(*) FROM sqlite_schema WHERE name LIKE '" + like + "'";
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  int64_t n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

// A backup of a freshly migrated store with one file.
std::string WriteSample(const std::string& dir) {
  const std::string db = dir + "/cara.db";
  REQUIRE(OpenBackend("sqlite:" + db, "").ok());
  BackupContents contents;
  contents.store = "sqlite";
  contents.created_at = "2026-12-07T08:00:00Z";
  contents.server_version = "test";
  contents.files = {{"pki/secrets.key", 0600, std::string("k\0ey", 4)}};
  const std::string out = dir + "/backup";
  auto written = WriteBackupFile(db, contents, out);
  REQUIRE(written.ok());
  CHECK(written->schema_version == LatestSqliteSchemaVersion());
  return out;
}

TEST_CASE("backup file: written, read back and restored without its own tables",
          "[store][backup]") {
  cara::testing::TempDir tmp;
  const std::string out = WriteSample(tmp.path());
  auto read = ReadBackupFile(out);
  REQUIRE(read.ok());
  CHECK(read->store == "sqlite");
  CHECK(read->schema_version == LatestSqliteSchemaVersion());
  CHECK(read->created_at == "2026-12-07T08:00:00Z");
  REQUIRE(read->files.size() == 1);
  CHECK(read->files[0].path == "pki/secrets.key");
  CHECK(read->files[0].mode == 0600);
  CHECK(read->files[0].content == std::string("k\0ey", 4));

  const std::string restored = tmp.path() + "/restored/cara.db";
  REQUIRE(RestoreBackupDatabase(out, restored).ok());
  CHECK(CountTables(restored, "cara_backup%") == 0);
  CHECK(CountTables(restored, "schema_migrations") == 1);
  CHECK(OpenBackend("sqlite:" + restored, "").ok());
  CHECK(RestoreBackupDatabase(out, restored).code() == Code::kAlreadyExists);
}

TEST_CASE("backup file: a newer schema or a path outside the data dir is refused",
          "[store][backup]") {
  cara::testing::TempDir tmp;
  const std::string out = WriteSample(tmp.path());
  const std::string newer = tmp.path() + "/newer";
  std::filesystem::copy_file(out, newer);
  Tamper(newer, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (" +
                    std::to_string(LatestSqliteSchemaVersion() + 1) + ", 'future', '')");
  auto refused = ReadBackupFile(newer);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kInvalid);
  CHECK(refused.status().message().find(
            "has schema version " + std::to_string(LatestSqliteSchemaVersion() + 1) +
            ", newer than this cara-server knows") != std::string::npos);

  const std::string escaping = tmp.path() + "/escaping";
  std::filesystem::copy_file(out, escaping);
  Tamper(escaping, "INSERT INTO cara_backup_files VALUES ('pki/../../evil', 384, 'x')");
  auto outside = ReadBackupFile(escaping);
  REQUIRE_FALSE(outside.ok());
  CHECK(outside.status().message() ==
        "the backup names a file outside the data dir: \"pki/../../evil\"");
}

}  // namespace
}  // namespace cara::store
