// sync --watch with --webhook-listen and --metrics-listen: the real caractrl
// binary against a real cara-server, following a real bare repository that
// the test pushes to with git, webhooks and scrapes over real HTTP(S).
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>

#include "common/hex.h"
#include "security/pki.h"
#include "security/webhook_signature.h"
#include "support/caractrl.h"
#include "support/eventually.h"
#include "support/git_repo.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

namespace fs = std::filesystem;
constexpr char kSecret[] = "webhook-secret-7f3a";

std::string ProjectYaml(const std::string& name) {
  return "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " + name +
         "\nspec:\n  services:\n    - name: web\n      image: nginx:1.27\n";
}

// A bare repository on branch main, and a clone that pushes to it.
struct PushedRepo {
  TempDir tmp;
  std::string bare = tmp.path() + "/cluster.git";
  GitRepo work{tmp.path() + "/work"};

  PushedRepo() {
    fs::create_directories(bare);
    Git(bare, {"init", "--bare", "--initial-branch", "main"});
    work.Write("cluster/web.yaml", ProjectYaml("web"));
    work.Commit("first");
    Git(work.dir(), {"remote", "add", "origin", bare});
    Git(work.dir(), {"push", "origin", "main"});
  }
  // Commits `text` as `path` and pushes it; the new commit.
  std::string Push(const std::string& path, const std::string& text) {
    work.Write(path, text);
    std::string sha = work.Commit("add " + path);
    Git(work.dir(), {"push", "origin", "main"});
    return sha;
  }
};

// What GitHub posts for a push (abridged), for a repository at `clone_url`.
std::string GitHubPush(const std::string& ref, const std::string& sha,
                       const std::string& clone_url) {
  return nlohmann::json{
      {"ref", ref},
      {"after", sha},
      {"repository",
       {{"full_name", "ops/cluster"}, {"default_branch", "main"}, {"clone_url", clone_url}}},
      {"pusher", {{"name", "ci"}}}}
      .dump();
}

httplib::Headers Signed(const std::string& secret, const std::string& body,
                        const std::string& event = "push") {
  std::string mac = security::HmacSha256(secret, body);
  return {{"X-GitHub-Event", event},
          {"X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
          {"X-Hub-Signature-256",
           "sha256=" + LowerHex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size())}};
}

// caractrl sync --watch in the background, with its log.
class Watcher {
 public:
  Watcher(const TestServer& server, std::vector<std::string> args,
          std::map<std::string, std::string> env)
      : log_path_(TestLogPath("sync-webhook")),
        process_(Command(server, std::move(args)), CaractrlEnv(server.url(), std::move(env)),
                 log_path_) {}

  std::string Log() const {
    std::ifstream in(log_path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // "http://127.0.0.1:PORT" of a listener, from its "... listening" log line.
  std::string ListenerUrl(const std::string& what, const std::string& scheme = "http") const {
    const std::regex line("msg=\"" + what + " listening\" address=([0-9.]+:[0-9]+)");
    std::smatch m;
    std::string log;
    bool found = Eventually([&] {
      log = Log();
      return std::regex_search(log, m, line);
    });
    INFO(log);
    REQUIRE(found);
    return scheme + "://" + m[1].str();
  }
  BackgroundProcess& process() { return process_; }

 private:
  static std::vector<std::string> Command(const TestServer& server, std::vector<std::string> args) {
    args.insert(args.begin(), {BuiltBinary("caractrl"), "--server", server.url(), "sync"});
    return args;
  }
  std::string log_path_;
  BackgroundProcess process_;
};

// The value of one sample, or -1 when the metrics have no such line.
double Sample(const std::string& metrics, const std::string& series) {
  size_t at = metrics.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + series.size() + 2));
}

double CyclesTotal(const std::string& metrics) {
  double total = 0;
  for (const char* outcome :
       {"synced", "unchanged", "suspended", "source_unusable", "cluster_unreachable"}) {
    total += Sample(metrics, std::string("cara_sync_cycles_total{outcome=\"") + outcome + "\"}");
  }
  return total;
}

std::string Scrape(const std::string& metrics_url) {
  HttpClient client(metrics_url);
  HttpResponse r = client.Get("/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.content_type() == "text/plain; version=0.0.4; charset=utf-8");
  return r.body;
}

}  // namespace

