#include "gitops/manifest_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

namespace cara::gitops {
namespace {

namespace fs = std::filesystem;

Status Unreadable(const fs::path& p, const std::string& why) {
  return Status::Invalid("read manifest: " + p.string() + ": " + why);
}

const char* TypeName(fs::file_type type) {
  switch (type) {
    case fs::file_type::fifo:
      return "a FIFO";
    case fs::file_type::socket:
      return "a socket";
    case fs::file_type::block:
    case fs::file_type::character:
      return "a device";
    default:
      return "not a regular file";
  }
}

// Why `p`, whose status could not be read, is unusable: a symlink that
// cannot be followed names its target.
Status Unresolvable(const fs::path& p, const std::error_code& ec) {
  std::error_code link_ec;
  if (fs::is_symlink(fs::symlink_status(p, link_ec))) {
    fs::path target = fs::read_symlink(p, link_ec);
    return Unreadable(
        p, "symbolic link to \"" + target.string() + "\" cannot be followed: " + ec.message());
  }
  return Unreadable(p, ec.message());
}

class Walker {
 public:
  Status Walk(const fs::path& dir) {
    std::error_code ec;
    fs::path real = fs::canonical(dir, ec);
    if (ec) return Unresolvable(dir, ec);
    if (!seen_.insert(real).second) return Status::Ok();  // a link back to a walked directory
    fs::directory_iterator it(dir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      if (Status st = Visit(*it); !st.ok()) return st;
    }
    if (ec) return Unreadable(dir, ec.message());
    return Status::Ok();
  }

  std::vector<std::string> TakeFiles() {
    std::sort(files_.begin(), files_.end());
    return std::move(files_);
  }

 private:
  // What `entry` is, links followed. The directory entry keeps the type
  // readdir reported, so a plain file or directory costs no stat (100,000
  // of them were a tenth of a large diff's reading); a link, or an entry of
  // unknown type, is looked up.
  static fs::file_status StatusOf(const fs::directory_entry& entry, std::error_code& ec) {
    if (entry.is_regular_file(ec)) return fs::file_status(fs::file_type::regular);
    if (!ec && entry.is_directory(ec)) return fs::file_status(fs::file_type::directory);
    return fs::status(entry.path(), ec);
  }

  Status Visit(const fs::directory_entry& entry) {
    const fs::path& p = entry.path();
    std::error_code ec;
    fs::file_status st = StatusOf(entry, ec);
    if (ec || st.type() == fs::file_type::not_found) return Unresolvable(p, ec);
    if (fs::is_directory(st)) return Walk(p);
    if (!IsManifestFileName(p.string())) return Status::Ok();
    if (!fs::is_regular_file(st)) return Unreadable(p, TypeName(st.type()));
    files_.push_back(p.string());
    return Status::Ok();
  }

  std::set<fs::path> seen_;  // canonical paths of the directories walked
  std::vector<std::string> files_;
};

// Reads `fd` to its end. A regular file's size is known: one allocation,
// which matters for a 50 MB input that is then refused after its first MiB.
Result<std::string> ReadAll(int fd, const std::string& name) {
  std::string text;
  struct stat st;
  size_t expected = 0;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    expected = static_cast<size_t>(st.st_size);
  }
  // Read straight into the string: a file's size and one byte to see its
  // end, growing only when the size was unknown (a pipe) or the file grew.
  text.resize(expected + 1);
  size_t used = 0;
  while (true) {
    if (used == text.size()) text.resize(used + std::max<size_t>(used, 65536));
    const size_t asked = text.size() - used;
    ssize_t n = ::read(fd, text.data() + used, asked);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Invalid("read manifest: read " + name + ": " + std::strerror(errno));
    if (n == 0) break;
    used += static_cast<size_t>(n);
    // A regular file's short read is its end: no second read to see it.
    if (expected > 0 && static_cast<size_t>(n) < asked) break;
  }
  text.resize(used);
  if (text.capacity() > 2 * used + 65536) text.shrink_to_fit();
  return text;
}

}  // namespace

bool IsManifestFileName(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

Result<std::vector<std::string>> ListManifestFiles(const std::string& dir) {
  Walker walker;
  if (Status st = walker.Walk(dir); !st.ok()) return st;
  return walker.TakeFiles();
}

Result<std::string> ReadManifestFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Invalid("read manifest: open " + path + ": " + std::strerror(errno));
  auto text = ReadAll(fd, path);
  ::close(fd);
  return text;
}

Result<std::string> ReadManifestStdin() { return ReadAll(STDIN_FILENO, "<stdin>"); }

}  // namespace cara::gitops
