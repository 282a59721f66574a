// Concurrency: every read-modify-write of the server is atomic, so parallel
// writers to one object lose nothing. The checks count outcomes (generations,
// status codes), never time.
#include <algorithm>
#include <functional>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"

namespace cara::testing {
namespace {

constexpr int kEach = 50;

// Runs every job on its own thread and connection, all released at once.
// Each job returns the response it got; no Catch assertions run off the main
// thread.
std::vector<HttpResponse> RunTogether(
    const std::string& url, const std::vector<std::function<HttpResponse(HttpClient&)>>& jobs) {
  std::vector<HttpResponse> results(jobs.size());
  std::latch start(static_cast<std::ptrdiff_t>(jobs.size()));
  std::vector<std::thread> threads;
  threads.reserve(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    threads.emplace_back([&, i] {
      HttpClient client(url, /*keep_alive=*/false);
      start.arrive_and_wait();
      results[i] = jobs[i](client);
    });
  }
  for (auto& t : threads) t.join();
  return results;
}

TEST_CASE("Parallel status PATCHes and spec PUTs on one project lose no update",
          "[concurrency][project]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      MustCreateProject(api, ProjectBodyInPhase("p", "Scheduled", "n1"));

      // Interleaved: PATCH 0, PUT 0, PATCH 1, PUT 1, ...
      std::vector<std::function<HttpResponse(HttpClient&)>> jobs;
      for (int i = 0; i < kEach; ++i) {
        const std::string n = std::to_string(i);
        // Only Scheduled/Running, so every PUT stays legal and keeps the phase.
        json patch = {{"phase", i % 2 == 0 ? "Scheduled" : "Running"},
                      {"reason", "Reason" + n},
                      {"message", "message-" + n}};
        jobs.push_back([patch](HttpClient& c) { return c.PatchJson(StatusPath("p"), patch); });
        json put = ProjectBody("p", "nginx:1." + n);
        jobs.push_back([put](HttpClient& c) { return c.PutJson(ProjectPath("p"), put); });
      }
      std::vector<HttpResponse> results = RunTogether(server.url(), jobs);

      std::set<int64_t> put_generations;
      std::set<std::string> versions;
      std::string last_put_image;
      for (size_t i = 0; i < results.size(); ++i) {
        const bool is_patch = i % 2 == 0;
        INFO((is_patch ? "PATCH #" : "PUT #") << i / 2);
        if (is_patch) {
          CHECK_THAT(results[i], HasStatus(204));
          continue;
        }
        CHECK_THAT(results[i], HasStatus(200));
        if (results[i].status != 200) continue;
        const json& body = results[i].json;
        put_generations.insert(Generation(body));
        versions.insert(ResourceVersion(body));
        if (Generation(body) == kEach + 1) {
          last_put_image = body["spec"]["services"][0]["image"].get<std::string>();
        }
      }

      // Each PUT changed the spec once: generations 2..51, each exactly once.
      std::set<int64_t> expected;
      for (int g = 2; g <= kEach + 1; ++g) expected.insert(g);
      CHECK(put_generations == expected);
      CHECK(versions.size() == static_cast<size_t>(kEach));

      json p = MustGet(api, ProjectPath("p"));
      CHECK(Generation(p) == kEach + 1);
      // The spec is the one of the PUT that wrote generation 51.
      CHECK(p["spec"]["services"][0]["image"] == last_put_image);
      // The status comes from one PATCH, consistently, and PUTs did not clobber it.
      CHECK(p["status"]["nodeRef"] == "n1");
      json phase = FindCondition(p, "Phase");
      REQUIRE(phase.is_object());
      const std::string message = phase.value("message", "");
      REQUIRE_THAT(message, Catch::StartsWith("message-"));
      const int k = std::stoi(message.substr(std::string("message-").size()));
      CHECK(phase["reason"] == "Reason" + std::to_string(k));
      CHECK(phase["status"] == "True");
      CHECK(p["status"]["phase"] == (k % 2 == 0 ? "Scheduled" : "Running"));
      CHECK(p["status"]["conditions"].size() == 1);
    }
  }
}

