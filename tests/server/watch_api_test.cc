// The watch API over real HTTPS: ?watch=true on nodes and projects streams
// ADDED/MODIFIED/DELETED as NDJSON, resumes from a resourceVersion (410 when
// too old), filters by labels and by what the caller may see, and carries
// one replica's writes to another replica's watchers (PostgreSQL).
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <thread>

#include "api_test_util.h"
#include "auth_test_util.h"
#include "server/token_issuer.h"
#include "support/watch_reader.h"

namespace cara::testing {
namespace {

using namespace std::chrono_literals;
using Summaries = std::vector<std::string>;

json Relabeled(json body, const std::string& key, const std::string& value) {
  body["metadata"]["labels"][key] = value;
  return body;
}

void ChangeImage(HttpClient& api, const std::string& name, const std::string& image) {
  json current = MustGet(api, ProjectPath(name));
  current["spec"]["services"][0]["image"] = image;
  REQUIRE_THAT(api.PutJson(ProjectPath(name), current), HasStatus(200));
}

void ForceDelete(HttpClient& api, const std::string& name) {
  REQUIRE_THAT(api.Delete(ProjectPath(name) + "?force=true"), HasStatus(204));
}

std::string ListVersion(HttpClient& api, const std::string& path) {
  HttpResponse r = api.Get(path);
  REQUIRE_THAT(r, HasStatus(200));
  return r.json["metadata"]["resourceVersion"].get<std::string>();
}

TEST_CASE("A watcher sees ADDED, MODIFIED and DELETED made by another client, in order",
          "[watch]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      MustCreateProject(api, ProjectBody("existing"));

      WatchReader watch(server.url(), kProjects + "?watch=true");
      CHECK(watch.status() == 200);
      CHECK(watch.content_type() == "application/x-ndjson");
      // Without a resourceVersion the current state comes first.
      CHECK(watch.NextSummaries(1) == Summaries{"ADDED existing"});

      MustCreateProject(api, ProjectBody("web"));
      ChangeImage(api, "web", "nginx:1.27");
      ForceDelete(api, "web");
      auto events = watch.NextSummaries(3);
      CHECK(events == Summaries{"ADDED web", "MODIFIED web", "DELETED web"});
    }
  }
}

TEST_CASE("Each event carries the object with its resourceVersion", "[watch]") {
  TestServer server("sqlite");
  HttpClient api(server.url());
  WatchReader watch(server.url(), kProjects + "?watch=true");
  REQUIRE(watch.status() == 200);
  json created = MustCreateProject(api, ProjectBody("web"));
  ChangeImage(api, "web", "nginx:1.27");
  auto added = watch.Next();
  auto modified = watch.Next();
  REQUIRE(added);
  REQUIRE(modified);
  CHECK((*added)["object"]["metadata"]["resourceVersion"] ==
        created["metadata"]["resourceVersion"]);
  CHECK((*modified)["object"]["spec"]["services"][0]["image"] == "nginx:1.27");
  CHECK(std::stoll((*modified)["object"]["metadata"]["resourceVersion"].get<std::string>()) >
        std::stoll(ResourceVersion(created)));
  ForceDelete(api, "web");
  auto deleted = watch.Next();
  REQUIRE(deleted);
  CHECK((*deleted)["type"] == "DELETED");
  // The deletion has a revision of its own, to resume from.
  CHECK(std::stoll((*deleted)["object"]["metadata"]["resourceVersion"].get<std::string>()) >
        std::stoll((*modified)["object"]["metadata"]["resourceVersion"].get<std::string>()));
}

TEST_CASE("List then watch from the list's resourceVersion misses nothing", "[watch]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      MustCreateNode(api, NodeBody("n1"));
      const std::string version = ListVersion(api, kNodes);
      // Between the list and the watch.
      MustCreateNode(api, NodeBody("n2"));
      REQUIRE_THAT(api.Delete(NodePath("n1")), HasStatus(204));

      WatchReader watch(server.url(), kNodes + "?watch=true&resourceVersion=" + version);
      CHECK(watch.NextSummaries(2) == Summaries{"ADDED n2", "DELETED n1"});
      // Paged lists carry it too.
      HttpResponse page = api.Get(kNodes + "?limit=1");
      REQUIRE_THAT(page, HasStatus(200));
      CHECK(page.json["metadata"].contains("resourceVersion"));
    }
  }
}

