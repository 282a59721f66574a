// caractrl diff and sync, run as the real binary against a
// real cara-server on loopback, reading real Git repositories and directories.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "api/types.h"
#include "common/status.h"
#include "gitops/manifest_source.h"
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
using nlohmann::json;

ProcessResult Caractrl(const std::string& server_url, std::vector<std::string> args) {
  args.insert(args.begin(), {BuiltBinary("caractrl"), "--server", server_url});
  return RunProcess(args, CaractrlEnv(server_url, {{"NO_COLOR", "1"}}));
}
ProcessResult Caractrl(const TestServer& server, std::vector<std::string> args) {
  return Caractrl(server.url(), std::move(args));
}

std::string NodeYaml(const std::string& name, bool unschedulable = false) {
  return "apiVersion: caravanserai/v1\nkind: Node\nmetadata:\n  name: " + name +
         "\nspec:\n  unschedulable: " + (unschedulable ? "true" : "false") + "\n";
}

std::string ProjectYaml(const std::string& name, const std::string& image = "nginx:1.27",
                        const std::string& extra_spec = "", const std::string& annotations = "") {
  std::string meta = "metadata:\n  name: " + name + "\n  labels:\n    app: " + name + "\n";
  if (!annotations.empty()) meta += "  annotations:\n" + annotations;
  return "apiVersion: caravanserai/v1\nkind: Project\n" + meta +
         "spec:\n  services:\n    - name: web\n      image: " + image + "\n" + extra_spec;
}

// The mutating actions of a JSON report, as "update Project/web".
std::set<std::string> Changes(const ProcessResult& r) {
  INFO(r.out << r.err);
  json report = json::parse(r.out);
  std::set<std::string> out;
  for (const auto& a : report["actions"]) {
    if (a["mutates"].get<bool>()) {
      out.insert(a["action"].get<std::string>() + " " + a["kind"].get<std::string>() + "/" +
                 a["name"].get<std::string>());
    }
  }
  return out;
}

const json* FindAction(const json& report, const std::string& name) {
  for (const auto& a : report["actions"]) {
    if (a["name"] == name) return &a;
  }
  return nullptr;
}

// Requests the server has answered, not counting /metrics itself.
long RequestCount(const TestServer& server) {
  HttpClient api(server.url());
  auto r = api.Get("/metrics");
  long total = 0;
  // Greedy: a route label may hold braces ("/api/v1/sources/{name}").
  std::regex line(R"(^cara_http_requests_total\{(.*)\} (\d+)$)");
  std::istringstream in(r.body);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_match(l, m, line) && m[1].str().find("/metrics") == std::string::npos) {
      total += std::stol(m[2].str());
    }
  }
  return total;
}

// A Git repository with two nodes and two projects.
struct ClusterRepo {
  TempDir tmp;
  GitRepo repo{tmp.path() + "/repo"};
  std::string first;
  ClusterRepo() {
    repo.Write("cluster/nodes.yaml", NodeYaml("node-1") + "---\n" + NodeYaml("node-2"));
    repo.Write("cluster/projects/web.yaml", ProjectYaml("web"));
    repo.Write("cluster/projects/api.yaml", ProjectYaml("api", "api:1"));
    repo.Write("README.md", "not a manifest\n");
    first = repo.Commit("first");
  }
  std::vector<std::string> Args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"--repo", repo.dir(), "--path", "cluster"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
};

std::vector<std::string> Cmd(std::vector<std::string> head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

}  // namespace

