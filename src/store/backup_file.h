// The file `cara-server backup` writes and `cara-server restore` reads: a
// SQLite database. For the embedded store it is a consistent snapshot of the
// store itself; in every case it also holds two tables of its own:
//
//   cara_backup_info   (key, value): format, store, schema_version, revision,
//                      created_at, server_version
//   cara_backup_files  (path, mode, content): files of the data dir (keys,
//                      tokens), paths relative to it
//
// One SQLite file rather than a tar: the snapshot, the keys and the metadata
// arrive in one atomic rename, PRAGMA integrity_check covers all of them, and
// the only library involved is the one the store already uses (`sqlite3 FILE
// .tables` shows what is inside).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace cara::store {

// The format this binary writes, and the newest it reads.
inline constexpr int kBackupFormat = 1;

// One file of the data dir. `path` is relative ("pki/ca.key").
struct BackupFileEntry {
  std::string path;
  uint32_t mode = 0600;  // permission bits
  std::string content;
};

struct BackupContents {
  // "sqlite" when the file holds the store, "postgresql" when the store is
  // a PostgreSQL database (backed up with pg_dump) and only the files are in.
  std::string store;
  int64_t schema_version = 0;  // newest applied migration of the store (sqlite)
  int64_t revision = 0;        // the store's revision at the snapshot (sqlite)
  std::string created_at;      // RFC 3339, UTC
  std::string server_version;  // cara-server that wrote it
  std::vector<BackupFileEntry> files;
};

// Writes the backup file `out`: a snapshot of the SQLite store at `db_path`
// (none when empty: a PostgreSQL store), then `contents`' metadata and files.
// The store may be in use by a running server: the snapshot is one read
// transaction, which in WAL mode never blocks its writers. `out` appears
// whole or not at all (temp file beside it, fsync, rename) and is 0600. The
// returned contents carry the snapshot's schema version and revision.
Result<BackupContents> WriteBackupFile(const std::string& db_path, BackupContents contents,
                                       const std::string& out);

// Reads and verifies a backup file: Invalid when it is not a SQLite database,
// fails integrity_check, is not a cara-server backup, is of a newer format,
// holds a store of a newer schema than this binary knows, or names a file
// outside the data dir.
Result<BackupContents> ReadBackupFile(const std::string& path);

// Writes the store of a verified "sqlite" backup file to `db_path`, which
// must not exist, without the backup's own tables (VACUUMed away, so no copy
// of the key files stays in the store's free pages). 0600.
Status RestoreBackupDatabase(const std::string& backup_path, const std::string& db_path);

// The newest schema version of the SQLite store this binary knows.
int64_t LatestSqliteSchemaVersion();

}  // namespace cara::store