// The events until the stream has been quiet for `quiet`.
std::vector<json> Drain(WatchReader& watch, std::chrono::milliseconds quiet = 500ms) {
  std::vector<json> events;
  while (auto event = watch.Next(quiet)) events.push_back(*event);
  return events;
}

int64_t EventVersion(const json& event) {
  return std::stoll(event["object"]["metadata"]["resourceVersion"].get<std::string>());
}

// Every change after `after`, in order: each event newer than the one
// before, and each object's last event its final state. A change repeated
// while nobody watched may arrive once (served from the store) or each
// time (served from the server's memory).
void CheckResumed(const std::vector<json>& events, int64_t after) {
  REQUIRE_FALSE(events.empty());
  int64_t previous = after;
  std::map<std::string, json> last;
  for (const json& event : events) {
    CHECK(EventVersion(event) > previous);
    previous = EventVersion(event);
    last[event["object"]["metadata"]["name"]] = event;
  }
  REQUIRE(last.count("a"));
  CHECK(last["a"]["type"] == "MODIFIED");
  CHECK(last["a"]["object"]["spec"]["services"][0]["image"] == "nginx:1.27");
  REQUIRE(last.count("b"));
  CHECK(last["b"]["type"] == "DELETED");
  REQUIRE(last.count("c"));
  CHECK(last["c"]["type"] == "ADDED");
  CHECK(last.size() == 3);
}

// While nobody watches: b comes and goes, a changes twice, c comes.
void ChangeWhileAway(HttpClient& api) {
  MustCreateProject(api, ProjectBody("b"));
  ChangeImage(api, "a", "nginx:1.26");
  ChangeImage(api, "a", "nginx:1.27");
  ForceDelete(api, "b");
  MustCreateProject(api, ProjectBody("c"));
}

TEST_CASE("A watch resumed from a resourceVersion gets every change since", "[watch]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      std::string last;
      {
        WatchReader watch(server.url(), kProjects + "?watch=true");
        REQUIRE(watch.status() == 200);
        MustCreateProject(api, ProjectBody("a"));
        auto event = watch.Next();
        REQUIRE(event);
        last = (*event)["object"]["metadata"]["resourceVersion"];
      }
      ChangeWhileAway(api);
      WatchReader resumed(server.url(), kProjects + "?watch=true&resourceVersion=" + last);
      CheckResumed(Drain(resumed), std::stoll(last));
    }
  }
}

TEST_CASE("A watch resumed on a replica started later is served from the store, folded",
          "[watch][postgres]") {
  TestServer first("postgres");
  HttpClient api(first.url());
  MustCreateProject(api, ProjectBody("a"));
  const std::string last = ListVersion(api, kProjects);
  ChangeWhileAway(api);
  // The second replica's memory starts now: everything before is in the store only.
  server::ServerOptions options;
  options.admin_token = first.admin_token();
  TestServer second(first.database_url(), options);
  WatchReader resumed(second.url(), kProjects + "?watch=true&resourceVersion=" + last);
  std::vector<json> events = Drain(resumed);
  CheckResumed(events, std::stoll(last));
  // From the store each object arrives once, in its latest state.
  CHECK(events.size() == 3);
}

TEST_CASE("A resourceVersion older than the remembered deletions gets 410 Gone",
          "[watch][postgres]") {
  TestServer first("postgres");
  HttpClient api(first.url());
  first.store().SetDeletionRetention(0ms);
  MustCreateProject(api, ProjectBody("a"));
  MustCreateProject(api, ProjectBody("b"));
  const std::string before = ListVersion(api, kProjects);
  ForceDelete(api, "a");
  std::this_thread::sleep_for(5ms);  // the next deletion forgets the ones before it
  ForceDelete(api, "b");

  server::ServerOptions options;
  options.admin_token = first.admin_token();
  TestServer second(first.database_url(), options);
  WatchReader watch(second.url(), kProjects + "?watch=true&resourceVersion=" + before);
  CHECK(watch.status() == 410);
  json problem = json::parse(watch.error_body());
  CHECK(problem["status"] == 410);
  CHECK_THAT(problem["detail"].get<std::string>(), Catch::Contains("too old"));
  // From a recent enough version the same replica resumes.
  WatchReader recent(second.url(),
                     kProjects + "?watch=true&resourceVersion=" + ListVersion(api, kProjects));
  CHECK(recent.status() == 200);

  WatchReader bad(second.url(), kProjects + "?watch=true&resourceVersion=x1");
  CHECK(bad.status() == 400);
}

