// sync --watch --notify with the real caractrl against a real server, a real
// Git repository and a real HTTP(S) receiver on loopback; the warning about
// uncommitted manifests of a local --repo.
#include <catch2/catch.hpp>

#include <signal.h>

#include <memory>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "security/pki.h"
#include "support/caractrl.h"
#include "support/eventually.h"
#include "support/file_contents.h"
#include "support/git_repo.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

using nlohmann::json;

// An incoming-webhook receiver: records every POST (path and body); answers
// 503 to the first `failures` of them.
class Receiver {
 public:
  explicit Receiver(int failures = 0, const security::Pki* tls = nullptr) : failures_(failures) {
    if (tls != nullptr) {
      server_ = std::make_unique<httplib::SSLServer>(tls->server_cert_file.c_str(),
                                                     tls->server_key_file.c_str());
    } else {
      server_ = std::make_unique<httplib::Server>();
    }
    server_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      if (failures_ > 0) {
        --failures_;
        ++refused_;
        res.status = 503;
        return;
      }
      posts_.push_back({req.path, req.body, req.get_header_value("Content-Type")});
      res.status = 204;
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
  }
  ~Receiver() {
    server_->stop();
    thread_.join();
  }

  struct Post {
    std::string path, body, content_type;
  };
  std::string url(const std::string& path, bool https = false) const {
    return std::string(https ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Post> posts() {
    std::lock_guard<std::mutex> lock(mu_);
    return posts_;
  }
  std::vector<json> bodies(const std::string& path) {
    std::vector<json> out;
    for (const Post& p : posts()) {
      if (p.path == path) out.push_back(json::parse(p.body));
    }
    return out;
  }
  int refused() {
    std::lock_guard<std::mutex> lock(mu_);
    return refused_;
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  int failures_;
  int refused_ = 0;
  std::vector<Post> posts_;
};

std::string ProjectYaml(const std::string& name, const std::string& image) {
  return "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " + name +
         "\nspec:\n  services:\n    - name: web\n      image: " + image + "\n";
}

// A repository with one project, and a sync --watch of it (every 200 ms)
// with `extra` flags; its log in test-logs.
struct Watch {
  TempDir tmp;
  GitRepo repo{tmp.path() + "/repo"};
  std::string log = TestLogPath("sync-notify");
  std::unique_ptr<BackgroundProcess> process;

  Watch(const TestServer& server, std::vector<std::string> extra,
        std::map<std::string, std::string> env = {}) {
    repo.Write("cluster/web.yaml", ProjectYaml("web", "nginx:1"));
    repo.Commit("first");
    std::vector<std::string> argv = {BuiltBinary("caractrl"),
                                     "--server",
                                     server.url(),
                                     "sync",
                                     "--watch",
                                     "--interval",
                                     "200ms",
                                     "--repo",
                                     "file://" + repo.dir(),
                                     "--path",
                                     "cluster"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    env["XDG_CACHE_HOME"] = tmp.path() + "/cache";
    process = std::make_unique<BackgroundProcess>(argv, CaractrlEnv(server.url(), env), log);
  }
  std::string Log() const { return ReadAll(log); }
  // Waits until `n` more rounds of kind `what` have been logged.
  bool AwaitMore(const std::string& what, size_t n) const {
    const size_t start = Occurrences(Log(), what);
    return Eventually([&] { return Occurrences(Log(), what) >= start + n; });
  }
  int Stop() {
    process->Signal(SIGTERM);
    return process->Wait();
  }
};

TEST_CASE(
    "sync --watch --notify posts one JSON summary per cycle that wrote, none for no-op "
    "cycles",
    "[notify-cli]") {
  TestServer server("sqlite");
  Receiver receiver;
  const std::string secret_path = "/hooks/T000/SECRET123";
  Watch w(server, {"--notify", receiver.url(secret_path), "--notify", receiver.url("/second")});
  INFO(w.Log());
  REQUIRE(Eventually([&] { return receiver.bodies(secret_path).size() == 1; }));
  json first = receiver.bodies(secret_path)[0];
  CHECK(first["apiVersion"] == "caractrl/v1");
  CHECK(first["kind"] == "SyncNotification");
  CHECK(first["source"] == "file://" + w.repo.dir() + "//cluster");
  CHECK(first["commit"] == Git(w.repo.dir(), {"rev-parse", "HEAD"}));
  CHECK(first["result"] == "synced");
  CHECK(first["cycle"] == 1);
  CHECK(first["durationSeconds"].is_number());
  CHECK(first["startedAt"].is_string());
  CHECK(first["actions"] == json::array({{{"action", "create"},
                                          {"kind", "Project"},
                                          {"name", "web"},
                                          {"outcome", "succeeded"},
                                          {"error", nullptr}}}));
  CHECK(first["summary"].get<std::string>().find("1 create") != std::string::npos);
  CHECK(receiver.posts()[0].content_type == "application/json");
  REQUIRE(Eventually([&] { return receiver.bodies("/second").size() == 1; }));

  // Rounds that find nothing to do send nothing.
  REQUIRE(w.AwaitMore("sync cycle: unchanged", 3));
  CHECK(receiver.posts().size() == 2);

  w.repo.Write("cluster/web.yaml", ProjectYaml("web", "nginx:2"));
  w.repo.Commit("new image");
  REQUIRE(Eventually([&] { return receiver.bodies(secret_path).size() == 2; }));
  json second = receiver.bodies(secret_path)[1];
  CHECK(second["actions"][0]["action"] == "update");
  CHECK(second["cycle"].get<int>() > 1);
  REQUIRE(w.AwaitMore("sync cycle: unchanged", 3));
  CHECK(receiver.bodies(secret_path).size() == 2);

  CHECK(w.Stop() == 0);
  // The receiver's path is its secret: never logged.
  CHECK(w.Log().find("SECRET123") == std::string::npos);
}

TEST_CASE(
    "notify: --notify-format slack posts JSON text, retries a failing receiver and reports a "
    "failure once",
    "[notify-cli]") {
  TestServer server("sqlite");
  Receiver receiver(/*failures=*/1);
  Watch w(server, {"--notify", receiver.url("/slack"), "--notify-format", "slack"});
  INFO(w.Log());
  // The first try met a 503; the retry a second later went through.
  REQUIRE(Eventually([&] { return receiver.bodies("/slack").size() == 1; }));
  CHECK(receiver.refused() == 1);
  CHECK(w.Log().find("notification failed, will retry") != std::string::npos);
  json synced = receiver.bodies("/slack")[0];
  REQUIRE(synced.size() == 1);
  std::string text = synced["text"];
  CHECK(text.find("cycle 1 synced") != std::string::npos);
  CHECK(text.find("`file://" + w.repo.dir() + "//cluster`") != std::string::npos);

  // A broken commit fails every round; the receiver hears it once.
  w.repo.Write("cluster/web.yaml", "kind: Project\nmetadata: [broken\n");
  w.repo.Commit("broken");
  REQUIRE(Eventually([&] { return receiver.bodies("/slack").size() == 2; }));
  CHECK(receiver.bodies("/slack")[1]["text"].get<std::string>().find("failed at commit") !=
        std::string::npos);
  REQUIRE(w.AwaitMore("sync cycle skipped: source unusable", 3));
  CHECK(receiver.bodies("/slack").size() == 2);
  CHECK(w.Stop() == 0);
}

TEST_CASE(
    "notify: --notify over https trusts the system CAs (SSL_CERT_FILE), and an untrusted "
    "receiver is logged, never fatal",
    "[notify-cli]") {
  TestServer server("sqlite");
  TempDir trusted_dir, stranger_dir;
  security::Pki trusted = security::EnsurePki(trusted_dir.path(), {}).value();
  security::Pki stranger = security::EnsurePki(stranger_dir.path(), {}).value();
  Receiver good(0, &trusted), bad(0, &stranger);
  Watch w(server, {"--notify", good.url("/ok", true), "--notify", bad.url("/no", true)},
          {{"SSL_CERT_FILE", trusted.ca_cert_file}});
  INFO(w.Log());
  REQUIRE(Eventually([&] { return good.bodies("/ok").size() == 1; }));
  CHECK(good.bodies("/ok")[0]["result"] == "synced");
  REQUIRE(
      Eventually([&] { return w.Log().find("notification not delivered") != std::string::npos; }));
  CHECK(w.Log().find("certificate") != std::string::npos);
  CHECK(bad.posts().empty());
  CHECK(w.process->running());
  CHECK(w.Stop() == 0);
}

TEST_CASE("notify: --notify flags are checked before anything runs", "[notify-cli]") {
  TestServer server("sqlite");
  TempDir dir;
  auto run = [&](std::vector<std::string> flags) {
    std::vector<std::string> args = {"sync", dir.path()};
    args.insert(args.end(), flags.begin(), flags.end());
    return RunCaractrl(server, args);
  };
  ProcessResult no_watch = run({"--notify", "http://127.0.0.1:9/x"});
  CHECK(no_watch.exit_code == 2);
  CHECK(no_watch.err.find("--notify: needs --watch") != std::string::npos);
  ProcessResult scheme = run({"--watch", "--notify", "ftp://example.com/hook/SECRET9"});
  CHECK(scheme.exit_code == 2);
  CHECK(scheme.err.find("--notify: not an http(s) URL: scheme ftp") != std::string::npos);
  CHECK(scheme.err.find("SECRET9") == std::string::npos);
  ProcessResult userinfo = run({"--watch", "--notify", "https://u:pw@example.com/x"});
  CHECK(userinfo.exit_code == 2);
  CHECK(userinfo.err.find("user:password@") != std::string::npos);
  ProcessResult format =
      run({"--watch", "--notify", "http://127.0.0.1:9/", "--notify-format", "xml"});
  CHECK(format.exit_code == 2);
  CHECK(format.err.find("--notify-format: must be json or slack") != std::string::npos);
  ProcessResult lone = run({"--watch", "--notify-format", "slack"});
  CHECK(lone.exit_code == 2);
  CHECK(lone.err.find("--notify-format: needs --notify") != std::string::npos);
}

TEST_CASE("a local --repo with uncommitted manifest changes gets a warning naming them",
          "[notify-cli]") {
  TestServer server("sqlite");
  TempDir tmp;
  GitRepo repo(tmp.path() + "/repo");
  repo.Write("cluster/web.yaml", ProjectYaml("web", "nginx:1"));
  repo.Write("cluster/api.yaml", ProjectYaml("api", "api:1"));
  repo.Commit("first");
  std::vector<std::string> source = {"--repo", repo.dir(), "--path", "cluster"};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), source.begin(), source.end());
    return RunCaractrl(server, args);
  };
  CHECK(run({"diff"}).err.find("uncommitted") == std::string::npos);

  repo.Write("cluster/web.yaml", ProjectYaml("web", "nginx:edited"));
  repo.Write("cluster/new.yaml", ProjectYaml("new", "nginx:1"));
  repo.Write("cluster/notes.txt", "not a manifest\n");
  const std::string warning = "warning: uncommitted changes to 2 manifest(s) in " + repo.dir() +
                              " are not read (diff and sync read the commit): cluster/new.yaml "
                              "(untracked), cluster/web.yaml (modified)\n";
  ProcessResult diff = run({"diff"});
  CHECK(diff.err.find(warning) != std::string::npos);
  ProcessResult sync = run({"sync"});
  INFO(sync.out << sync.err);
  CHECK(sync.exit_code == 0);
  CHECK(sync.err.find(warning) != std::string::npos);
  // What was synced is the commit.
  ProcessResult get = RunCaractrl(server, {"get", "project", "web", "-o", "json"});
  CHECK(json::parse(get.out)["spec"]["services"][0]["image"] == "nginx:1");
  CHECK(RunCaractrl(server, {"get", "project", "new"}).exit_code != 0);
  // A file:// URL is a remote: read through its own clone, no work tree to warn about.
  ProcessResult remote =
      RunCaractrl(server, {"diff", "--repo", "file://" + repo.dir(), "--path", "cluster"});
  CHECK(remote.err.find("uncommitted") == std::string::npos);

  // sync --watch logs it when the set of files changes, not every cycle.
  const std::string log = TestLogPath("sync-uncommitted");
  BackgroundProcess watch({BuiltBinary("caractrl"), "--server", server.url(), "sync", "--watch",
                           "--interval", "200ms", "--repo", repo.dir(), "--path", "cluster"},
                          CaractrlEnv(server.url()), log);
  INFO(ReadAll(log));
  auto cycles = [&] { return Occurrences(ReadAll(log), "msg=\"sync cycle"); };
  REQUIRE(Eventually([&] { return cycles() >= 3; }));
  CHECK(Occurrences(ReadAll(log), "msg=\"uncommitted manifests\"") == 1);
  CHECK(ReadAll(log).find("cluster/web.yaml (modified)") != std::string::npos);
  repo.Write("cluster/api.yaml", ProjectYaml("api", "api:edited"));
  REQUIRE(
      Eventually([&] { return Occurrences(ReadAll(log), "msg=\"uncommitted manifests\"") == 2; }));
  CHECK(ReadAll(log).find("uncommitted changes to 3 manifest(s)") != std::string::npos);
  watch.Signal(SIGTERM);
  CHECK(watch.Wait() == 0);
}

}  // namespace
}  // namespace cara::testing