TEST_CASE("sync creates everything from a Git repository and diff then finds nothing",
          "[gitops-cli]") {
  auto backend = GENERATE(from_range(AllBackends()));
  INFO(backend);
  TestServer server(backend);
  ClusterRepo c;

  auto diff = Caractrl(server, Cmd({"diff", "-o", "json"}, c.Args()));
  CHECK(diff.exit_code == 1);
  json report = json::parse(diff.out);
  CHECK(report["apiVersion"] == "caractrl/v1");
  CHECK(report["source"]["commit"] == c.first);
  CHECK(report["summary"]["create"] == 4);

  long before = RequestCount(server);
  auto sync = Caractrl(server, Cmd({"sync"}, c.Args()));
  INFO(sync.out << sync.err);
  REQUIRE(sync.exit_code == 0);
  // One list per kind (nodes, projects, secrets) plus one write per object,
  // one look at whether the source is suspended and the record of the run.
  CHECK(RequestCount(server) - before == 3 + 4 + 2);
  CHECK(sync.out.find(c.first.substr(0, 12)) != std::string::npos);

  before = RequestCount(server);
  auto again = Caractrl(server, Cmd({"diff"}, c.Args()));
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK(RequestCount(server) - before == 3);

  HttpClient api(server.url());
  auto web = api.Get("/api/v1/projects/web").json;
  CHECK(web["metadata"]["labels"]["caravanserai.io/managed-by"] == "caractrl");
  CHECK(web["metadata"]["annotations"]["caravanserai.io/source"] ==
        fs::canonical(c.repo.dir()).string() + "//cluster");
  CHECK(api.Get("/api/v1/nodes/node-2").json["spec"]["hostname"] == "node-2");
}

TEST_CASE("a commit that edits, adds and removes manifests plans exactly those actions",
          "[gitops-cli]") {
  TestServer server("sqlite");
  ClusterRepo c;
  REQUIRE(Caractrl(server, Cmd({"sync"}, c.Args())).exit_code == 0);

  c.repo.Write("cluster/projects/web.yaml", ProjectYaml("web", "nginx:1.28"));
  c.repo.Write("cluster/projects/db.yaml", ProjectYaml("db", "postgres:16"));
  c.repo.Remove("cluster/projects/api.yaml");
  c.repo.Write("cluster/nodes.yaml", NodeYaml("node-1") + "---\n" + NodeYaml("node-2", true));
  std::string second = c.repo.Commit("second");

  auto dry = Caractrl(server, Cmd({"sync", "--dry-run"}, c.Args()));
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("Dry run, nothing was changed.") != std::string::npos);
  CHECK(HttpClient(server.url()).Get("/api/v1/projects/db").status == 404);

  auto diff = Caractrl(server, Cmd({"diff", "-o", "json"}, c.Args()));
  CHECK(diff.exit_code == 1);
  CHECK(Changes(diff) == std::set<std::string>{"update Project/web", "create Project/db",
                                               "delete Project/api", "drain Node/node-2"});
  json report = json::parse(diff.out);
  const json* web = FindAction(report, "web");
  REQUIRE(web != nullptr);
  REQUIRE((*web)["changes"].size() == 1);
  CHECK((*web)["changes"][0]["path"] == "spec.services[web].image");
  CHECK((*web)["changes"][0]["before"] == "nginx:1.27");
  CHECK((*web)["changes"][0]["after"] == "nginx:1.28");

  // The human diff shows the changed line.
  auto text = Caractrl(server, Cmd({"diff"}, c.Args()));
  CHECK(std::regex_search(text.out, std::regex(R"(\n *- +- image: nginx:1\.27\n)")));
  CHECK(std::regex_search(text.out, std::regex(R"(\n *\+ +- image: nginx:1\.28\n)")));

  auto sync = Caractrl(server, Cmd({"sync", "-o", "json"}, c.Args()));
  INFO(sync.out << sync.err);
  REQUIRE(sync.exit_code == 0);
  json result = json::parse(sync.out);
  CHECK(result["kind"] == "SyncReport");
  CHECK(result["source"]["commit"] == second);
  CHECK(result["summary"]["failed"] == 0);

  auto after = Caractrl(server, Cmd({"diff"}, c.Args()));
  INFO(after.out);
  CHECK(after.exit_code == 0);
  HttpClient api(server.url());
  CHECK(api.Get("/api/v1/nodes/node-2").json["status"]["state"] == "Draining");
  CHECK(api.Get("/api/v1/projects/web").json["spec"]["services"][0]["image"] == "nginx:1.28");
}

