// Black-box tests of what surrounds the resource routes: health, readiness,
// metrics, routing (404/405/HEAD), body limits (413), the problem+json format,
// 500s from a failing store, keep-alive and the wire format.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "common/version.h"
#include "server/api_server.h"
#include "store/backend.h"
#include "store/store.h"
#include "support/raw_connection.h"

namespace cara::testing {
namespace {

std::string TrimNewline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::vector<std::string> SplitList(const std::string& header) {
  std::vector<std::string> out;
  std::stringstream ss(header);
  std::string item;
  while (std::getline(ss, item, ',')) {
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// ---- Prometheus text exposition -------------------------------------------------

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

std::vector<Sample> ParseMetrics(const std::string& text) {
  std::vector<Sample> samples;
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') s.name.push_back(line[i++]);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::string key;
        while (i < line.size() && line[i] != '=') key.push_back(line[i++]);
        i += 2;  // ="
        std::string value;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
            value.push_back(line[i] == 'n' ? '\n' : line[i]);
          } else {
            value.push_back(line[i]);
          }
          ++i;
        }
        ++i;  // closing quote
        if (i < line.size() && line[i] == ',') ++i;
        while (!key.empty() && key.front() == ' ') key.erase(0, 1);
        s.labels[key] = value;
      }
      ++i;  // }
    }
    while (i < line.size() && line[i] == ' ') ++i;
    s.value = std::strtod(line.c_str() + i, nullptr);
    samples.push_back(std::move(s));
  }
  return samples;
}

// The sample of `name` whose labels include all of `labels`; nullopt if none.
std::optional<double> SampleValue(const std::vector<Sample>& samples, const std::string& name,
                                  const std::map<std::string, std::string>& labels) {
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool all = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) all = false;
    }
    if (all) return s.value;
  }
  return std::nullopt;
}

// The sum over cara_http_requests_total samples with this method and code
// whose route label contains `route_fragment`.
double RequestCount(const std::vector<Sample>& samples, const std::string& method,
                    const std::string& code, const std::string& route) {
  double total = 0;
  for (const auto& s : samples) {
    if (s.name != "cara_http_requests_total") continue;
    if (s.labels.count("method") && s.labels.at("method") == method && s.labels.count("code") &&
        s.labels.at("code") == code && s.labels.count("route") && s.labels.at("route") == route) {
      total += s.value;
    }
  }
  return total;
}

// The route label used for `method` requests answered with `code` whose route
// mentions `fragment` ("" if none).
std::string RouteLabel(const std::vector<Sample>& samples, const std::string& method,
                       const std::string& code, const std::string& fragment) {
  for (const auto& s : samples) {
    if (s.name != "cara_http_requests_total") continue;
    auto m = s.labels.find("method");
    auto c = s.labels.find("code");
    auto r = s.labels.find("route");
    if (m == s.labels.end() || c == s.labels.end() || r == s.labels.end()) continue;
    if (m->second == method && c->second == code && r->second.find(fragment) != std::string::npos) {
      return r->second;
    }
  }
  return "";
}

// ---- a store whose database is down ---------------------------------------------

class UnreachableBackend final : public store::Backend {
 public:
  std::string Name() const override { return "sqlite"; }
  Status Migrate() override { return Status::Ok(); }
  Status Ping() override { return Down(); }
  Result<std::optional<store::Row>> Get(const std::string&, const std::string&) override {
    return Down();
  }
  Result<std::vector<store::Row>> List(const std::string&, const store::RowFilter&) override {
    return Down();
  }
  Result<store::ChangeBatch> ChangesSince(const std::vector<std::string>&, int64_t,
                                          size_t) override {
    return Down();
  }
  Result<int64_t> CommittedRevision() override { return Down(); }
  Status Write(const std::function<Status(store::Txn&)>&) override { return Down(); }

 private:
  static Status Down() { return Status::Unavailable("connection refused: database is down"); }
};

// ---- health and readiness -------------------------------------------------------

TEST_CASE("GET /api/healthz and /api/readyz answer OK", "[misc][health]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      for (const std::string path : {"/api/healthz", "/api/readyz"}) {
        INFO(path);
        HttpResponse r = api.Get(path);
        CHECK_THAT(r, HasStatus(200));
        CHECK(TrimNewline(r.body) == "OK");
        CHECK_THAT(r.content_type(), Catch::StartsWith("text/plain"));
        HttpResponse head = api.Head(path);
        CHECK_THAT(head, HasStatus(200));
        CHECK(head.body.empty());
      }
    }
  }
}

