// Builders and small helpers shared by the black-box REST API tests.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/time_format.h"
#include "support/http_client.h"
#include "support/test_server.h"

namespace cara::testing {

using nlohmann::json;

inline const std::string kNodes = "/api/v1/nodes";
inline const std::string kProjects = "/api/v1/projects";

// The header line a raw request needs to act as the server's admin ("" when
// the server takes no tokens).
inline std::string BearerLine(const TestServer& server) {
  return server.admin_token().empty() ? ""
                                      : "Authorization: Bearer " + server.admin_token() + "\r\n";
}

inline std::string NodePath(const std::string& name) { return kNodes + "/" + name; }
inline std::string HeartbeatPath(const std::string& name) {
  return kNodes + "/" + name + "/heartbeat";
}
inline std::string ProjectPath(const std::string& name) { return kProjects + "/" + name; }
inline std::string StatusPath(const std::string& name) {
  return kProjects + "/" + name + "/status";
}

// A minimal Node body, as an agent registers it.
inline json NodeBody(const std::string& name) {
  return {{"apiVersion", "caravanserai/v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}}},
          {"spec", {{"hostname", name}}}};
}

// A Node body with a supplied status (stored verbatim on create).
inline json NodeBodyWithStatus(const std::string& name, const json& status) {
  json body = NodeBody(name);
  body["status"] = status;
  return body;
}

inline json ServiceSpec(const std::string& image = "nginx:alpine") {
  return {{"services", json::array({{{"name", "web"}, {"image", image}}})}};
}

// A minimal Project body with one service "web".
inline json ProjectBody(const std::string& name, const std::string& image = "nginx:alpine") {
  return {{"apiVersion", "caravanserai/v1"},
          {"kind", "Project"},
          {"metadata", {{"name", name}}},
          {"spec", ServiceSpec(image)}};
}

// A Project body created directly in a phase (create keeps a supplied status).
inline json ProjectBodyInPhase(const std::string& name, const std::string& phase,
                               const std::string& node_ref = "") {
  json body = ProjectBody(name);
  body["status"] = {{"phase", phase}};
  if (!node_ref.empty()) body["status"]["nodeRef"] = node_ref;
  return body;
}

// RFC 3339 for "now + offset" (negative offsets are in the past).
inline std::string TimeFromNow(Duration offset) {
  return FormatRfc3339(SystemClock::Default()->Now() + offset);
}

inline Timestamp ParseTime(const json& value) {
  REQUIRE(value.is_string());
  auto t = ParseRfc3339(value.get<std::string>());
  REQUIRE(t.ok());
  return *t;
}

// POSTs and requires 201; returns the created object.
inline json MustCreate(HttpClient& api, const std::string& collection, const json& body) {
  HttpResponse r = api.PostJson(collection, body);
  REQUIRE_THAT(r, HasStatus(201));
  REQUIRE(r.has_json);
  return r.json;
}
inline json MustCreateNode(HttpClient& api, const json& body) {
  return MustCreate(api, kNodes, body);
}
inline json MustCreateProject(HttpClient& api, const json& body) {
  return MustCreate(api, kProjects, body);
}

// GETs and requires 200; returns the object.
inline json MustGet(HttpClient& api, const std::string& path) {
  HttpResponse r = api.Get(path);
  REQUIRE_THAT(r, HasStatus(200));
  REQUIRE(r.has_json);
  return r.json;
}

// The names of the items of a list response, in order.
inline std::vector<std::string> ItemNames(const HttpResponse& r) {
  std::vector<std::string> names;
  REQUIRE(r.has_json);
  REQUIRE(r.json.contains("items"));
  REQUIRE(r.json["items"].is_array());
  for (const auto& item : r.json["items"]) {
    names.push_back(item["metadata"]["name"].get<std::string>());
  }
  return names;
}

inline std::vector<std::string> ListNames(HttpClient& api, const std::string& path) {
  HttpResponse r = api.Get(path);
  REQUIRE_THAT(r, HasStatus(200));
  return ItemNames(r);
}

// The condition of `type` in an object's status.conditions, or null.
inline json FindCondition(const json& object, const std::string& type) {
  const json& status = object.at("status");
  if (!status.contains("conditions")) return nullptr;
  for (const auto& c : status["conditions"]) {
    if (c.value("type", "") == type) return c;
  }
  return nullptr;
}

inline std::string ResourceVersion(const json& object) {
  REQUIRE(object["metadata"].contains("resourceVersion"));
  REQUIRE(object["metadata"]["resourceVersion"].is_string());
  return object["metadata"]["resourceVersion"].get<std::string>();
}

inline int64_t Generation(const json& object) {
  REQUIRE(object["metadata"].contains("generation"));
  REQUIRE(object["metadata"]["generation"].is_number_integer());
  return object["metadata"]["generation"].get<int64_t>();
}

// A value at a JSON pointer, or null when absent (for "left out" checks).
inline json At(const json& object, const std::string& pointer) {
  json::json_pointer p(pointer);
  return object.contains(p) ? object[p] : json(nullptr);
}

}  // namespace cara::testing
