#include "support/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "support/crash_watchdog.h"
#include "support/process.h"

namespace cara::testing {
namespace {

using Argv = std::vector<std::string>;

[[noreturn]] void Fail(const std::string& message) {
  throw std::runtime_error("test PostgreSQL server: " + message);
}

// The bin directory of the newest installed PostgreSQL.
std::string FindBinDir() {
  glob_t g;
  std::vector<std::string> dirs;
  if (::glob("/usr/lib/postgresql/*/bin/pg_ctl", 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      dirs.push_back(std::filesystem::path(g.gl_pathv[i]).parent_path().string());
    }
  }
  ::globfree(&g);
  if (dirs.empty()) Fail("no /usr/lib/postgresql/*/bin/pg_ctl (apt-get install postgresql)");
  auto version = [](const std::string& bin) {
    return std::atoi(std::filesystem::path(bin).parent_path().filename().c_str());
  };
  return *std::max_element(dirs.begin(), dirs.end(),
                           [&](const auto& a, const auto& b) { return version(a) < version(b); });
}

std::string Tail(const std::string& path, size_t max_bytes = 4000) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

// Runs argv without a shell, stdout and stderr appended to log_path, and
// returns the exit status (-1 if it did not exit normally).
int Run(const Argv& argv, const std::string& log_path) {
  return WaitForExit(SpawnProcess(argv, log_path, log_path));
}

// A loopback port nobody listens on right now (start retries on a race).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Fail(std::string("cannot find a free port: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// postgresql://user@host:port/OLD?query → postgresql://user@host:port/NEW?query
std::string WithDatabase(const std::string& url, const std::string& db) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) {
    Fail("CARA_TEST_DATABASE_URL(_FILE) must give a postgresql:// URL");
  }
  size_t query = url.find('?', scheme + 3);
  std::string base = url.substr(0, query);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  size_t slash = base.find('/', scheme + 3);
  if (slash != std::string::npos) base.resize(slash);
  return base + "/" + db + rest;
}

// The URL of a server someone else runs, or "" to start our own:
// CARA_TEST_DATABASE_URL, else the first line of the file named by
// CARA_TEST_DATABASE_URL_FILE (written by postgres-fixture.sh, the server one
// ctest run shares) if it can be read. Running a test binary by hand sets
// neither, so it still gets a server of its own.
std::string ExternalUrl() {
  const char* url = std::getenv("CARA_TEST_DATABASE_URL");
  if (url != nullptr && *url != '\0') return url;
  const char* file = std::getenv("CARA_TEST_DATABASE_URL_FILE");
  if (file == nullptr || *file == '\0') return "";
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) return "";
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return line;
}

void Exec(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);  // CREATE/DROP DATABASE refuse a transaction
  tx.exec(sql);
}

}  // namespace

struct PostgresServer::Impl {
  std::mutex mu;
  std::string admin_url;  // the "postgres" database, for CREATE DATABASE
  bool external = false;  // CARA_TEST_DATABASE_URL(_FILE): not ours to stop
  bool stopped = false;
  int counter = 0;
  std::vector<std::string> databases;  // created on an external server

  // Only for a server we started.
  std::string bin, dir, data;
  Argv as_owner;  // prefix that runs a command as the data directory's owner
  CrashWatchdog watchdog;

  void StartLocal();
  void StartWatchdog();
  void StopLocal();
};