TEST_CASE("GET /api/version answers the build identity, open like healthz", "[misc][health]") {
  TestServer server("sqlite");
  HttpClient api(server.url());
  HttpResponse r = api.Get("/api/version");
  REQUIRE_THAT(r, HasStatus(200));
  CHECK_THAT(r.content_type(), Catch::StartsWith("application/json"));
  CHECK(r.body == std::string("{\"version\":\"") + Version() + "\",\"commit\":\"" + Commit() +
                      "\",\"built\":\"" + BuildTime() + "\"}");
  CHECK_THAT(api.Head("/api/version"), HasStatus(200));
}

TEST_CASE("A store that cannot be reached gives 500 problems and fails readiness",
          "[misc][health][problem]") {
  store::Store store(std::make_unique<UnreachableBackend>(), SystemClock::Default());
  server::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  server::ApiServer server(&store, SystemClock::Default(), options);
  REQUIRE(server.Start().ok());
  HttpClient api("http://127.0.0.1:" + std::to_string(server.port()));

  HttpResponse ready = api.Get("/api/readyz");
  CHECK(ready.status >= 500);
  CHECK(ready.status <= 599);
  // Liveness does not depend on the database.
  CHECK_THAT(api.Get("/api/healthz"), HasStatus(200));

  const std::string detail = "Internal server error";
  CHECK_THAT(api.Get(kNodes), IsProblem(500, detail));
  CHECK_THAT(api.Get(NodePath("n1")), IsProblem(500, detail));
  CHECK_THAT(api.PostJson(kNodes, NodeBody("n1")), IsProblem(500, detail));
  CHECK_THAT(api.PutJson(NodePath("n1"), NodeBody("n1")), IsProblem(500, detail));
  CHECK_THAT(api.Delete(NodePath("n1")), IsProblem(500, detail));
  CHECK_THAT(api.Post(HeartbeatPath("n1"), ""), IsProblem(500, detail));
  CHECK_THAT(api.Get(kProjects + "?phase=Running"), IsProblem(500, detail));
  CHECK_THAT(api.PostJson(kProjects, ProjectBody("p")), IsProblem(500, detail));
  CHECK_THAT(api.PatchJson(StatusPath("p"), {{"phase", "Running"}}), IsProblem(500, detail));
  CHECK_THAT(api.Delete(ProjectPath("p") + "?force=true"), IsProblem(500, detail));
  // Validation still answers 400 without touching the store.
  CHECK_THAT(api.PostJson(kNodes, NodeBody("")), IsProblem(400, "metadata.name is required"));
  server.Stop();
}

// ---- metrics ---------------------------------------------------------------------

