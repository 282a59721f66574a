// A real cara-server with its controllers on loopback, short timings, and
// helpers to drive and observe it over HTTP (nodes heartbeating through the
// API, projects, their phases and conditions).
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "api/codec.h"
#include "api/lifecycle.h"
#include "support/fake_clock.h"
#include "support/http_client.h"
#include "support/test_server.h"

namespace cara::testing {

using namespace std::chrono_literals;
using nlohmann::json;

// Polls `fetch` until `done` accepts its value or the deadline passes; the
// last value is returned either way so the assertion shows it.
template <typename Fetch, typename Done>
inline json WaitFor(Fetch fetch, Done done, std::chrono::milliseconds deadline = 8000ms) {
  auto until = std::chrono::steady_clock::now() + deadline;
  json last = fetch();
  while (!done(last) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(50ms);
    last = fetch();
  }
  return last;
}

// Posts a heartbeat for a node every 300ms on its own thread until stopped.
class Heartbeater {
 public:
  Heartbeater(std::string url, std::string node, json body = {{"state", "Ready"}})
      : url_(std::move(url)), node_(std::move(node)), body_(std::move(body)) {
    Beat();
    thread_ = std::thread([this] {
      while (!stop_) {
        std::this_thread::sleep_for(300ms);
        if (!stop_) Beat();
      }
    });
  }
  ~Heartbeater() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Beat() {
    HttpClient api(url_);
    api.PostJson("/api/v1/nodes/" + node_ + "/heartbeat", body_);
  }
  std::string url_, node_;
  json body_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class Cluster {
 public:
  // The server, its controllers and leader election run on `clock`.
  explicit Cluster(const std::string& backend, Clock* clock = SystemClock::Default())
      : controllers_(ControllersOn(clock)),
        server_(backend, {}, &controllers_),
        api_(server_.url()) {}

  const std::string url() const { return server_.url(); }
  HttpClient& api() { return api_; }

  void AddNode(const std::string& name, json labels = json::object()) {
    json metadata = {{"name", name}};
    if (!labels.empty()) metadata["labels"] = std::move(labels);
    REQUIRE(api_.PostJson("/api/v1/nodes", {{"metadata", metadata}}).status == 201);
  }
  // Registers a node that heartbeats (Ready) until the returned beat stops.
  std::unique_ptr<Heartbeater> AddReadyNode(const std::string& name, json labels = json::object()) {
    AddNode(name, std::move(labels));
    auto beat = std::make_unique<Heartbeater>(url(), name);
    WaitNode(name, "Ready");
    return beat;
  }
  // A one-service spec, with the top-level fields of `extra` set over it.
  static json Spec(const json& extra) {
    json spec = {{"services", {{{"name", "web"}, {"image", "cara/busybox:test"}}}}};
    spec.update(extra);
    return spec;
  }
  // The project as created.
  json AddProject(const std::string& name, json spec_extra = json::object()) {
    HttpResponse r = api_.PostJson("/api/v1/projects",
                                   {{"metadata", {{"name", name}}}, {"spec", Spec(spec_extra)}});
    INFO(r.body);
    REQUIRE(r.status == 201);
    return r.json;
  }
  json Get(const std::string& path) {
    HttpClient api(server_.url());
    auto r = api.Get(path);
    return r.status == 200 ? r.json : json{{"status", r.status}};
  }
  json Node(const std::string& name) { return Get("/api/v1/nodes/" + name); }
  json Project(const std::string& name) { return Get("/api/v1/projects/" + name); }
  json WaitNode(const std::string& name, const std::string& state) {
    return WaitFor([&] { return Node(name); },
                   [&](const json& n) { return n["status"].value("state", "") == state; });
  }
  json WaitProject(const std::string& name, const std::function<bool(const json&)>& done) {
    return WaitFor([&] { return Project(name); }, done);
  }
  json WaitPhase(const std::string& name, const std::string& phase) {
    return WaitProject(name, [&](const json& p) { return Phase(p) == phase; });
  }
  // Waits for the scheduler's verdict on a project that cannot be placed;
  // returns its message ("0/2 nodes available: ...").
  std::string WaitUnschedulable(const std::string& name) {
    json p = WaitProject(name, [](const json& p) { return !Condition(p, "Phase").is_null(); });
    CHECK(Phase(p) == "Pending");
    CHECK(Condition(p, "Phase")["reason"] == "Unschedulable");
    return Condition(p, "Phase").value("message", "");
  }
  bool WaitGone(const std::string& name) {
    return WaitProject(name, [](const json& p) {
             return p.value("status", json()) == 404;
           }).value("status", json()) == 404;
  }
  void Patch(const std::string& project, const std::string& phase) {
    REQUIRE(api_.PatchJson("/api/v1/projects/" + project + "/status",
                           {{"phase", phase}, {"reason", "Test"}, {"message", "set by test"}})
                .status == 204);
  }
  static std::string Phase(const json& p) {
    return p.contains("status") && p["status"].is_object() ? p["status"].value("phase", "") : "";
  }
  static std::string NodeRef(const json& p) { return p["status"].value("nodeRef", ""); }
  // Threads that wait on the clock; all blocked means the controllers are
  // done until time moves or something changes.
  size_t clock_threads() const { return server_.clock_threads(); }
  static json Condition(const json& obj, const std::string& type) {
    for (const auto& c : obj["status"].value("conditions", json::array())) {
      if (c["type"] == type) return c;
    }
    return nullptr;
  }

 private:
  static TestControllers ControllersOn(Clock* clock) {
    TestControllers controllers;
    controllers.clock = clock;
    return controllers;
  }

  TestControllers controllers_;
  TestServer server_;
  HttpClient api_;
};

}  // namespace cara::testing
