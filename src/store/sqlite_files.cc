#include "store/sqlite_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/log.h"

namespace cara::store {
namespace {

std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Clears the permission bits outside `allowed` of an existing path.
void Restrict(const std::string& path, mode_t allowed) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return;  // absent: nothing to restrict
  mode_t mode = st.st_mode & 07777;
  if ((mode & ~allowed) == 0) return;
  if (::chmod(path.c_str(), mode & allowed) != 0) {
    LOG_WARN("cannot restrict permissions")
        .Kv("path", path)
        .Kv("mode", Octal(mode))
        .Kv("error", std::strerror(errno));
    return;
  }
  LOG_WARN("restricted permissions")
      .Kv("path", path)
      .Kv("from", Octal(mode))
      .Kv("to", Octal(mode & allowed));
}

}  // namespace

Status PrepareSqliteFiles(const std::string& path, bool private_directory) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(parent, ec)) {
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        return Status::Unavailable("sqlite: cannot create directory " + parent.string() + ": " +
                                   ec.message());
      }
      ::chmod(parent.c_str(), 0700);
    } else if (private_directory) {
      Restrict(parent.string(), 0700);
    }
  }
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".leader"}) {
    Restrict(path + suffix, 0600);
  }
  return Status::Ok();
}

}  // namespace cara::store