TEST_CASE("diff --base compares two revisions with no server at all", "[gitops-cli]") {
  ClusterRepo c;
  c.repo.Write("cluster/projects/web.yaml", ProjectYaml("web", "nginx:1.28"));
  c.repo.Remove("cluster/projects/api.yaml");
  std::string second = c.repo.Commit("second");
  std::string nowhere = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort());

  auto diff = Caractrl(nowhere, Cmd({"diff", "-o", "json", "--base", c.first}, c.Args()));
  CHECK(diff.exit_code == 1);
  CHECK(Changes(diff) == std::set<std::string>{"update Project/web", "delete Project/api"});
  json report = json::parse(diff.out);
  CHECK(report["source"]["baseCommit"] == c.first);
  CHECK(report["source"]["commit"] == second);
  for (const json& a : report["actions"]) CHECK_FALSE(a.contains("phase"));  // nothing is live

  auto same = Caractrl(nowhere, Cmd({"diff", "--base", second, "--ref", second}, c.Args()));
  INFO(same.out << same.err);
  CHECK(same.exit_code == 0);

  auto md = Caractrl(nowhere, Cmd({"diff", "-o", "markdown", "--base", "HEAD~1"}, c.Args()));
  CHECK(md.exit_code == 1);
  CHECK(md.out.find("```diff") != std::string::npos);
  CHECK(md.out.find("project/web") != std::string::npos);
}

TEST_CASE("sync repairs drift made by hand", "[gitops-cli]") {
  TestServer server("sqlite");
  ClusterRepo c;
  REQUIRE(Caractrl(server, Cmd({"sync"}, c.Args())).exit_code == 0);
  HttpClient api(server.url());
  json web = api.Get("/api/v1/projects/web").json;
  web["spec"]["services"][0]["image"] = "nginx:hacked";
  web["metadata"]["labels"]["extra"] = "x";
  REQUIRE(api.PutJson("/api/v1/projects/web", web).status == 200);

  auto diff = Caractrl(server, Cmd({"diff", "-o", "json"}, c.Args()));
  CHECK(diff.exit_code == 1);
  // The source did not change since sync applied it: the update is a drift repair.
  CHECK(Changes(diff) == std::set<std::string>{"drift Project/web"});
  REQUIRE(Caractrl(server, Cmd({"sync"}, c.Args())).exit_code == 0);
  web = api.Get("/api/v1/projects/web").json;
  CHECK(web["spec"]["services"][0]["image"] == "nginx:1.27");
  CHECK_FALSE(web["metadata"]["labels"].contains("extra"));
  CHECK(Caractrl(server, Cmd({"diff"}, c.Args())).exit_code == 0);
}

TEST_CASE("invalid manifests are all reported with positions and nothing is applied",
          "[gitops-cli]") {
  TestServer server("sqlite");
  TempDir dir;
  std::ofstream(dir.path() + "/good.yaml") << ProjectYaml("good");
  std::ofstream(dir.path() + "/bad.yaml")
      << "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: bad\nspec:\n"
         "  services:\n    - name: web\n      image: 7\n";
  std::ofstream(dir.path() + "/broken.yaml") << "kind: [unclosed\n";
  auto sync = Caractrl(server, {"sync", dir.path()});
  INFO(sync.err);
  CHECK(sync.exit_code == 2);
  CHECK(sync.err.find("bad.yaml:8:14: /spec/services/0/image:") != std::string::npos);
  CHECK(sync.err.find("broken.yaml:") != std::string::npos);
  CHECK(sync.err.find("2 error(s) in manifests; nothing was applied") != std::string::npos);
  HttpClient api(server.url());
  CHECK(api.Get("/api/v1/projects/good").status == 404);
  CHECK(Caractrl(server, {"diff", dir.path()}).exit_code == 2);
  CHECK(Caractrl(server, {"sync", dir.path() + "/missing"}).exit_code == 2);
}