TEST_CASE("GET /metrics exposes request counters and node/project gauges", "[misc][metrics]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      MustCreateNode(api, NodeBodyWithStatus("ready-1", {{"state", "Ready"}}));
      MustCreateNode(api, NodeBody("down-1"));
      MustCreateNode(api, NodeBody("down-2"));
      json drain = NodeBody("drain-1");
      drain["spec"]["unschedulable"] = true;
      MustCreateNode(api, drain);
      MustCreateProject(api, ProjectBody("p1"));
      MustCreateProject(api, ProjectBody("p2"));
      MustCreateProject(api, ProjectBodyInPhase("p3", "Running", "ready-1"));
      CHECK_THAT(api.Get(NodePath("metrics-probe-name")), HasStatus(404));

      HttpResponse r = api.Get("/metrics");
      REQUIRE_THAT(r, HasStatus(200));
      CHECK_THAT(r.content_type(), Catch::StartsWith("text/plain"));
      CHECK_THAT(r.body, Catch::Contains("# TYPE cara_http_requests_total counter"));
      CHECK_THAT(r.body, Catch::Contains("# TYPE cara_nodes gauge"));
      CHECK_THAT(r.body, Catch::Contains("# TYPE cara_projects gauge"));
      std::vector<Sample> samples = ParseMetrics(r.body);
      INFO(r.body);

      CHECK(SampleValue(samples, "cara_nodes", {{"state", "Ready"}}) == 1.0);
      CHECK(SampleValue(samples, "cara_nodes", {{"state", "NotReady"}}) == 2.0);
      CHECK(SampleValue(samples, "cara_nodes", {{"state", "Draining"}}) == 1.0);
      CHECK(SampleValue(samples, "cara_projects", {{"phase", "Pending"}}) == 2.0);
      CHECK(SampleValue(samples, "cara_projects", {{"phase", "Running"}}) == 1.0);
      CHECK(SampleValue(samples, "cara_projects", {{"phase", "Failed"}}).value_or(0) == 0.0);

      // Every request sample carries method, route and code.
      int request_samples = 0;
      for (const auto& s : samples) {
        if (s.name != "cara_http_requests_total") continue;
        ++request_samples;
        CHECK(s.labels.count("method") == 1);
        CHECK(s.labels.count("route") == 1);
        CHECK(s.labels.count("code") == 1);
        // Routes are templates, not raw paths.
        CHECK(s.labels.at("route").find("metrics-probe-name") == std::string::npos);
      }
      CHECK(request_samples > 0);
      const std::string create_route = RouteLabel(samples, "POST", "201", "nodes");
      REQUIRE_FALSE(create_route.empty());
      CHECK(RequestCount(samples, "POST", "201", create_route) == 4.0);
      CHECK_FALSE(RouteLabel(samples, "GET", "404", "nodes").empty());

      // Counters count; gauges follow the store.
      const std::string project_create_route = RouteLabel(samples, "POST", "201", "projects");
      REQUIRE_FALSE(project_create_route.empty());
      for (int i = 0; i < 3; ++i) MustCreateProject(api, ProjectBody("more-" + std::to_string(i)));
      REQUIRE_THAT(api.Delete(NodePath("down-1")), HasStatus(204));
      REQUIRE_THAT(api.PatchJson(StatusPath("p1"), {{"phase", "Failed"}}), HasStatus(204));
      HttpResponse again = api.Get("/metrics");
      REQUIRE_THAT(again, HasStatus(200));
      std::vector<Sample> later = ParseMetrics(again.body);
      INFO(again.body);
      CHECK(RequestCount(later, "POST", "201", project_create_route) ==
            RequestCount(samples, "POST", "201", project_create_route) + 3);
      CHECK(SampleValue(later, "cara_nodes", {{"state", "NotReady"}}) == 1.0);
      CHECK(SampleValue(later, "cara_projects", {{"phase", "Pending"}}) == 4.0);
      CHECK(SampleValue(later, "cara_projects", {{"phase", "Failed"}}) == 1.0);
    }
  }
}

// ---- routing ------------------------------------------------------------------------

TEST_CASE("Unknown paths answer 404 page not found", "[misc][routing]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      MustCreateNode(api, NodeBody("n1"));
      MustCreateProject(api, ProjectBody("p"));

      for (const std::string path :
           {"/", "/api", "/api/v1", "/api/v1/bogus", "/api/v2/nodes", "/api/v1/nodes/n1/extra",
            "/api/v1/nodes/n1/heartbeat/x", "/api/v1/projects/p/status/x",
            "/api/v1/projects/p/logs/x", "/api/healthz/x", "/metrics/x"}) {
        for (const std::string method : {"GET", "POST"}) {
          INFO(method << " " << path);
          HttpResponse r = api.Send(method, path, method == "POST" ? "{}" : "");
          CHECK_THAT(r, HasStatus(404));
          CHECK_THAT(r.content_type(), Catch::StartsWith("text/plain"));
          CHECK(TrimNewline(r.body) == "404 page not found");
        }
      }
    }
  }
}