TEST_CASE("a signed push webhook starts a round at once, and a bad signature starts nothing",
          "[webhook-cli]") {
  TestServer server("sqlite");
  PushedRepo repo;
  Watcher watch(server,
                {"--watch", "--interval", "1h", "--repo", repo.bare, "--ref", "main", "--path",
                 "cluster", "--webhook-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"},
                {{"CARA_WEBHOOK_SECRET", kSecret}});
  HttpClient api(server.url());
  HttpClient hook(watch.ListenerUrl("webhook listener"));
  const std::string metrics_url = watch.ListenerUrl("metrics listener");
  INFO(watch.Log());
  REQUIRE(Eventually([&] { return api.Get("/api/v1/projects/web").status == 200; }));
  REQUIRE(Eventually([&] { return CyclesTotal(Scrape(metrics_url)) == 1; }));

  const std::string sha = repo.Push("cluster/late.yaml", ProjectYaml("late"));
  const std::string push = GitHubPush("refs/heads/main", sha, "file://" + repo.bare);

  // Refused before anything else is looked at; the metrics count each one
  // synchronously, before the answer, and no accepted push means no poke.
  CHECK(hook.Send("POST", "/", push, "application/json", Signed("wrong", push)).status == 401);
  CHECK(hook.Send("POST", "/", push, "application/json", {{"X-GitHub-Event", "push"}}).status ==
        401);
  CHECK(hook.Send("POST", "/", push, "application/json", {{"X-Gitlab-Token", "webhook"}}).status ==
        401);
  // Verified, but not ours: answered and ignored.
  CHECK(hook.Send("POST", "/", "{}", "application/json", Signed(kSecret, "{}", "ping")).status ==
        200);
  const std::string dev = GitHubPush("refs/heads/dev", sha, "file://" + repo.bare);
  HttpResponse ignored = hook.Send("POST", "/", dev, "application/json", Signed(kSecret, dev));
  CHECK(ignored.status == 202);
  CHECK(ignored.json["result"] == "ignored");
  std::string metrics = Scrape(metrics_url);
  CHECK(Sample(metrics, "cara_sync_webhook_requests_total{result=\"unauthorized\"}") == 3);
  CHECK(Sample(metrics, "cara_sync_webhook_requests_total{result=\"ignored\"}") == 2);
  CHECK(Sample(metrics, "cara_sync_webhook_requests_total{result=\"accepted\"}") == 0);
  CHECK(CyclesTotal(metrics) == 1);
  CHECK(api.Get("/api/v1/projects/late").status == 404);

  // With an hour to the next round, only the webhook can bring this in.
  const auto posted = std::chrono::steady_clock::now();
  HttpResponse accepted = hook.Send("POST", "/", push, "application/json", Signed(kSecret, push));
  CHECK(accepted.status == 202);
  CHECK(accepted.json["result"] == "accepted");
  CHECK(Eventually([&] { return api.Get("/api/v1/projects/late").status == 200; },
                   std::chrono::seconds(1)));
  INFO("live after " << std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - posted)
                            .count()
                     << " ms");
  REQUIRE(Eventually([&] { return CyclesTotal(Scrape(metrics_url)) == 2; }));
  metrics = Scrape(metrics_url);
  CHECK(Sample(metrics, "cara_sync_webhook_requests_total{result=\"accepted\"}") == 1);
  CHECK(Sample(metrics, "cara_sync_actions_total{action=\"create\"}") == 2);
  CHECK(Sample(metrics, "cara_sync_last_cycle_result{result=\"synced\"}") == 1);
  CHECK(metrics.find("commit=\"" + sha + "\"") != std::string::npos);

  HttpClient scraper(metrics_url);
  CHECK(scraper.Get("/").status == 404);
  CHECK(scraper.Send("POST", "/metrics", "").status == 405);
  CHECK(hook.Get("/").status == 405);

  // promtool (Debian's prometheus package) lints what Prometheus scrapes.
  ProcessResult lint = RunProcess({"/usr/bin/promtool", "check", "metrics"}, {}, metrics);
  INFO("promtool exit 127: install Debian's prometheus (contrib/install-deps.sh)");
  INFO(lint.out << lint.err);
  CHECK(lint.exit_code == 0);

  watch.process().Signal(SIGTERM);
  CHECK(watch.process().Wait() == 0);
  CHECK(watch.Log().find(kSecret) == std::string::npos);
}

