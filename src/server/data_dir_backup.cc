#include "server/data_dir_backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "common/time_format.h"
#include "common/version.h"
#include "store/backup_file.h"
#include "store/postgres_url.h"

namespace cara::server {
namespace {

namespace fs = std::filesystem;
using store::BackupFileEntry;

const char kSecretsKeyPath[] = "pki/secrets.key";
// Besides pki/: the admin's token and client config, the nodes' join token.
const char* const kTopLevelFiles[] = {"admin.token", "join.token", "caractrl.yaml"};

bool IsPostgresUrl(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

Result<BackupFileEntry> ReadEntry(const fs::path& file, const std::string& relative) {
  struct stat st;
  if (::stat(file.c_str(), &st) != 0) {
    return Status::NotFound("cannot read " + file.string() + ": " + std::strerror(errno));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::Unavailable("cannot read " + file.string());
  BackupFileEntry entry;
  entry.path = relative;
  entry.mode = st.st_mode & 0777;
  entry.content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::Unavailable("cannot read " + file.string());
  return entry;
}

void Drop(std::vector<BackupFileEntry>& files, const std::string& path) {
  files.erase(std::remove_if(files.begin(), files.end(),
                             [&](const BackupFileEntry& f) { return f.path == path; }),
              files.end());
}

// The files a restored server needs besides its store, sorted by path.
Result<std::vector<BackupFileEntry>> CollectFiles(const ServerStateLocation& where,
                                                  bool include_secrets_key) {
  const fs::path dir(where.data_dir);
  std::vector<BackupFileEntry> files;
  std::error_code ec;
  if (fs::is_directory(dir / "pki", ec)) {
    for (const auto& item : fs::recursive_directory_iterator(dir / "pki", ec)) {
      if (!item.is_regular_file()) continue;
      auto entry = ReadEntry(item.path(), item.path().lexically_relative(dir).string());
      if (!entry.ok()) return entry.status();
      files.push_back(std::move(*entry));
    }
    if (ec)
      return Status::Unavailable("cannot list " + (dir / "pki").string() + ": " + ec.message());
  }
  for (const char* name : kTopLevelFiles) {
    if (!fs::is_regular_file(dir / name, ec)) continue;
    auto entry = ReadEntry(dir / name, name);
    if (!entry.ok()) return entry.status();
    files.push_back(std::move(*entry));
  }
  // The key the server actually uses goes where a restored server finds it
  // without the flag.
  if (!where.secrets_key_file.empty()) {
    Drop(files, kSecretsKeyPath);
    // A key file kept inside the data dir under another name was read with
    // pki/ above: it goes in once, as pki/secrets.key, or not at all.
    std::error_code rel_ec;
    fs::path key_path = fs::weakly_canonical(where.secrets_key_file, rel_ec);
    fs::path data_path = fs::weakly_canonical(dir, rel_ec);
    if (!rel_ec) Drop(files, key_path.lexically_relative(data_path).string());
    auto key = ReadEntry(where.secrets_key_file, kSecretsKeyPath);
    if (!key.ok()) return key.status().Wrap("--secrets-key-file");
    files.push_back(std::move(*key));
  }
  if (!include_secrets_key) Drop(files, kSecretsKeyPath);
  std::sort(files.begin(), files.end(),
            [](const BackupFileEntry& a, const BackupFileEntry& b) { return a.path < b.path; });
  return files;
}

BackupSummary Summarize(const store::BackupContents& contents) {
  BackupSummary summary;
  summary.store = contents.store;
  summary.revision = contents.revision;
  summary.schema_version = contents.schema_version;
  summary.files = contents.files.size();
  summary.has_secrets_key =
      std::any_of(contents.files.begin(), contents.files.end(),
                  [](const BackupFileEntry& f) { return f.path == kSecretsKeyPath; });
  return summary;
}

// Nothing of the server's state may be there yet.
Status CheckEmptyTarget(const ServerStateLocation& where) {
  const fs::path dir(where.data_dir);
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) {
      return Status::AlreadyExists("data dir " + dir.string() + " exists and is not a directory");
    }
    if (!fs::is_empty(dir, ec)) {
      return Status::AlreadyExists("data dir " + dir.string() +
                                   " is not empty: restore only into an empty or missing "
                                   "directory; nothing was changed");
    }
  }
  const std::string db = SqliteStorePath(where);
  if (!db.empty() && fs::exists(db, ec)) {
    return Status::AlreadyExists("store " + db + " exists; nothing was changed");
  }
  return Status::Ok();
}

// Creates the missing directories from `dir` down to `path`'s parent, 0700.
Status MakeParents(const fs::path& dir, const fs::path& path) {
  fs::path at = dir;
  for (const auto& part : path.parent_path().lexically_relative(dir)) {
    if (part == ".") continue;
    at /= part;
    if (::mkdir(at.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::Unavailable("cannot create " + at.string() + ": " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

Status WriteRestoredFile(const fs::path& dir, const BackupFileEntry& file) {
  const fs::path path = dir / file.path;
  CARA_RETURN_IF_ERROR(MakeParents(dir, path));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status::Unavailable("cannot create " + path.string() + ": " + std::strerror(errno));
  const char* data = file.content.data();
  size_t left = file.content.size();
  bool ok = true;
  while (ok && left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) {
      data += n;
      left -= static_cast<size_t>(n);
    }
  }
  ok = ok && ::fchmod(fd, file.mode) == 0 && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok)
    return Status::Unavailable("cannot write " + path.string() + ": " + std::strerror(saved_errno));
  return Status::Ok();
}

// Undoes a failed restore: the data dir was empty (or missing) before.
void RemoveRestored(const fs::path& dir, bool created_dir, const std::string& db) {
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(dir, ec)) fs::remove_all(item.path(), ec);
  if (created_dir) fs::remove(dir, ec);
  if (db.empty()) return;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(db + suffix, ec);
}

Status WriteRestoredState(const ServerStateLocation& where, const std::string& from,
                          const store::BackupContents& backup) {
  const fs::path dir(where.data_dir);
  for (const BackupFileEntry& file : backup.files) {
    CARA_RETURN_IF_ERROR(WriteRestoredFile(dir, file));
  }
  if (backup.store != "sqlite") return Status::Ok();
  return store::RestoreBackupDatabase(from, SqliteStorePath(where));
}

}  // namespace

std::string SqliteStorePath(const ServerStateLocation& where) {
  if (IsPostgresUrl(where.database_url)) return "";
  if (where.database_url.rfind("sqlite:", 0) == 0) return where.database_url.substr(7);
  return (where.data_dir.empty() ? std::string("./cara-data") : where.data_dir) + "/cara.db";
}

std::string PostgresBackupAdvice(const std::string& database_url) {
  const std::string url = store::RedactDatabaseUrl(database_url);
  return "the PostgreSQL store is not in this file: dump it with\n"
         "  pg_dump --format=custom --file=cara.dump --dbname='" +
         url +
         "'\n"
         "and restore it into an empty database with\n"
         "  pg_restore --no-owner --exit-on-error --dbname='postgresql://...' cara.dump\n"
         "(a password belongs in ~/.pgpass or PGPASSWORD, not on the command line)";
}

Result<BackupSummary> BackupServerState(const ServerStateLocation& where,
                                        const BackupOptions& options, Clock& clock) {
  auto files = CollectFiles(where, options.include_secrets_key);
  if (!files.ok()) return files.status();
  store::BackupContents contents;
  const std::string db = SqliteStorePath(where);
  contents.store = db.empty() ? "postgresql" : "sqlite";
  contents.created_at = FormatRfc3339(clock.Now());
  contents.server_version = Version();
  contents.files = std::move(*files);
  auto written = store::WriteBackupFile(db, std::move(contents), options.to);
  if (!written.ok()) return written.status();
  return Summarize(*written);
}

Result<BackupSummary> RestoreServerState(const ServerStateLocation& where,
                                         const std::string& from) {
  CARA_RETURN_IF_ERROR(CheckEmptyTarget(where));
  auto backup = store::ReadBackupFile(from);
  if (!backup.ok()) {
    return Status::Invalid("backup " + from + " refused: " + backup.status().message() +
                           "; nothing was changed");
  }
  if (backup->store == "sqlite" && SqliteStorePath(where).empty()) {
    return Status::Invalid("backup " + from +
                           " holds a SQLite store but --database-url names PostgreSQL: restore "
                           "it without --database-url; nothing was changed");
  }
  const fs::path dir(where.data_dir);
  std::error_code ec;
  const bool created_dir = !fs::exists(dir, ec);
  if (created_dir) {
    fs::create_directories(dir, ec);
    if (ec) return Status::Unavailable("cannot create " + dir.string() + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, ec);
  }
  Status st = WriteRestoredState(where, from, *backup);
  if (!st.ok()) {
    RemoveRestored(dir, created_dir, SqliteStorePath(where));
    return st;
  }
  return Summarize(*backup);
}

}  // namespace cara::server