// initdb and pg_ctl refuse to run as root: then the cluster belongs to the
// "postgres" user and every command runs through runuser.
void PostgresServer::Impl::StartLocal() {
  bin = FindBinDir();
  std::string tmpl = (std::filesystem::temp_directory_path() / "cara-pg-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) Fail(std::string("mkdtemp: ") + std::strerror(errno));
  dir = tmpl;
  data = dir + "/data";
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) Fail("running as root and there is no \"postgres\" user");
    if (::chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      Fail("chown " + dir + ": " + std::strerror(errno));
    }
    as_owner = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  }
  StartWatchdog();  // from here on a crash of this process still cleans up
  const std::string log = dir + "/setup.log";
  Argv initdb = as_owner;
  initdb.insert(initdb.end(), {bin + "/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E",
                               "UTF8", "--locale=C", "--no-sync"});
  if (Run(initdb, log) != 0) Fail("initdb failed:\n" + Tail(log));

  // Durability is pointless for a throwaway cluster, except when measuring
  // what a production server costs (the benchmarks set CARA_TEST_POSTGRES_DURABLE=1).
  const char* durable = std::getenv("CARA_TEST_POSTGRES_DURABLE");
  const std::string durability =
      durable != nullptr && std::string(durable) == "1"
          ? ""
          : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  // A port can be taken between FreePort and the server's bind: try again.
  for (int attempt = 0;; ++attempt) {
    int port = FreePort();
    Argv start = as_owner;
    start.insert(start.end(),
                 {bin + "/pg_ctl", "-D", data, "-l", dir + "/postgres.log", "-w", "-t", "60", "-o",
                  "-p " + std::to_string(port) + " -k " + dir +
                      " -c listen_addresses=127.0.0.1 -c max_connections=300" + durability,
                  "start"});
    if (Run(start, log) == 0) {
      admin_url = "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/postgres";
      break;
    }
    if (attempt == 2) {
      Fail("pg_ctl start failed:\n" + Tail(log) + "\n--- server log ---\n" +
           Tail(dir + "/postgres.log"));
    }
  }
  try {
    Exec(admin_url, "SELECT 1");
  } catch (const std::exception& e) {
    Fail("started but does not accept connections: " + std::string(e.what()));
  }
}

// A child process that outlives a crash or SIGKILL of the test binary: when
// the pipe closes without the "done" byte, it stops the server and removes
// the directory, so no stray postgres keeps running on a shared machine.
void PostgresServer::Impl::StartWatchdog() {
  std::string prefix;
  for (const std::string& a : as_owner) prefix += a + " ";
  const std::string cleanup =
      prefix + bin + "/pg_ctl -D " + data + " -m immediate -w stop >/dev/null 2>&1; rm -rf " + dir;
  watchdog.Arm(cleanup);
}

void PostgresServer::Impl::StopLocal() {
  Argv stop = as_owner;
  stop.insert(stop.end(), {bin + "/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"});
  Run(stop, "/dev/null");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  watchdog.Disarm();
}

PostgresServer& PostgresServer::Shared() {
  static PostgresServer server;  // thread-safe; a throwing start is retried next call
  return server;
}

PostgresServer::PostgresServer() : impl_(new Impl) {
  try {
    std::string url = ExternalUrl();
    if (!url.empty()) {
      impl_->external = true;
      impl_->admin_url = url;
      Exec(impl_->admin_url, "SELECT 1");
    } else {
      impl_->StartLocal();
    }
  } catch (const std::exception& e) {
    if (!impl_->external && !impl_->dir.empty()) impl_->StopLocal();
    delete impl_;
    std::string what = e.what();
    if (what.rfind("test PostgreSQL server", 0) != 0) what = "test PostgreSQL server: " + what;
    throw std::runtime_error(what);
  }
}

PostgresServer::~PostgresServer() {
  Stop();
  delete impl_;
}

std::string PostgresServer::FreshDatabaseUrl() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->stopped) Fail("FreshDatabaseUrl after Stop()");
  auto now = std::chrono::system_clock::now().time_since_epoch();
  std::string name = "cara_test_" + std::to_string(::getpid()) + "_" +
                     std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count()) +
                     "_" + std::to_string(++impl_->counter);
  try {
    Exec(impl_->admin_url, "CREATE DATABASE " + name);
  } catch (const std::exception& e) {
    Fail("CREATE DATABASE " + name + ": " + e.what());
  }
  if (impl_->external) impl_->databases.push_back(name);
  return WithDatabase(impl_->admin_url, name);
}

void PostgresServer::Stop() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  if (!impl_->external) {
    impl_->StopLocal();
    return;
  }
  for (const std::string& db : impl_->databases) {  // best effort
    try {
      Exec(impl_->admin_url, "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    } catch (const std::exception&) {
    }
  }
}

}  // namespace cara::testing