TEST_CASE("the webhook listener serves HTTPS with the secret from --webhook-secret-file",
          "[webhook-cli]") {
  TestServer server("sqlite");
  PushedRepo repo;
  TempDir tls;
  auto pki = security::EnsurePki(tls.path(), {});
  REQUIRE(pki.ok());
  std::ofstream(tls.path() + "/secret") << kSecret << "\n";
  Watcher watch(
      server,
      {"--watch", "--interval", "1h", "--repo", "file://" + repo.bare, "--path", "cluster",
       "--webhook-listen", "127.0.0.1:0", "--webhook-secret-file", tls.path() + "/secret",
       "--webhook-tls-cert", pki->server_cert_file, "--webhook-tls-key", pki->server_key_file},
      {{"CARA_WEBHOOK_SECRET", "not-this-one"}, {"XDG_CACHE_HOME", tls.path()}});
  const std::string url = watch.ListenerUrl("webhook listener", "https");
  HttpClient api(server.url());
  INFO(watch.Log());
  REQUIRE(Eventually([&] { return api.Get("/api/v1/projects/web").status == 200; }));

  net::ClientCredentials trust;
  trust.tls.ca_file = pki->ca_cert_file;
  HttpClient hook(url, trust);
  const std::string sha = repo.Push("cluster/late.yaml", ProjectYaml("late"));
  const std::string push = GitHubPush("refs/heads/main", sha, "file://" + repo.bare);
  CHECK(hook.Send("POST", "/", push, "application/json", Signed("not-this-one", push)).status ==
        401);
  CHECK(hook.Send("POST", "/", push, "application/json", Signed(kSecret, push)).status == 202);
  CHECK(Eventually([&] { return api.Get("/api/v1/projects/late").status == 200; }));

  // Plain HTTP gets no answer from the TLS listener.
  HttpClient plain("http://" + url.substr(std::string("https://").size()));
  CHECK(plain.Send("POST", "/", push, "application/json", Signed(kSecret, push)).status == 0);

  watch.process().Signal(SIGTERM);
  CHECK(watch.process().Wait() == 0);
}

TEST_CASE("webhook and metrics flags are checked before anything runs", "[webhook-cli]") {
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort());
  TempDir dir;
  auto run = [&](std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), {BuiltBinary("caractrl"), "--server", nowhere, "sync"});
    return RunProcess(args, CaractrlEnv(nowhere, std::move(env)));
  };
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--repo", dir.path(), "--webhook-listen", ":9000"}, "--webhook-listen needs --watch"},
      {{"--repo", dir.path(), "--metrics-listen", ":9100"}, "--metrics-listen needs --watch"},
      {{"--repo", dir.path(), "--watch", "--webhook-listen", ":9000"},
       "--webhook-listen needs a secret: set CARA_WEBHOOK_SECRET or --webhook-secret-file"},
      {{"--repo", dir.path(), "--watch", "--webhook-listen", ":9000", "--webhook-secret-file",
        dir.path() + "/none"},
       "--webhook-secret-file: cannot read " + dir.path() + "/none"},
      {{"--repo", dir.path(), "--watch", "--webhook-listen", "localhost:9000"},
       "--webhook-listen: want IP:PORT or :PORT (e.g. 127.0.0.1:9000), not localhost:9000"},
      {{"--repo", dir.path(), "--watch", "--metrics-listen", "9100"}, "--metrics-listen: "},
      {{"--repo", dir.path(), "--watch", "--webhook-listen", ":9000", "--webhook-tls-cert", "c"},
       "--webhook-tls-cert and --webhook-tls-key go together"},
      {{dir.path(), "--watch", "--webhook-listen", ":9000"}, "--webhook-listen needs a Git --repo"},
      {{"--repo", dir.path(), "--watch", "--webhook-secret-file", "s"},
       "--webhook-secret-file and --webhook-tls-* need --webhook-listen"},
  };
  for (const auto& [args, message] : cases) {
    ProcessResult r = run(args, {{"CARA_WEBHOOK_SECRET", ""}});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(message) != std::string::npos);
  }
  // A listener that cannot bind ends the watch before its first round.
  TestServer server("sqlite");
  PushedRepo repo;
  const std::string busy = "127.0.0.1:" + std::to_string(server.port());
  ProcessResult r = RunCaractrl(server, {"sync", "--watch", "--repo", repo.bare, "--path",
                                         "cluster", "--metrics-listen", busy});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("metrics listener: ") != std::string::npos);
  CHECK(HttpClient(server.url()).Get("/api/v1/projects/web").status == 404);
}

}  // namespace cara::testing
