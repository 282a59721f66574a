#include "security/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cara::security {
namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Status::Unavailable("cannot " + what + " " + path + ": " + std::strerror(errno));
}

Status WriteAll(int fd, const std::string& contents, const std::string& path) {
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write", path);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// The rename is durable only once the directory entry is on disk too.
void SyncDirectoryOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

Status WriteFileAtomically(const std::string& path, const std::string& contents, mode_t mode) {
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  // O_NOFOLLOW: a symlink planted at the temporary name must not redirect a key.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return Errno("create", tmp);
  Status status = ::fchmod(fd, mode) == 0 ? WriteAll(fd, contents, tmp) : Errno("chmod", tmp);
  if (status.ok() && ::fsync(fd) != 0) status = Errno("sync", tmp);
  if (::close(fd) != 0 && status.ok()) status = Errno("close", tmp);
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) status = Errno("rename", tmp);
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  SyncDirectoryOf(path);
  return Status::Ok();
}

Status MakePrivateDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return Status::Unavailable("cannot chmod 0700 " + dir + ": " + ec.message());
  return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound(path + " does not exist");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || in.bad()) return Status::Unavailable("cannot read " + path);
  return text.str();
}

}  // namespace cara::security
