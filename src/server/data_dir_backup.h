// `cara-server backup` and `cara-server restore`: a server's whole state in
// one file (store/backup_file.h) and back into an empty data dir.
//
// A restore needs more than the store: the data dir's files go along, above
// all the secrets key (without it every Secret is unreadable and the server
// refuses to start), the cluster CA (agents pin its hash; their certificates
// are signed by it) and the tokens. Taken: everything under <data dir>/pki/,
// admin.token, join.token, caractrl.yaml, and the --secrets-key-file key
// (as pki/secrets.key) when one is named. A PostgreSQL store is not in the
// file: pg_dump backs it up (consistent too, and the tool its operators know).
#pragma once

#include <cstdint>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace cara::server {

// Where a server keeps its state: the serve flags of the same name.
struct ServerStateLocation {
  std::string data_dir;
  std::string database_url;      // "", sqlite:PATH or postgresql://...
  std::string secrets_key_file;  // "" = <data dir>/pki/secrets.key
};

struct BackupOptions {
  std::string to;                   // the backup file
  bool include_secrets_key = true;  // false: the operator keeps the key elsewhere
};

struct BackupSummary {
  std::string store;  // "sqlite" or "postgresql" (not in the file)
  int64_t revision = 0;
  int64_t schema_version = 0;
  size_t files = 0;
  bool has_secrets_key = false;
};

// Writes the backup file while the server may be running on the same state.
Result<BackupSummary> BackupServerState(const ServerStateLocation& where,
                                        const BackupOptions& options, Clock& clock);

// Restores a backup file into `where`. Nothing is changed when the data dir
// (or a sqlite:PATH store) is not empty: AlreadyExists; or when the file is
// refused (corrupt, not a backup, a newer schema, a SQLite store for a
// PostgreSQL server): Invalid. A failure while writing removes what this
// restore wrote.
Result<BackupSummary> RestoreServerState(const ServerStateLocation& where, const std::string& from);

// The SQLite file of `where`'s store, "" for PostgreSQL.
std::string SqliteStorePath(const ServerStateLocation& where);

// pg_dump / pg_restore commands for `database_url`, its password redacted.
std::string PostgresBackupAdvice(const std::string& database_url);

}  // namespace cara::server
