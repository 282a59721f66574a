// `cara-server backup` and `cara-server restore` with the real binary: a
// backup taken while a writer keeps creating and updating projects restores
// exactly the state at the snapshot (every write acknowledged before it, no
// later one); a restored server starts, keeps its admin token, CA and
// secrets key, and serves the data; restore refuses a non-empty data dir and
// a damaged file without changing anything. PostgreSQL: a pg_dump of the live
// database, pg_restore'd into a fresh one, plus the data dir's files.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "support/cara_server_binary.h"
#include "support/eventually.h"
#include "support/file_contents.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

namespace fs = std::filesystem;

const std::string kSecrets = "/api/v1/secrets";
constexpr int kWrittenProjects = 8;

// One acknowledged write: the resourceVersion the server answered with and
// the `seq` label the write carried.
struct AckedWrite {
  std::string name;
  int64_t revision = 0;
  std::string seq;
};

// Creates w-0..w-7, then updates them round-robin (label seq=<n>), and
// records every acknowledged write, until stopped.
class ProjectWriter {
 public:
  explicit ProjectWriter(const std::string& url) : thread_([this, url] { Run(url); }) {}
  ~ProjectWriter() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<AckedWrite> acked() const {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_;
  }
  size_t count() const { return acked().size(); }
  std::string failure() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failure_;
  }

 private:
  void Run(const std::string& url) {
    HttpClient api(url);
    for (int seq = 0; !stop_; ++seq) {
      const std::string name = "w-" + std::to_string(seq % kWrittenProjects);
      json body = ProjectBody(name);
      body["metadata"]["labels"] = {{"seq", std::to_string(seq)}};
      HttpResponse r = seq < kWrittenProjects ? api.PostJson(kProjects, body)
                                              : api.PutJson(ProjectPath(name), body);
      std::lock_guard<std::mutex> lock(mu_);
      if ((r.status != 200 && r.status != 201) || !r.has_json) {
        failure_ = "write " + std::to_string(seq) + ": " + std::to_string(r.status) + " " + r.body;
        return;
      }
      const std::string rv = r.json["metadata"]["resourceVersion"].get<std::string>();
      acked_.push_back({name, std::stoll(rv), std::to_string(seq)});
    }
  }

  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<AckedWrite> acked_;  // guarded by mu_
  std::string failure_;            // guarded by mu_
  std::thread thread_;
};

ProcessResult CaraServer(const std::vector<std::string>& args,
                         const std::string& database_url = "") {
  std::vector<std::string> argv = {BuiltBinary("cara-server")};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, {{"DATABASE_URL", database_url}});
}

int64_t SnapshotRevision(const std::string& backup_output) {
  std::smatch m;
  REQUIRE(std::regex_search(backup_output, m, std::regex("at revision ([0-9]+)")));
  return std::stoll(m[1].str());
}

// The served projects are exactly the state after the acknowledged writes
// up to `revision`: each project's newest write at or before it, with that
// write's label; projects first written after it are absent.
void CheckStateAt(HttpClient& api, const std::vector<AckedWrite>& acked, int64_t revision) {
  std::map<std::string, AckedWrite> expected;
  for (const AckedWrite& w : acked) {
    if (w.revision <= revision) expected[w.name] = w;  // acked in revision order
  }
  json list = MustGet(api, kProjects);
  std::map<std::string, json> served;
  for (const json& item : list["items"]) served[item["metadata"]["name"]] = item;
  CHECK(served.size() == expected.size());
  for (const auto& [name, write] : expected) {
    INFO(name << " last written at revision " << write.revision << " with seq " << write.seq);
    REQUIRE(served.count(name) == 1);
    CHECK(std::stoll(ResourceVersion(served[name])) == write.revision);
    CHECK(served[name]["metadata"]["labels"]["seq"] == write.seq);
  }
}

