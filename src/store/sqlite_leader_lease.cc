#include "store/sqlite_leader_lease.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cara::store {
namespace {

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

}  // namespace

Result<std::unique_ptr<LeaderLease>> TryLockLeaderFile(const std::string& lock_path) {
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

}  // namespace cara::store