TEST_CASE("prune guards: empty source, --max-delete, --no-prune and prune: disabled",
          "[gitops-cli]") {
  TestServer server("sqlite");
  TempDir dir;
  for (int i = 0; i < 12; ++i) {
    std::string name = "p" + std::to_string(i);
    std::string annotations = i == 0 ? "    caravanserai.io/prune: disabled\n" : "";
    std::ofstream(dir.path() + "/" + name + ".yaml")
        << ProjectYaml(name, "nginx:1", "", annotations);
  }
  REQUIRE(Caractrl(server, {"sync", dir.path()}).exit_code == 0);
  HttpClient api(server.url());
  auto count = [&] { return api.Get("/api/v1/projects").json["items"].size(); };

  SECTION("an empty source is refused") {
    for (int i = 0; i < 12; ++i) fs::remove(dir.path() + "/p" + std::to_string(i) + ".yaml");
    auto r = Caractrl(server, {"sync", dir.path()});
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("--allow-empty") != std::string::npos);
    CHECK(count() == 12);
    auto allowed = Caractrl(server, {"sync", dir.path(), "--allow-empty", "--max-delete", "20"});
    INFO(allowed.out << allowed.err);
    CHECK(allowed.exit_code == 0);
    // p0 is protected; the other eleven are deleted (never scheduled: at once).
    auto skipped = Caractrl(server, {"diff", dir.path(), "--allow-empty", "-o", "json"});
    json report = json::parse(skipped.out);
    const json* p0 = FindAction(report, "p0");
    REQUIRE(p0 != nullptr);
    CHECK((*p0)["action"] == "skip");
    CHECK(api.Get("/api/v1/projects/p0").json["status"]["phase"] != "Terminating");
    CHECK(api.Get("/api/v1/projects/p1").status == 404);
  }
  SECTION("more deletions than --max-delete are refused") {
    for (int i = 1; i < 12; ++i) fs::remove(dir.path() + "/p" + std::to_string(i) + ".yaml");
    auto r = Caractrl(server, {"sync", dir.path()});
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("the plan deletes 11 objects, more than the limit of 10") !=
          std::string::npos);
    CHECK(Caractrl(server, {"sync", dir.path(), "--max-delete", "5", "--dry-run"}).exit_code == 3);
    auto no_prune = Caractrl(server, {"sync", dir.path(), "--no-prune"});
    CHECK(no_prune.exit_code == 0);
    for (int i = 0; i < 12; ++i) {
      CHECK(api.Get("/api/v1/projects/p" + std::to_string(i)).json["status"]["phase"] == "Pending");
    }
  }
}

TEST_CASE("prune leaves alone what sync does not own, and nodes still in use", "[gitops-cli]") {
  TestServer server("sqlite");
  TempDir dir;
  std::ofstream(dir.path() + "/nodes.yaml") << NodeYaml("node-1") << "---\n" << NodeYaml("node-2");
  std::ofstream(dir.path() + "/web.yaml") << ProjectYaml("web");
  REQUIRE(Caractrl(server, {"sync", dir.path()}).exit_code == 0);
  HttpClient api(server.url());

  // A CI preview made with apply survives every sync.
  TempDir other;
  std::ofstream(other.path() + "/preview.yaml") << ProjectYaml("web-pr-7");
  REQUIRE(Caractrl(server, {"apply", "-f", other.path() + "/preview.yaml", "--expire-in", "72h"})
              .exit_code == 0);
  // Another source's object is never touched, even with the same name in ours.
  REQUIRE(Caractrl(server, {"sync", other.path(), "--source-id", "other"}).exit_code == 0);
  std::ofstream(dir.path() + "/web-pr-7.yaml") << ProjectYaml("web-pr-7", "nginx:2");

  // node-2 goes from the source while a project is assigned to it.
  std::ofstream(dir.path() + "/nodes.yaml") << NodeYaml("node-1");
  // As the scheduler would (there is no API to assign a project).
  auto assign = [&](const std::string& node) {
    REQUIRE(server.store()
                .UpdateProject("web",
                               [&](api::Project& p) {
                                 p.status.node_ref = node;
                                 return Status::Ok();
                               })
                .ok());
  };
  assign("node-2");

  auto diff = Caractrl(server, {"diff", dir.path(), "--prune-nodes", "-o", "json"});
  INFO(diff.out);
  json report = json::parse(diff.out);
  const json* pr = FindAction(report, "web-pr-7");
  REQUIRE(pr != nullptr);
  CHECK((*pr)["action"] == "skip");
  CHECK((*pr)["reason"] == "managed by another source: other");
  CHECK((*pr)["conflict"] == true);
  CHECK(report["inSync"] == false);
  const json* node = FindAction(report, "node-2");
  REQUIRE(node != nullptr);
  CHECK((*node)["action"] == "skip");
  CHECK((*node)["reason"] == "not in the source; 1 project(s) still assigned: web");

  auto plain = Caractrl(server, {"diff", dir.path(), "-o", "json"});
  json plain_report = json::parse(plain.out);
  node = FindAction(plain_report, "node-2");
  REQUIRE(node != nullptr);
  CHECK((*node)["reason"] == "not in the source; nodes are pruned only with --prune-nodes");

  assign("");
  auto sync = Caractrl(server, {"sync", dir.path(), "--prune-nodes"});
  INFO(sync.out << sync.err);
  // Everything else converges, but the conflict is a failure: it cannot.
  CHECK(sync.exit_code == 1);
  CHECK(sync.err.find("1 object(s) in the source are managed by another source") !=
        std::string::npos);
  CHECK(api.Get("/api/v1/nodes/node-2").status == 404);
  CHECK(api.Get("/api/v1/projects/web-pr-7").json["spec"]["services"][0]["image"] == "nginx:1.27");
  CHECK(Caractrl(server, {"diff", dir.path()}).exit_code == 1);
  fs::remove(dir.path() + "/web-pr-7.yaml");
  CHECK(Caractrl(server, {"sync", dir.path()}).exit_code == 0);
  CHECK(Caractrl(server, {"diff", dir.path()}).exit_code == 0);
}