TEST_CASE("Watches filter by label selector and project fields", "[watch]") {
  TestServer server("sqlite");
  HttpClient api(server.url());
  WatchReader labelled(server.url(), kProjects + "?watch=true&labelSelector=team%3Dshop");
  WatchReader on_n1(server.url(), kProjects + "?watch=true&nodeRef=n1");
  REQUIRE(labelled.status() == 200);
  REQUIRE(on_n1.status() == 200);
  MustCreateProject(api, Relabeled(ProjectBody("cart"), "team", "shop"));
  MustCreateProject(api, Relabeled(ProjectBody("blog"), "team", "web"));
  MustCreateProject(api, ProjectBodyInPhase("placed", "Scheduled", "n1"));
  CHECK(labelled.NextSummaries(1) == Summaries{"ADDED cart"});
  CHECK(on_n1.NextSummaries(1) == Summaries{"ADDED placed"});

  // Leaving the filter is a deletion for that watch.
  // (As the rescheduler moves a project.)
  auto moved = server.store().UpdateProject("placed", [](api::Project& p) {
    p.status.node_ref = "n2";
    return Status::Ok();
  });
  REQUIRE(moved.ok());
  CHECK(on_n1.NextSummaries(1) == Summaries{"DELETED placed"});
  CHECK_FALSE(labelled.Next(300ms));
}

TEST_CASE("A node's watch sees only the projects on that node", "[watch][auth]") {
  TestServer server("sqlite");
  HttpClient api(server.url());
  MustCreateNode(api, NodeBody("n1"));
  MustCreateNode(api, NodeBody("n2"));
  auto node = server::IssueNodeToken(server.store(), "n1", SystemClock::Default()->Now());
  REQUIRE(node.ok());
  const auto tls = DefaultCredentials(server.url()).tls;
  // Asking for another node's projects is narrowed to its own.
  WatchReader watch(server.url(), kProjects + "?watch=true&nodeRef=n2",
                    net::ClientCredentials{node->token, tls});
  REQUIRE(watch.status() == 200);
  MustCreateProject(api, ProjectBodyInPhase("theirs", "Scheduled", "n2"));
  MustCreateProject(api, ProjectBodyInPhase("mine", "Scheduled", "n1"));
  CHECK(watch.NextSummaries(1) == Summaries{"ADDED mine"});

  const std::string preview =
      CreateToken(server, {{"role", "preview"}, {"namePrefix", "pr-"}, {"maxTTL", "72h"}});
  WatchReader previews(server.url(), kProjects + "?watch=true",
                       net::ClientCredentials{preview, tls});
  MustCreateProject(api, ProjectBody("pr-7"));
  CHECK(previews.NextSummaries(1) == Summaries{"ADDED pr-7"});
  CHECK_FALSE(previews.Next(300ms));

  WatchReader anonymous(server.url(), kProjects + "?watch=true", net::ClientCredentials{"", tls});
  CHECK(anonymous.status() == 401);
}

TEST_CASE("A write on one replica reaches a watcher on another", "[watch][postgres]") {
  TestServer first("postgres");
  server::ServerOptions options;
  options.admin_token = first.admin_token();
  TestServer second(first.database_url(), options);
  HttpClient api_first(first.url());
  WatchReader watch(second.url(), kProjects + "?watch=true");
  REQUIRE(watch.status() == 200);
  MustCreateProject(api_first, ProjectBody("web"));
  ChangeImage(api_first, "web", "nginx:1.27");
  ForceDelete(api_first, "web");
  CHECK(watch.NextSummaries(3) == Summaries{"ADDED web", "MODIFIED web", "DELETED web"});
}

TEST_CASE("Stopping the server ends its watches cleanly", "[watch]") {
  auto server = std::make_unique<TestServer>("sqlite");
  WatchReader watch(server->url(), kNodes + "?watch=true");
  REQUIRE(watch.status() == 200);
  CHECK_FALSE(watch.Ended(100ms));
  const auto start = std::chrono::steady_clock::now();
  server.reset();
  CHECK(watch.Ended(5s));
  // Not after the HTTP server's grace period for requests in flight.
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

}  // namespace
}  // namespace cara::testing
