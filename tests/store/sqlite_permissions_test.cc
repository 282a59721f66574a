// SQLite file permissions at the store level: the database files are 0600,
// a directory the store creates is 0700, and the directory of a database
// named by a sqlite:PATH URL (which may hold other things, /tmp say) is left
// alone. cara-server's own data directory: server/data_dir_permissions_test.cc.
#include <sys/stat.h>

#include <string>

#include <catch2/catch.hpp>

#include "store/store.h"
#include "support/temp_dir.h"

namespace cara::store {
namespace {

mode_t ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

TEST_CASE("sqlite: database files are private, a shared directory is not changed",
          "[store][sqlite][permissions]") {
  cara::testing::TempDir tmp;
  const mode_t old_umask = ::umask(022);
  REQUIRE(::chmod(tmp.path().c_str(), 0755) == 0);
  {
    auto backend = OpenBackend("sqlite:" + tmp.path() + "/shared.db", "");
    REQUIRE(backend.ok());
    CHECK(ModeOf(tmp.path()) == 0755);
    CHECK(ModeOf(tmp.path() + "/shared.db") == 0600);
    CHECK(ModeOf(tmp.path() + "/shared.db-wal") == 0600);
    CHECK(ModeOf(tmp.path() + "/shared.db-shm") == 0600);
  }
  {
    auto backend = OpenBackend("sqlite:" + tmp.path() + "/new/dir/cara.db", "");
    REQUIRE(backend.ok());
    CHECK(ModeOf(tmp.path() + "/new/dir") == 0700);
    CHECK(ModeOf(tmp.path() + "/new/dir/cara.db") == 0600);
  }
  ::umask(old_umask);
}

}  // namespace
}  // namespace cara::store
