// The whole life of a Secret on a real cluster -- in-process cara-server,
// the real cara-agent on a private dockerd, a real docker-registry with
// htpasswd auth, a real Git repository, the real caractrl -- and then a
// sweep of everything that run produced: no secret value may appear in any
// log line (server and agent, at debug level), any caractrl output (every
// report format of diff and sync, get, describe, seal, a refused apply),
// /metrics, the audit trail, the agent's state dir or the database file.
// Only the container's environment holds the value, which proves it did
// arrive where it belongs.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/log.h"
#include "support/agent_cluster.h"
#include "support/docker_daemon.h"
#include "support/docker_registry.h"
#include "support/eventually.h"
#include "support/git_repo.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

namespace fs = std::filesystem;

const char kDbPassword[] = "Hygiene-Db-Pa55-first";
const char kDbPassword2[] = "Hygiene-Db-Pa55-second";
const char kRegistryPassword[] = "Hygiene-Registry-Pa55";

// The test process's stderr (where the in-process server logs) into a file
// while it lives.
class StderrCapture {
 public:
  explicit StderrCapture(const std::string& path) : path_(path) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~StderrCapture() {
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
  }

 private:
  std::string path_;
  int saved_;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string PlainSecrets(const std::string& db_password, const DockerRegistry& registry) {
  return "apiVersion: caravanserai/v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n"
         "  user: app\n  password: " +
         db_password +
         "\n---\napiVersion: caravanserai/v1\nkind: Secret\nmetadata:\n  name: pull\n"
         "type: Registry\nstringData:\n  server: \"" +
         registry.host() + "\"\n  username: " + registry.username() +
         "\n  password: " + registry.password() + "\n";
}

std::string AppProject(const std::string& image) {
  return "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: app\nspec:\n"
         "  imagePullSecrets: [pull]\n  services:\n    - name: web\n      image: " +
         image +
         "\n      imagePullPolicy: Always\n"
         "      command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; httpd -f -p 80 -h /www & wait\"]\n"
         "      env:\n        - name: DB_PASSWORD\n          valueFrom:\n"
         "            secretKeyRef: {name: db, key: password}\n";
}

struct Outputs {
  std::vector<std::pair<std::string, std::string>> items;  // what, text
  void Add(const std::string& what, const ProcessResult& r) {
    items.emplace_back(what, r.out + r.err);
  }
  void Add(const std::string& what, const std::string& text) { items.emplace_back(what, text); }
};

TEST_CASE("No secret value appears in any log, report, problem, audit record, metric or file",
          "[secrets][hygiene][docker][registry]") {
  ::setenv("DEBUG", "true", 1);  // the agent logs at debug level
  SetLogLevel(LogLevel::kDebug);
  TempDir work;
  Outputs out;
  DockerDaemon& docker = DockerDaemon::Shared();
  docker.EnsureTestImage();
  DockerRegistry registry("hygiene", kRegistryPassword);
  const std::string image =
      registry.Push(docker, DockerDaemon::kTestImage, DockerDaemon::UniqueName("hygiene/app"));
  std::string server_log = work.path() + "/server.log";
  {
    StderrCapture capture(server_log);
    AgentCluster cluster;
    HttpClient api(cluster.url());
    auto ctl = [&](const std::string& what, std::vector<std::string> args) {
      ProcessResult r = cluster.RunCaractrl(std::move(args));
      out.Add(what, r);
      return r;
    };

    // Seal the plain manifests for Git; the plain file never enters the repo.
    std::ofstream(work.path() + "/plain.yaml") << PlainSecrets(kDbPassword, registry);
    ProcessResult sealed = ctl("seal", {"seal", "-f", work.path() + "/plain.yaml"});
    REQUIRE(sealed.exit_code == 0);
    GitRepo repo(work.path() + "/repo");
    repo.Write("secrets.yaml", sealed.out);
    repo.Write("app.yaml", AppProject(image));
    repo.Commit("app with sealed secrets");

    ProcessResult sync =
        ctl("sync", {"sync", "--repo", repo.dir(), "--wait", "--timeout", "90s", "-o", "json"});
    INFO(sync.out << sync.err << cluster.AgentLog());
    REQUIRE(sync.exit_code == 0);
    auto env_of_web = [&] {
      auto inspected = docker.Request("GET", "/v1.41/containers/app-web/json");
      return inspected.status == 200 ? nlohmann::json::parse(inspected.body)["Config"]["Env"]
                                     : nlohmann::json::array();
    };
    auto has_env = [&](const std::string& value) {
      for (const auto& e : env_of_web()) {
        if (e == "DB_PASSWORD=" + value) return true;
      }
      return false;
    };
    CHECK(has_env(kDbPassword));  // where it belongs

    for (const char* format : {"table", "json", "yaml", "markdown"}) {
      ctl(std::string("diff in sync -o ") + format, {"diff", "--repo", repo.dir(), "-o", format});
    }
    // A new value, sealed and committed: diff says it changed, sync rolls it out.
    std::ofstream(work.path() + "/plain.yaml") << PlainSecrets(kDbPassword2, registry);
    sealed = ctl("seal again", {"seal", "-f", work.path() + "/plain.yaml"});
    REQUIRE(sealed.exit_code == 0);
    repo.Write("secrets.yaml", sealed.out);
    repo.Commit("rotate the db password");
    for (const char* format : {"table", "json", "yaml", "markdown"}) {
      ProcessResult diff = ctl(std::string("diff after rotation -o ") + format,
                               {"diff", "--repo", repo.dir(), "-o", format});
      CHECK(diff.exit_code == 1);
      if (std::string(format) == "table") {
        CHECK(diff.out.find("(secret value changed)") != std::string::npos);
      }
    }
    sync = ctl("sync after rotation",
               {"sync", "--repo", repo.dir(), "--wait", "--timeout", "90s", "-o", "markdown"});
    REQUIRE(sync.exit_code == 0);
    CHECK(Eventually([&] { return has_env(kDbPassword2); }, std::chrono::seconds(60)));

    // The same sealed blob under another name: refused with a problem.
    std::string copy = sealed.out;
    copy.replace(copy.find("name: db"), 8, "name: db-copy");
    std::ofstream(work.path() + "/copy.yaml") << copy;
    ProcessResult refused =
        ctl("apply of a blob under another name", {"apply", "-f", work.path() + "/copy.yaml"});
    CHECK(refused.exit_code != 0);
    CHECK(refused.err.find("/sealedData/password") != std::string::npos);
    // A Secret refused for a bad key: the problem names the key, not the values.
    HttpResponse problem = api.PostJson(
        "/api/v1/secrets", {{"metadata", {{"name", "bad"}}},
                            {"stringData", {{"pass word", kDbPassword}, {"ok", kDbPassword2}}}});
    CHECK(problem.status == 400);
    CHECK(problem.body.find("/stringData/pass word") != std::string::npos);
    out.Add("problem", problem.body);

    for (std::vector<std::string> args : {std::vector<std::string>{"get", "secrets", "-o", "wide"},
                                          {"get", "secret", "db", "-o", "yaml"},
                                          {"get", "secret", "pull", "-o", "json"},
                                          {"describe", "secret", "db"},
                                          {"get", "project", "app", "-o", "yaml"},
                                          {"describe", "project", "app"},
                                          {"audit", "-o", "json"}}) {
      ctl(args[0] + " " + args[1], args);
    }
    out.Add("/metrics", api.Get("/metrics").body);
    out.Add("secret list", api.Get("/api/v1/secrets").body);
    out.Add("agent log", cluster.AgentLog());
    for (const auto& entry : fs::recursive_directory_iterator(cluster.dir())) {
      if (entry.is_regular_file() &&
          entry.path().string().find("agent-state") != std::string::npos) {
        out.Add("agent state " + entry.path().string(), ReadAll(entry.path()));
      }
    }
    for (const char* db : {"/cara.db", "/cara.db-wal"}) {
      const std::string path = cluster.server().data_dir() + db;
      if (fs::exists(path)) out.Add(std::string("database ") + db, ReadAll(path));
    }
  }
  SetLogLevel(LogLevel::kInfo);
  ::unsetenv("DEBUG");
  const std::string log = ReadAll(server_log);
  out.Add("server log", log);
  CHECK(log.find("secret") != std::string::npos);  // the server did log about secrets

  for (const auto& [what, text] : out.items) {
    for (const char* value : {kDbPassword, kDbPassword2, kRegistryPassword}) {
      INFO(what << " must not contain " << value);
      CHECK(text.find(value) == std::string::npos);
    }
  }
}

}  // namespace
}  // namespace cara::testing
