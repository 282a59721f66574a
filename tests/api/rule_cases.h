// Helpers of the table-driven semantic-rule tests: a valid project changed
// by an edit of its JSON document, and the {pointer, message} list it must
// produce.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/semantic_rules.h"

namespace cara::api {

using nlohmann::json;

struct Expected {
  std::string pointer;
  std::string message;
  bool reference = false;
};

inline std::string Show(const std::vector<Violation>& violations) {
  std::string out;
  for (const auto& v : violations) {
    out += (v.reference ? "[ref] " : "") + v.pointer + ": " + v.message + "\n";
  }
  return out;
}

inline void CheckViolations(const std::vector<Violation>& got, const std::vector<Expected>& want) {
  INFO(Show(got));
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(got[i].pointer == want[i].pointer);
    CHECK(got[i].message == want[i].message);
    CHECK(got[i].reference == want[i].reference);
  }
}

// A valid project with one service "web" and one volume "data", changed by `edit`.
inline Project ProjectWith(const std::function<void(json&)>& edit) {
  json doc = {{"apiVersion", "caravanserai/v1"},
              {"kind", "Project"},
              {"metadata", {{"name", "p"}}},
              {"spec",
               {{"services", json::array({{{"name", "web"}, {"image", "nginx"}}})},
                {"volumes", json::array({{{"name", "data"}, {"type", "Ephemeral"}}})}}}};
  edit(doc);
  auto project = DecodeProject(doc);
  INFO(doc.dump());
  REQUIRE(project.ok());
  return *project;
}

inline json Service(const std::string& name, const json& extra = json::object()) {
  json s = {{"name", name}, {"image", "nginx"}};
  s.update(extra);
  return s;
}

inline json Ingress(const std::string& name, const std::string& service, int64_t port) {
  return {{"name", name}, {"target", {{"service", service}, {"port", port}}}};
}

struct Case {
  const char* what;
  std::function<void(json&)> edit;
  std::vector<Expected> want;
};

}  // namespace cara::api