TEST_CASE("an expired preview is removed and never created again", "[gitops-cli]") {
  TestServer server("sqlite");
  ClusterRepo c;
  c.repo.Write("cluster/previews/web-pr-9.yaml",
               ProjectYaml("web-pr-9", "nginx:1", "  expireAt: \"2200-01-01T00:00:00Z\"\n"));
  c.repo.Commit("preview");
  REQUIRE(Caractrl(server, Cmd({"sync"}, c.Args())).exit_code == 0);
  HttpClient api(server.url());
  REQUIRE(api.Get("/api/v1/projects/web-pr-9").status == 200);

  c.repo.Write("cluster/previews/web-pr-9.yaml",
               ProjectYaml("web-pr-9", "nginx:1", "  expireAt: \"2020-01-01T00:00:00Z\"\n"));
  c.repo.Commit("expire the preview");
  auto diff = Caractrl(server, Cmd({"diff", "-o", "json"}, c.Args()));
  CHECK(Changes(diff) == std::set<std::string>{"expire Project/web-pr-9"});
  REQUIRE(Caractrl(server, Cmd({"sync"}, c.Args())).exit_code == 0);
  CHECK(api.Get("/api/v1/projects/web-pr-9").status == 404);  // never scheduled: gone at once

  auto again = Caractrl(server, Cmd({"sync", "-o", "json"}, c.Args()));
  INFO(again.out);
  CHECK(again.exit_code == 0);
  json again_report = json::parse(again.out);
  const json* expired = FindAction(again_report, "web-pr-9");
  REQUIRE(expired != nullptr);
  CHECK((*expired)["action"] == "expire");
  CHECK((*expired)["mutates"] == false);
  CHECK(api.Get("/api/v1/projects/web-pr-9").status == 404);
  CHECK(Caractrl(server, Cmd({"diff"}, c.Args())).exit_code == 0);
}