TEST_CASE("A known path with the wrong method answers 405 with Allow", "[misc][routing]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      MustCreateNode(api, NodeBody("n1"));
      MustCreateProject(api, ProjectBody("p"));

      struct Case {
        std::string method;
        std::string path;
        std::vector<std::string> allowed;
      };
      const std::vector<Case> cases = {
          {"DELETE", "/api/v1/nodes", {"GET", "POST"}},
          {"PUT", "/api/v1/nodes", {"GET", "POST"}},
          {"PATCH", "/api/v1/projects", {"GET", "POST"}},
          {"PATCH", "/api/v1/nodes/n1", {"GET", "PUT", "DELETE"}},
          {"POST", "/api/v1/nodes/n1", {"GET", "PUT", "DELETE"}},
          {"POST", "/api/v1/projects/p", {"GET", "PUT", "DELETE"}},
          {"GET", "/api/v1/nodes/n1/heartbeat", {"POST"}},
          {"PUT", "/api/v1/nodes/n1/heartbeat", {"POST"}},
          {"GET", "/api/v1/projects/p/status", {"PATCH"}},
          {"PUT", "/api/v1/projects/p/status", {"PATCH"}},
          {"POST", "/api/healthz", {"GET"}},
          {"DELETE", "/api/readyz", {"GET"}},
          {"POST", "/metrics", {"GET"}},
      };
      for (const Case& c : cases) {
        INFO(c.method << " " << c.path);
        // GET requests carry no body (see the framing test below).
        HttpResponse r = api.Send(c.method, c.path, c.method == "GET" ? "" : "{}");
        CHECK_THAT(r, HasStatus(405));
        REQUIRE(r.has_header("Allow"));
        std::vector<std::string> allow = SplitList(r.header("Allow"));
        for (const std::string& m : c.allowed) CHECK_THAT(allow, Catch::VectorContains(m));
        CHECK_FALSE(std::find(allow.begin(), allow.end(), c.method) != allow.end());
      }
      // Nothing was changed by the refused requests.
      CHECK(Generation(MustGet(api, NodePath("n1"))) == 1);
      CHECK(ListNames(api, kNodes) == std::vector<std::string>{"n1"});
    }
  }
}

TEST_CASE("GET routes answer HEAD without a body", "[misc][routing]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      MustCreateNode(api, NodeBody("n1"));
      MustCreateProject(api, ProjectBody("p"));

      for (const std::string path : {"/api/v1/nodes", "/api/v1/nodes/n1", "/api/v1/projects",
                                     "/api/v1/projects?phase=Pending", "/api/v1/projects/p",
                                     "/api/healthz", "/api/readyz", "/metrics"}) {
        INFO("HEAD " << path);
        HttpResponse get = api.Get(path);
        HttpResponse head = api.Head(path);
        CHECK_THAT(head, HasStatus(200));
        CHECK(head.body.empty());
        CHECK(head.content_type() == get.content_type());
      }
      CHECK_THAT(api.Head(NodePath("ghost")), HasStatus(404));
      CHECK_THAT(api.Head(ProjectPath("ghost")), HasStatus(404));

      // On the wire: no body bytes follow a HEAD response, so the next
      // response on the same connection parses cleanly.
      RawConnection conn(server.url());
      conn.Send("HEAD /api/v1/nodes/n1 HTTP/1.1\r\nHost: localhost\r\n" + BearerLine(server) +
                "\r\n");
      HttpResponse head = conn.ReadResponse(/*head_request=*/true);
      CHECK_THAT(head, HasStatus(200));
      conn.Send("GET /api/healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
      HttpResponse next = conn.ReadResponse();
      CHECK_THAT(next, HasStatus(200));
      CHECK(TrimNewline(next.body) == "OK");
    }
  }
}

TEST_CASE("Path names are URL-unescaped", "[misc][routing]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      MustCreateNode(api, NodeBody("n-1"));

      HttpResponse r = api.Get("/api/v1/nodes/n%2D1");
      REQUIRE_THAT(r, HasStatus(200));
      CHECK(r.json["metadata"]["name"] == "n-1");
      CHECK_THAT(api.Get("/api/v1/nodes/gh%6Fst"),
                 IsProblem(404, "node not found: ghost: resource not found"));
    }
  }
}

// ---- body limit -----------------------------------------------------------------------

// `body` padded with trailing spaces (still valid JSON) to exactly `size` bytes.
std::string PadTo(const json& body, size_t size) {
  std::string text = body.dump();
  REQUIRE(text.size() <= size);
  text.append(size - text.size(), ' ');
  return text;
}