json DbSecret() {
  return {{"metadata", {{"name", "db"}}}, {"stringData", {{"password", "hunter2"}}}};
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& item : fs::directory_iterator(dir)) names.push_back(item.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// A backup of a stopped server holding one project and one Secret.
std::string SmallBackup(const std::string& tmp) {
  const std::string data = tmp + "/small-data";
  {
    CaraServerBinary server(data, {"--no-controllers"}, {{"DATABASE_URL", ""}},
                            TestLogPath("cara-server-backup-small"));
    HttpClient api(server.url());
    MustCreateProject(api, ProjectBody("p"));
    REQUIRE_THAT(api.PostJson(kSecrets, DbSecret()), HasStatus(201));
  }
  const std::string file = tmp + "/small.cara-backup";
  ProcessResult backup = CaraServer({"backup", "--to", file, "--data-dir", data});
  REQUIRE(backup.exit_code == 0);
  return file;
}

}  // namespace

TEST_CASE("A backup taken under write load restores every write acknowledged before it",
          "[backup]") {
  TempDir tmp;
  const std::string data = tmp.path() + "/data";
  const std::string file = tmp.path() + "/cara.backup";
  std::vector<AckedWrite> before_backup;
  std::vector<AckedWrite> all;
  std::string admin_token;
  std::string backup_output;
  size_t during_backup = 0;
  {
    CaraServerBinary server(data, {"--no-controllers"}, {{"DATABASE_URL", ""}},
                            TestLogPath("cara-server-backup-source"));
    admin_token = server.admin_token();
    HttpClient api(server.url());
    REQUIRE_THAT(api.PostJson(kSecrets, DbSecret()), HasStatus(201));
    ProjectWriter writer(server.url());
    REQUIRE(Eventually([&] { return writer.count() >= 40 || !writer.failure().empty(); }));
    before_backup = writer.acked();
    // Backed up by a second process while the server keeps committing.
    ProcessResult backup = CaraServer({"--data-dir", data, "backup", "--to", file});
    const size_t after_backup = writer.count();
    INFO(backup.out << backup.err);
    REQUIRE(backup.exit_code == 0);
    backup_output = backup.out;
    REQUIRE(Eventually(
        [&] { return writer.count() >= after_backup + 20 || !writer.failure().empty(); }));
    writer.Stop();
    REQUIRE(writer.failure() == "");
    all = writer.acked();
    during_backup = after_backup - before_backup.size();
  }  // the server is killed
  INFO("writes acknowledged while the backup ran: " << during_backup);
  CHECK(backup_output.find("files of the data dir") != std::string::npos);
  CHECK(backup_output.find("it holds the secrets key") != std::string::npos);
  CHECK(ModeOf(file) == 0600);
  CHECK_FALSE(fs::exists(file + "-wal"));
  const int64_t snapshot = SnapshotRevision(backup_output);
  REQUIRE(before_backup.size() >= 40);
  CHECK(snapshot >= before_backup.back().revision);
  CHECK(all.back().revision > snapshot);  // the writer went on after the snapshot

  const std::string restored = tmp.path() + "/restored";
  ProcessResult restore = CaraServer({"restore", "--from", file, "--data-dir", restored});
  INFO(restore.out << restore.err);
  REQUIRE(restore.exit_code == 0);
  CHECK(restore.out.find("SQLite store at revision " + std::to_string(snapshot)) !=
        std::string::npos);
  CHECK(ModeOf(restored) == 0700);
  CHECK(ModeOf(restored + "/cara.db") == 0600);
  CHECK(ModeOf(restored + "/pki/secrets.key") == 0600);
  CHECK(ModeOf(restored + "/pki/ca.key") == 0600);
  CHECK(ReadAll(restored + "/pki/ca.crt") == ReadAll(data + "/pki/ca.crt"));
  CHECK(ReadAll(restored + "/join.token") == ReadAll(data + "/join.token"));

  // The restored server starts (it refuses to without the Secrets' key) on
  // the same admin token and CA, and serves the state at the snapshot.
  CaraServerBinary server(restored, {"--no-controllers"}, {{"DATABASE_URL", ""}},
                          TestLogPath("cara-server-backup-restored"));
  CHECK(server.admin_token() == admin_token);
  HttpClient api(server.url());
  CheckStateAt(api, all, snapshot);
  CHECK_THAT(api.Get(kSecrets + "/db"), HasStatus(200));
  // Every write acknowledged before the backup began is in the snapshot.
  for (const AckedWrite& w : before_backup) CHECK(w.revision <= snapshot);
  // The store goes on from the snapshot's revision.
  json next = MustCreateProject(api, ProjectBody("after-restore"));
  CHECK(std::stoll(ResourceVersion(next)) > snapshot);
}