TEST_CASE("sync --watch follows new commits from a file:// remote and repairs drift",
          "[gitops-cli]") {
  TestServer server("sqlite");
  ClusterRepo c;
  TempDir cache;
  BackgroundProcess watch(
      {BuiltBinary("caractrl"), "--server", server.url(), "sync", "--watch", "--interval", "200ms",
       "--repo", "file://" + c.repo.dir(), "--path", "cluster"},
      CaractrlEnv(server.url(), {{"XDG_CACHE_HOME", cache.path()}}), cache.path() + "/watch.log");
  HttpClient api(server.url());
  auto log = [&] {
    std::ifstream in(cache.path() + "/watch.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  INFO(log());
  REQUIRE(Eventually([&] { return api.Get("/api/v1/projects/web").status == 200; }));

  c.repo.Write("cluster/projects/late.yaml", ProjectYaml("late"));
  c.repo.Commit("a new project");
  CHECK(Eventually([&] { return api.Get("/api/v1/projects/late").status == 200; }));

  json web = api.Get("/api/v1/projects/web").json;
  web["spec"]["services"][0]["image"] = "nginx:drifted";
  REQUIRE(api.PutJson("/api/v1/projects/web", web).status == 200);
  CHECK(Eventually([&] {
    return api.Get("/api/v1/projects/web").json["spec"]["services"][0]["image"] == "nginx:1.27";
  }));
  CHECK(Eventually([&] { return log().find("drift_repaired=1") != std::string::npos; }));
  // Unchanged cycles are skipped, and logged as such.
  CHECK(Eventually([&] { return log().find("sync cycle: unchanged") != std::string::npos; }));

  // A commit that breaks the source skips cycles; it never prunes.
  c.repo.Remove("cluster/projects/api.yaml");
  c.repo.Write("cluster/projects/web.yaml", "kind: Project\nmetadata: [broken\n");
  c.repo.Commit("broken");
  CHECK(Eventually([&] { return log().find("source unusable") != std::string::npos; }));
  CHECK(api.Get("/api/v1/projects/api").status == 200);
  CHECK(api.Get("/api/v1/projects/web").status == 200);

  watch.Signal(SIGTERM);
  CHECK(watch.Wait() == 0);
  CHECK(log().find("sync watch stopped") != std::string::npos);
}

TEST_CASE("diff and sync refuse bad usage with exit code 2", "[gitops-cli]") {
  std::string nowhere = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort());
  CHECK(Caractrl(nowhere, {"diff"}).exit_code == 2);
  CHECK(Caractrl(nowhere, {"sync", "a", "--repo", "b"}).exit_code == 2);
  CHECK(Caractrl(nowhere, {"sync", "a", "--ref", "main"}).exit_code == 2);
  CHECK(Caractrl(nowhere, {"sync", "a", "--timeout", "soon"}).exit_code == 2);
  CHECK(Caractrl(nowhere, {"get", "projects", "-o", "markdown"}).exit_code == 2);
  TempDir dir;
  std::ofstream(dir.path() + "/web.yaml") << ProjectYaml("web");
  auto unreachable = Caractrl(nowhere, {"diff", dir.path()});
  CHECK(unreachable.exit_code == 2);
  CHECK(unreachable.err.find("request failed") != std::string::npos);
  CHECK(Caractrl(nowhere, {"sync", dir.path()}).exit_code == 1);
}

}  // namespace cara::testing

namespace cara::testing {

TEST_CASE("the CI workflow preview template renders, applies and survives sync", "[gitops-cli]") {
  TestServer server("sqlite");
  std::ifstream in(std::string(CARA_SOURCE_DIR) + "/contrib/ci/preview.yaml.tmpl");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  REQUIRE(!text.empty());
  // What envsubst does in contrib/ci/github-actions.yml.
  text = std::regex_replace(text, std::regex(R"(\$\{PR_NUMBER\})"), "17");
  text = std::regex_replace(text, std::regex(R"(\$\{IMAGE\})"), "ghcr.io/acme/web:pr-17");
  TempDir ci;
  std::ofstream(ci.path() + "/preview.yaml") << text;
  auto apply = Caractrl(server, {"apply", "-f", ci.path() + "/preview.yaml", "--expire-in", "72h"});
  INFO(apply.out << apply.err);
  REQUIRE(apply.exit_code == 0);
  CHECK(apply.out == "project/web-pr-17 created\n");

  auto sync = Caractrl(server, {"sync", std::string(CARA_SOURCE_DIR) + "/examples/manifests"});
  INFO(sync.out << sync.err);
  REQUIRE(sync.exit_code == 0);
  HttpClient api(server.url());
  auto preview = api.Get("/api/v1/projects/web-pr-17");
  REQUIRE(preview.status == 200);
  CHECK(preview.json["spec"].contains("expireAt"));
  CHECK(
      Caractrl(server, {"diff", std::string(CARA_SOURCE_DIR) + "/examples/manifests"}).exit_code ==
      0);
}

}  // namespace cara::testing

