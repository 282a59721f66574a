#include "net/problem.h"

#include <nlohmann/json.hpp>

namespace cara::net {

const char* ProblemTitle(int s) {
  switch (s) {
    case 400:
      return "Validation Problem";
    case 401:
    case 403:
    case 404:
    case 405:
    case 409:
    case 413:
    case 422:
    case 500:
    case 502:
    case 503:
      return ReasonPhrase(s);
    default:
      return s >= 500 ? "Internal Server Error" : "Bad Request";
  }
}

const char* ReasonPhrase(int s) {
  switch (s) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 422:
      return "Unprocessable Content";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "";
  }
}

std::string ProblemBody(int s, std::string_view detail, const std::vector<ProblemError>& errors) {
  nlohmann::ordered_json j;
  j["title"] = ProblemTitle(s);
  j["status"] = s;
  j["type"] = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/" + std::to_string(s);
  j["detail"] = detail;
  if (!errors.empty()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& e : errors) list.push_back({{"pointer", e.pointer}, {"detail", e.detail}});
    j["errors"] = std::move(list);
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::optional<Problem> ParseProblem(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("title") || !j["title"].is_string()) return std::nullopt;
  Problem problem;
  problem.title = j["title"].get<std::string>();
  problem.detail = StringField(j, "detail");
  if (j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (e.is_string()) {
        problem.errors.push_back(e.get<std::string>());
      } else if (e.is_object()) {
        problem.errors.push_back(StringField(e, "pointer") + ": " + StringField(e, "detail"));
      }
    }
  }
  return problem;
}

}  // namespace cara::net