TEST_CASE("Bodies over ServerOptions.max_body_bytes get 413", "[misc][limits]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      SECTION("the default limit is 1 MiB") {
        TestServer server(backend);
        HttpClient api(server.url());

        json big = NodeBody("big");
        big["metadata"]["annotations"] = {{"blob", std::string((1 << 20) + 16, 'x')}};
        CHECK_THAT(api.PostJson(kNodes, big), IsProblemWithAnyDetail(413));
        CHECK_THAT(api.Get(NodePath("big")), HasStatus(404));

        // (Annotations are limited to 256 KiB: the rest of the body is blanks.)
        json fits = NodeBody("fits");
        fits["metadata"]["annotations"] = {{"blob", std::string(200 * 1024, 'x')}};
        CHECK_THAT(api.Post(kNodes, PadTo(fits, (1 << 20) - 1024)), HasStatus(201));
        // The server is still healthy, on the same client and on a new one.
        CHECK_THAT(api.Get("/api/healthz"), HasStatus(200));
        HttpClient fresh(server.url());
        CHECK_THAT(fresh.Get("/api/healthz"), HasStatus(200));
      }
      SECTION("a configured limit applies to every body-carrying route") {
        server::ServerOptions options;
        options.max_body_bytes = 4096;
        TestServer server(backend, options);
        HttpClient api(server.url());

        // Exactly at the limit is fine; one byte more is not.
        CHECK_THAT(api.Post(kNodes, PadTo(NodeBody("n1"), 4096)), HasStatus(201));
        CHECK_THAT(api.Post(kNodes, PadTo(NodeBody("n2"), 4097)), IsProblemWithAnyDetail(413));
        CHECK_THAT(api.Get(NodePath("n2")), HasStatus(404));

        MustCreateProject(api, ProjectBody("p"));
        CHECK_THAT(api.Put(NodePath("n1"), PadTo(NodeBody("n1"), 5000)),
                   IsProblemWithAnyDetail(413));
        CHECK_THAT(api.Post(HeartbeatPath("n1"), PadTo({{"state", "Ready"}}, 5000)),
                   IsProblemWithAnyDetail(413));
        CHECK_THAT(api.Post(kProjects, PadTo(ProjectBody("q"), 8192)), IsProblemWithAnyDetail(413));
        CHECK_THAT(api.Put(ProjectPath("p"), PadTo(ProjectBody("p", "nginx:2"), 4097)),
                   IsProblemWithAnyDetail(413));
        CHECK_THAT(api.Patch(StatusPath("p"), PadTo({{"phase", "Running"}}, 4097)),
                   IsProblemWithAnyDetail(413));

        json node = MustGet(api, NodePath("n1"));
        CHECK(node["status"]["state"] == "NotReady");
        CHECK(At(node, "/status/lastHeartbeat").is_null());
        json p = MustGet(api, ProjectPath("p"));
        CHECK(p["status"]["phase"] == "Pending");
        CHECK(Generation(p) == 1);
        CHECK(ListNames(api, kProjects) == std::vector<std::string>{"p"});
      }
    }
  }
}

// ---- problem format and wire format ---------------------------------------------------

TEST_CASE("Problem bodies are compact RFC 9457 JSON with keys in reference order",
          "[misc][problem]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      HttpResponse nf = api.Get(ProjectPath("foo"));
      CHECK_THAT(nf.content_type(), Catch::StartsWith("application/problem+json"));
      CHECK(nf.body ==
            "{\"title\":\"Not Found\",\"status\":404,\"type\":\"https://developer.mozilla.org/"
            "en-US/docs/Web/HTTP/Status/404\",\"detail\":\"project not found: foo: resource not "
            "found\"}");

      MustCreateNode(api, NodeBody("n1"));
      HttpResponse conflict = api.PostJson(kNodes, NodeBody("n1"));
      CHECK(conflict.body ==
            "{\"title\":\"Conflict\",\"status\":409,\"type\":\"https://developer.mozilla.org/"
            "en-US/docs/Web/HTTP/Status/409\",\"detail\":\"node already exists: n1: resource "
            "already exists\"}");

      HttpResponse invalid = api.PostJson(HeartbeatPath("n1"), {{"state", "Bogus"}});
      CHECK(invalid.body ==
            "{\"title\":\"Validation Problem\",\"status\":400,\"type\":\"https://"
            "developer.mozilla.org/en-US/docs/Web/HTTP/Status/400\",\"detail\":\"invalid state "
            "Bogus: must be one of Ready, NotReady, Draining\"}");

      // Schema problems add `errors` after `detail`.
      json body = ProjectBody("p");
      body["spec"]["services"][0]["imagePullPolcy"] = "Always";
      HttpResponse schema = api.PostJson(kProjects, body);
      CHECK_THAT(schema, IsSchemaProblem("/spec/services/0/imagePullPolcy"));
      auto ordered = nlohmann::ordered_json::parse(schema.body, nullptr, false);
      REQUIRE_FALSE(ordered.is_discarded());
      std::vector<std::string> keys;
      for (auto it = ordered.begin(); it != ordered.end(); ++it) keys.push_back(it.key());
      CHECK(keys == std::vector<std::string>{"title", "status", "type", "detail", "errors"});
    }
  }
}