namespace cara::testing {

TEST_CASE("spellings the server normalises never show as a difference", "[gitops-cli]") {
  TestServer server("sqlite");
  TempDir dir;
  std::ofstream(dir.path() + "/web.yaml")
      << "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: web\nspec:\n"
         "  services:\n    - name: web\n      image: nginx:1\n      command: []\n"
         "      env:\n        - name: EMPTY\n          value: \"\"\n"
         "  resources:\n    cpu: \"0.5\"\n";
  REQUIRE(Caractrl(server, {"sync", dir.path()}).exit_code == 0);
  auto diff = Caractrl(server, {"diff", dir.path()});
  INFO(diff.out);
  CHECK(diff.exit_code == 0);
  auto again = Caractrl(server, {"sync", dir.path(), "-o", "json"});
  CHECK(json::parse(again.out)["summary"]["update"] == 0);
}

TEST_CASE("workload fields: defaults are no difference, a changed interval is one field",
          "[gitops-cli][workload]") {
  TestServer server("sqlite");
  TempDir dir;
  const std::string manifest =
      "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: web\nspec:\n"
      "  services:\n    - name: web\n      image: nginx:1\n"
      "      ports:\n        - containerPort: 80\n          hostPort: 8080\n"
      "      healthcheck:\n        command: [\"true\"]\n        interval: 10s\n"
      "      resources:\n        limits: {cpu: \"0.5\"}\n";
  std::ofstream(dir.path() + "/web.yaml") << manifest;
  REQUIRE(Caractrl(server, {"sync", dir.path()}).exit_code == 0);
  HttpClient api(server.url());
  CHECK(api.Get("/api/v1/projects/web").json["spec"]["services"][0]["ports"][0]["protocol"] ==
        "tcp");
  auto diff = Caractrl(server, {"diff", dir.path()});
  INFO(diff.out);
  CHECK(diff.exit_code == 0);

  std::string changed = manifest;
  changed.replace(changed.find("interval: 10s"), 13, "interval: 20s");
  std::ofstream(dir.path() + "/web.yaml") << changed;
  auto report = Caractrl(server, {"diff", dir.path(), "-o", "json"});
  INFO(report.out << report.err);
  REQUIRE(report.exit_code == 1);
  json web = json::parse(report.out)["actions"][0];
  REQUIRE(web["changes"].size() == 1);
  CHECK(web["changes"][0]["path"] == "spec.services[web].healthcheck.interval");
  CHECK(web["changes"][0]["before"] == "10s");
  CHECK(web["changes"][0]["after"] == "20s");
}

TEST_CASE("apply after sync keeps the object owned by the source", "[gitops-cli]") {
  TestServer server("sqlite");
  TempDir dir;
  std::ofstream(dir.path() + "/web.yaml") << ProjectYaml("web");
  std::ofstream(dir.path() + "/api.yaml") << ProjectYaml("api");
  REQUIRE(Caractrl(server, {"sync", dir.path()}).exit_code == 0);
  auto apply = Caractrl(server, {"apply", "-f", dir.path() + "/web.yaml"});
  CHECK(apply.out == "project/web unchanged\n");
  std::ofstream(dir.path() + "/web.yaml") << ProjectYaml("web", "nginx:2");
  REQUIRE(Caractrl(server, {"apply", "-f", dir.path() + "/web.yaml"}).exit_code == 0);
  CHECK(Caractrl(server, {"diff", dir.path()}).exit_code == 0);
  // Still owned, so still pruned when it leaves the source.
  fs::remove(dir.path() + "/web.yaml");
  auto diff = Caractrl(server, {"diff", dir.path(), "-o", "json"});
  CHECK(Changes(diff) == std::set<std::string>{"delete Project/web"});
}

TEST_CASE("a directory reached through a symlink keeps its source id when repointed",
          "[gitops-cli]") {
  TestServer server("sqlite");
  TempDir tmp;
  fs::create_directories(tmp.path() + "/r1");
  fs::create_directories(tmp.path() + "/r2/linked");
  std::ofstream(tmp.path() + "/r1/web.yaml") << ProjectYaml("web");
  std::ofstream(tmp.path() + "/r1/old.yaml") << ProjectYaml("old");
  std::ofstream(tmp.path() + "/shared.yaml") << ProjectYaml("web", "nginx:2");
  // r2's only manifest sits behind a directory symlink, with a link loop beside it.
  fs::create_directory_symlink(tmp.path() + "/r2", tmp.path() + "/r2/loop");
  fs::copy_file(tmp.path() + "/shared.yaml", tmp.path() + "/r2/linked/web.yaml");
  fs::create_directory_symlink(tmp.path() + "/r1", tmp.path() + "/current");
  std::string current = tmp.path() + "/current";
  REQUIRE(Caractrl(server, {"sync", current}).exit_code == 0);

  fs::remove(current);
  fs::create_directory_symlink(tmp.path() + "/r2", current);
  auto diff = Caractrl(server, {"diff", current, "-o", "json"});
  INFO(diff.out << diff.err);
  CHECK(diff.exit_code == 1);
  CHECK(Changes(diff) == std::set<std::string>{"update Project/web", "delete Project/old"});
  CHECK(json::parse(diff.out)["source"]["id"] == current);
}

TEST_CASE("symlinks in a Git source are refused, not skipped", "[gitops-cli]") {
  TempDir tmp;
  GitRepo repo(tmp.path() + "/repo");
  repo.Write("m/web.yaml", ProjectYaml("web"));
  fs::create_symlink("web.yaml", tmp.path() + "/repo/m/alias.yaml");
  repo.Commit("a link");
  std::string nowhere = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort());
  auto diff = Caractrl(nowhere, {"diff", "--repo", repo.dir(), "--path", "m"});
  CHECK(diff.exit_code == 2);
  CHECK(diff.err.find("symlinks are not followed in Git sources (m/alias.yaml)") !=
        std::string::npos);
}

