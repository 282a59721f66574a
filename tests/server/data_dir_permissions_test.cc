// The real cara-server binary on its embedded SQLite store: the data
// directory is 0700 and the database files 0600, whatever the umask, and a
// data directory an older version left readable is tightened at start
// (logged once).
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <string>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "support/cara_server_binary.h"
#include "support/eventually.h"
#include "support/file_contents.h"
#include "support/process.h"

namespace cara::testing {
namespace {

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A cara-server on `data_dir` until destroyed (SIGKILL, as a crash would).
struct Server : CaraServerBinary {
  Server(const std::string& data_dir, const std::string& log)
      : CaraServerBinary(data_dir, {}, {{"DATABASE_URL", ""}}, log) {}
};

// The files the store keeps open beside cara.db while it runs.
const char* const kDatabaseFiles[] = {"/cara.db", "/cara.db-wal", "/cara.db-shm"};

}  // namespace

TEST_CASE("cara-server keeps its data directory and database private", "[sqlite][permissions]") {
  TempDir tmp;
  const std::string data = tmp.path() + "/data";
  const std::string second_log = TestLogPath("cara-server-second");
  const std::string third_log = TestLogPath("cara-server-third");
  const mode_t old_umask = ::umask(022);  // the usual one: 0755 directories, 0644 files

  {
    Server server(data, TestLogPath("cara-server-first"));
    HttpClient api(server.url());
    MustCreateProject(api, ProjectBody("p"));
    CHECK(ModeOf(data) == 0700);
    for (const char* file : kDatabaseFiles) {
      INFO(file);
      CHECK(ModeOf(data + file) == 0600);
    }
  }

  // What an older version left behind.
  REQUIRE(::chmod(data.c_str(), 0755) == 0);
  for (const char* file : kDatabaseFiles) REQUIRE(::chmod((data + file).c_str(), 0644) == 0);
  {
    Server server(data, second_log);
    HttpClient api(server.url());
    CHECK(MustGet(api, ProjectPath("p"))["metadata"]["name"] == "p");
    CHECK(ModeOf(data) == 0700);
    for (const char* file : kDatabaseFiles) {
      INFO(file);
      CHECK(ModeOf(data + file) == 0600);
    }
  }
  {
    Server server(data, third_log);
    CHECK(ModeOf(data) == 0700);
  }
  std::string second = ReadAll(second_log);
  INFO(second);
  CHECK(Count(second, "restricted permissions") == 4);  // the directory and three files
  CHECK(Count(second, "from=0644 to=0600") == 3);
  CHECK(Count(second, "from=0755 to=0700") == 1);
  CHECK(Count(ReadAll(third_log), "restricted permissions") == 0);
  ::umask(old_umask);
}

}  // namespace cara::testing