TEST_CASE("Success bodies are compact application/json", "[misc][wire]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json body = ProjectBodyInPhase("p", "Running", "n1");
      body["metadata"]["labels"] = {{"app", "web"}};
      HttpResponse created = api.PostJson(kProjects, body);
      REQUIRE_THAT(created, HasStatus(201));
      for (const HttpResponse& r :
           {created, api.Get(ProjectPath("p")), api.Get(kProjects), api.Get(kNodes)}) {
        CHECK_THAT(r.content_type(), Catch::StartsWith("application/json"));
        auto ordered = nlohmann::ordered_json::parse(r.body, nullptr, false);
        REQUIRE_FALSE(ordered.is_discarded());
        CHECK(ordered.dump() == r.body);
      }
      auto project = nlohmann::ordered_json::parse(created.body);
      std::vector<std::string> status_keys;
      for (auto it = project["status"].begin(); it != project["status"].end(); ++it) {
        status_keys.push_back(it.key());
      }
      CHECK(status_keys == std::vector<std::string>{"phase", "nodeRef"});
    }
  }
}

// ---- keep-alive ---------------------------------------------------------------------------

TEST_CASE("One connection serves many requests, errors included", "[misc][keepalive]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);

      RawConnection conn(server.url());
      auto request = [&](const std::string& method, const std::string& path,
                         const std::string& body) {
        std::string req =
            method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n" + BearerLine(server);
        if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
          req +=
              "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\n";
        }
        conn.Send(req + "\r\n" + body);
        HttpResponse r = conn.ReadResponse(method == "HEAD");
        CHECK(Catch::toLower(r.header("Connection")) != "close");
        return r;
      };

      CHECK_THAT(request("POST", kNodes, NodeBody("n1").dump()), HasStatus(201));
      CHECK_THAT(request("GET", NodePath("n1"), ""), HasStatus(200));
      CHECK_THAT(request("GET", NodePath("ghost"), ""),
                 IsProblem(404, "node not found: ghost: resource not found"));
      CHECK_THAT(request("POST", kNodes, "{"),
                 IsProblemStartingWith(400, "invalid request body: "));
      CHECK_THAT(request("POST", HeartbeatPath("n1"), ""), HasStatus(204));
      CHECK_THAT(request("GET", "/nowhere", ""), HasStatus(404));
      CHECK_THAT(request("DELETE", kNodes, ""), HasStatus(405));
      CHECK_THAT(request("HEAD", NodePath("n1"), ""), HasStatus(200));
      CHECK_THAT(request("DELETE", NodePath("n1"), ""), HasStatus(204));
      CHECK_THAT(request("GET", "/api/healthz", ""), HasStatus(200));

      // The same through httplib's keep-alive client.
      HttpClient api(server.url(), /*keep_alive=*/true);
      for (int i = 0; i < 50; ++i) {
        HttpResponse r = api.Get(kNodes);
        REQUIRE_THAT(r, HasStatus(200));
      }
    }
  }
}

TEST_CASE("A body on a GET request is consumed, so the connection stays in sync",
          "[misc][keepalive]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      MustCreateProject(api, ProjectBody("p"));

      // RFC 9112 §6.3: Content-Length frames the body whatever the method and
      // whatever the answer (200, 404, 405).
      for (const auto& [path, status] : std::vector<std::pair<std::string, int>>{
               {"/api/healthz", 200}, {"/nowhere", 404}, {StatusPath("p"), 405}}) {
        INFO("GET " << path << " with a body");
        RawConnection conn(server.url());
        conn.Send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + BearerLine(server) +
                  "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        CHECK_THAT(conn.ReadResponse(), HasStatus(status));
        conn.Send("GET /api/v1/nodes HTTP/1.1\r\nHost: localhost\r\n" + BearerLine(server) +
                  "\r\n");
        HttpResponse next = conn.ReadResponse();
        CHECK_THAT(next, HasStatus(200));
        CHECK(next.json["kind"] == "NodeList");
      }
    }
  }
}

}  // namespace
}  // namespace cara::testing