TEST_CASE("Parallel heartbeats and spec PUTs on one node lose no update", "[concurrency][node]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      MustCreateNode(api, NodeBody("n1"));

      std::vector<std::function<HttpResponse(HttpClient&)>> jobs;
      std::set<std::string> heartbeat_ips;
      for (int i = 0; i < kEach; ++i) {
        const std::string ip = "10.0.1." + std::to_string(i + 1);
        heartbeat_ips.insert(ip);
        json heartbeat = {{"state", "Ready"}, {"network", {{"ip", ip}, {"agentPort", 9090}}}};
        jobs.push_back(
            [heartbeat](HttpClient& c) { return c.PostJson(HeartbeatPath("n1"), heartbeat); });
        json put = NodeBody("n1");
        put["spec"]["hostname"] = "host-" + std::to_string(i);
        jobs.push_back([put](HttpClient& c) { return c.PutJson(NodePath("n1"), put); });
      }
      std::vector<HttpResponse> results = RunTogether(server.url(), jobs);

      std::set<int64_t> put_generations;
      std::string last_hostname;
      for (size_t i = 0; i < results.size(); ++i) {
        const bool is_heartbeat = i % 2 == 0;
        INFO((is_heartbeat ? "heartbeat #" : "PUT #") << i / 2);
        if (is_heartbeat) {
          CHECK_THAT(results[i], HasStatus(204));
          continue;
        }
        CHECK_THAT(results[i], HasStatus(200));
        if (results[i].status != 200) continue;
        const json& body = results[i].json;
        put_generations.insert(Generation(body));
        if (Generation(body) == kEach + 1) {
          last_hostname = body["spec"]["hostname"].get<std::string>();
        }
      }
      std::set<int64_t> expected;
      for (int g = 2; g <= kEach + 1; ++g) expected.insert(g);
      CHECK(put_generations == expected);

      json node = MustGet(api, NodePath("n1"));
      CHECK(Generation(node) == kEach + 1);
      CHECK(node["spec"]["hostname"] == last_hostname);
      // No PUT wrote back a status read before the heartbeats.
      CHECK(node["status"]["state"] == "Ready");
      CHECK(ParseTime(node["status"]["lastHeartbeat"]) > ParseTime("2024-01-01T00:00:00Z"));
      CHECK(heartbeat_ips.count(node["status"]["network"]["ip"].get<std::string>()) == 1);
      CHECK(node["status"]["network"]["agentPort"] == 9090);
      json ready = FindCondition(node, "Ready");
      REQUIRE(ready.is_object());
      CHECK(ready["status"] == "True");
      CHECK(ready["reason"] == "AgentReady");
    }
  }
}

TEST_CASE("Parallel PUTs carrying the same resourceVersion: exactly one wins",
          "[concurrency][rv]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      const std::string rv = ResourceVersion(MustCreateProject(api, ProjectBody("p")));

      constexpr int kWriters = 20;
      std::vector<std::function<HttpResponse(HttpClient&)>> jobs;
      for (int i = 0; i < kWriters; ++i) {
        json put = ProjectBody("p", "nginx:2." + std::to_string(i));
        put["metadata"]["resourceVersion"] = rv;
        jobs.push_back([put](HttpClient& c) { return c.PutJson(ProjectPath("p"), put); });
      }
      std::vector<HttpResponse> results = RunTogether(server.url(), jobs);

      int ok = 0;
      std::string winner_image;
      for (const HttpResponse& r : results) {
        if (r.status == 200) {
          ++ok;
          winner_image = r.json["spec"]["services"][0]["image"].get<std::string>();
        } else {
          CHECK_THAT(
              r, IsProblemStartingWith(409, "operation conflicts with current resource state: "));
        }
      }
      CHECK(ok == 1);
      json p = MustGet(api, ProjectPath("p"));
      CHECK(Generation(p) == 2);
      CHECK(p["spec"]["services"][0]["image"] == winner_image);
    }
  }
}

TEST_CASE("Parallel creates of one name: exactly one 201, the rest 409", "[concurrency][create]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      constexpr int kCreators = 20;
      std::vector<std::function<HttpResponse(HttpClient&)>> jobs;
      for (int i = 0; i < kCreators; ++i) {
        jobs.push_back([i](HttpClient& c) {
          if (i % 2 == 0) return c.PostJson(kNodes, NodeBody("same"));
          return c.PostJson(kProjects, ProjectBody("same"));
        });
      }
      std::vector<HttpResponse> results = RunTogether(server.url(), jobs);

      int nodes_created = 0;
      int projects_created = 0;
      for (size_t i = 0; i < results.size(); ++i) {
        const bool node = i % 2 == 0;
        if (results[i].status == 201) {
          (node ? nodes_created : projects_created)++;
        } else if (node) {
          CHECK_THAT(results[i],
                     IsProblem(409, "node already exists: same: resource already exists"));
        } else {
          CHECK_THAT(results[i],
                     IsProblem(409, "project already exists: same: resource already exists"));
        }
      }
      CHECK(nodes_created == 1);
      CHECK(projects_created == 1);
      CHECK(ListNames(api, kNodes) == std::vector<std::string>{"same"});
      CHECK(ListNames(api, kProjects) == std::vector<std::string>{"same"});
    }
  }
}

}  // namespace
}  // namespace cara::testing