TEST_CASE("cara-server restore refuses a non-empty data dir and changes nothing", "[backup]") {
  TempDir tmp;
  const std::string file = SmallBackup(tmp.path());
  const std::string target = tmp.path() + "/target";
  fs::create_directories(target);
  std::ofstream(target + "/keep.txt") << "mine";
  ProcessResult restore = CaraServer({"restore", "--from", file, "--data-dir", target});
  CHECK(restore.exit_code == 3);
  CHECK(restore.err.find("data dir " + target + " is not empty") != std::string::npos);
  CHECK(Entries(target) == std::vector<std::string>{"keep.txt"});
  CHECK(ReadAll(target + "/keep.txt") == "mine");

  // An empty directory is fine.
  const std::string empty = tmp.path() + "/empty";
  fs::create_directories(empty);
  ProcessResult into_empty = CaraServer({"restore", "--from", file, "--data-dir", empty});
  INFO(into_empty.out << into_empty.err);
  CHECK(into_empty.exit_code == 0);
  CHECK(fs::exists(empty + "/cara.db"));
}

TEST_CASE("cara-server restore refuses a damaged or foreign file and writes nothing", "[backup]") {
  TempDir tmp;
  const std::string file = SmallBackup(tmp.path());
  const std::string truncated = tmp.path() + "/truncated";
  fs::copy_file(file, truncated);
  fs::resize_file(truncated, fs::file_size(file) / 2);
  const std::string text = tmp.path() + "/text";
  std::ofstream(text) << "not a backup\n";
  const std::string plain_db = tmp.path() + "/small-data/cara.db";  // a store, no backup tables

  const struct {
    std::string path;
    std::string why;
  } cases[] = {
      {truncated, "refused: "},
      {text, "refused: "},
      {plain_db, "not a cara-server backup"},
      {tmp.path() + "/missing", "is not a file"},
  };
  for (const auto& c : cases) {
    INFO(c.path);
    const std::string target = tmp.path() + "/target";
    ProcessResult restore = CaraServer({"restore", "--from", c.path, "--data-dir", target});
    CHECK(restore.exit_code == 4);
    CHECK(restore.err.find(c.why) != std::string::npos);
    CHECK(restore.err.find("nothing was changed") != std::string::npos);
    CHECK_FALSE(fs::exists(target));
  }
  ProcessResult help = CaraServer({"restore", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("3  the data dir") != std::string::npos);
}

TEST_CASE("A backup without the secrets key leaves a restored server that refuses to start",
          "[backup]") {
  TempDir tmp;
  SmallBackup(tmp.path());
  const std::string file = tmp.path() + "/no-key.cara-backup";
  ProcessResult backup = CaraServer(
      {"backup", "--to", file, "--without-secrets-key", "--data-dir", tmp.path() + "/small-data"});
  REQUIRE(backup.exit_code == 0);
  CHECK(backup.out.find("does not hold the secrets key") != std::string::npos);
  const std::string restored = tmp.path() + "/restored";
  ProcessResult restore = CaraServer({"restore", "--from", file, "--data-dir", restored});
  REQUIRE(restore.exit_code == 0);
  CHECK(restore.out.find("holds no secrets key") != std::string::npos);
  CHECK_FALSE(fs::exists(restored + "/pki/secrets.key"));
  ProcessResult start =
      RunProcess({"/usr/bin/timeout", "30", BuiltBinary("cara-server"), "--host", "127.0.0.1",
                  "--port", std::to_string(FreeLoopbackPort()), "--data-dir", restored},
                 {{"DATABASE_URL", ""}});
  CHECK(start.exit_code == 1);
  CHECK((start.out + start.err).find("is missing but the store holds 1 Secret") !=
        std::string::npos);
}

TEST_CASE("A pg_dump of a live PostgreSQL store restores with pg_restore and the backup's files",
          "[backup][postgres]") {
  TempDir tmp;
  const std::string source_url = PostgresServer::Shared().FreshDatabaseUrl();
  const std::string data = tmp.path() + "/data";
  const std::string dump = tmp.path() + "/cara.dump";
  const std::string files = tmp.path() + "/files.cara-backup";
  std::vector<AckedWrite> before_dump;
  std::vector<AckedWrite> all;
  {
    CaraServerBinary server(data, {"--no-controllers"}, {{"DATABASE_URL", source_url}},
                            TestLogPath("cara-server-pgdump-source"));
    HttpClient api(server.url());
    REQUIRE_THAT(api.PostJson(kSecrets, DbSecret()), HasStatus(201));
    ProjectWriter writer(server.url());
    REQUIRE(Eventually([&] { return writer.count() >= 40 || !writer.failure().empty(); }));
    before_dump = writer.acked();
    ProcessResult pg_dump = RunProcess(
        {"/usr/bin/pg_dump", "--format=custom", "--file=" + dump, "--dbname=" + source_url});
    INFO(pg_dump.err);
    REQUIRE(pg_dump.exit_code == 0);
    const size_t after_dump = writer.count();
    REQUIRE(
        Eventually([&] { return writer.count() >= after_dump + 20 || !writer.failure().empty(); }));
    writer.Stop();
    REQUIRE(writer.failure() == "");
    all = writer.acked();
    ProcessResult backup = CaraServer({"backup", "--to", files, "--data-dir", data}, source_url);
    INFO(backup.out << backup.err);
    REQUIRE(backup.exit_code == 0);
    CHECK(backup.out.find("the PostgreSQL store is not in this file") != std::string::npos);
    CHECK(backup.out.find("pg_dump --format=custom") != std::string::npos);
  }

  const std::string target_url = PostgresServer::Shared().FreshDatabaseUrl();
  ProcessResult pg_restore = RunProcess(
      {"/usr/bin/pg_restore", "--no-owner", "--exit-on-error", "--dbname=" + target_url, dump});
  INFO(pg_restore.err);
  REQUIRE(pg_restore.exit_code == 0);
  const std::string restored = tmp.path() + "/restored";
  ProcessResult restore =
      CaraServer({"restore", "--from", files, "--data-dir", restored}, target_url);
  INFO(restore.out << restore.err);
  REQUIRE(restore.exit_code == 0);
  CHECK(restore.out.find("restore the pg_dump") != std::string::npos);

  CaraServerBinary server(restored, {"--no-controllers"}, {{"DATABASE_URL", target_url}},
                          TestLogPath("cara-server-pgdump-restored"));
  HttpClient api(server.url());
  CHECK_THAT(api.Get(kSecrets + "/db"), HasStatus(200));
  // pg_dump's snapshot is the newest revision it holds: everything acked
  // before the dump began is there, nothing after the snapshot.
  int64_t snapshot = 0;
  const json list = MustGet(api, kProjects);
  for (const json& item : list["items"]) {
    snapshot = std::max<int64_t>(snapshot, std::stoll(ResourceVersion(item)));
  }
  CHECK(snapshot >= before_dump.back().revision);
  CheckStateAt(api, all, snapshot);
  // The restored sequence goes on after the snapshot.
  json next = MustCreateProject(api, ProjectBody("after-restore"));
  CHECK(std::stoll(ResourceVersion(next)) > snapshot);
}

}  // namespace cara::testing