TEST_CASE("diff --base ignores manifests that had already expired", "[gitops-cli]") {
  ClusterRepo c;
  c.repo.Write("cluster/previews/old.yaml",
               ProjectYaml("old-pr", "nginx:1", "  expireAt: \"2020-01-01T00:00:00Z\"\n"));
  std::string head = c.repo.Commit("an expired preview");
  std::string nowhere = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort());
  auto same = Caractrl(nowhere, Cmd({"diff", "--base", head, "--ref", head}, c.Args()));
  INFO(same.out);
  CHECK(same.exit_code == 0);
}

TEST_CASE("SIGINT stops a sync between writes and a second sync finishes it", "[gitops-cli]") {
  TestServer server("sqlite");
  TempDir dir;
  for (int i = 0; i < 1500; ++i) {
    std::ofstream(dir.path() + "/p" + std::to_string(i) + ".yaml")
        << ProjectYaml("p" + std::to_string(i));
  }
  TempDir logs;
  std::string log = logs.path() + "/sync.log";
  BackgroundProcess sync(
      {BuiltBinary("caractrl"), "--server", server.url(), "sync", dir.path(), "--parallel", "1"},
      CaractrlEnv(server.url()), log);
  auto read_log = [&] {
    std::ifstream in(log);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  REQUIRE(Eventually([&] { return read_log().find("[5/1500]") != std::string::npos; }));
  sync.Signal(SIGINT);
  int exit_code = sync.Wait();
  INFO(read_log());
  CHECK(exit_code == 1);
  CHECK(read_log().find("interrupted: ") != std::string::npos);
  HttpClient api(server.url());
  size_t created = api.Get("/api/v1/projects").json["items"].size();
  CHECK(created < 1500);
  CHECK(Caractrl(server, {"sync", dir.path()}).exit_code == 0);
  CHECK(api.Get("/api/v1/projects").json["items"].size() == 1500);
}

}  // namespace cara::testing

namespace cara::testing {

TEST_CASE("source ids: paths normalised, credentials dropped", "[gitops-cli]") {
  using gitops::DeriveSourceId;
  gitops::SourceSpec spec;
  spec.repo = "https://bot:s3cret@git.example.com/ops.git";
  spec.path = "./prod/";
  CHECK(DeriveSourceId(spec) == "https://git.example.com/ops.git//prod");
  spec.path = ".";
  CHECK(DeriveSourceId(spec) == "https://git.example.com/ops.git");
  spec = {};
  spec.dir = "/srv/ops/./manifests/";
  CHECK(DeriveSourceId(spec) == "/srv/ops/manifests");
  spec.source_id = "mine";
  CHECK(DeriveSourceId(spec) == "mine");
}

}  // namespace cara::testing
