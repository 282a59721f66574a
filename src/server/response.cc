#include "server/response.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "common/log.h"

namespace cara::server {

const char* StatusTitle(int s) {
  switch (s) {
    case 400:
      return "Validation Problem";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 503:
      return "Service Unavailable";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    default:
      return s >= 500 ? "Internal Server Error" : "Bad Request";
  }
}

std::string ProblemBody(int s, const std::string& detail,
                        const std::vector<api::SchemaError>& errors) {
  nlohmann::ordered_json j;
  j["title"] = StatusTitle(s);
  j["status"] = s;
  j["type"] = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/" + std::to_string(s);
  j["detail"] = detail;
  if (!errors.empty()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& e : errors) {
      list.push_back({{"pointer", e.pointer}, {"detail", e.message}});
    }
    j["errors"] = std::move(list);
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void WriteProblem(httplib::Response& res, int s, const std::string& detail,
                  const std::vector<api::SchemaError>& errors) {
  res.status = s;
  res.set_content(ProblemBody(s, detail, errors), "application/problem+json");
}

void WriteProblem(httplib::Response& res, const Problem& problem) {
  WriteProblem(res, problem.http_status, problem.detail, problem.errors);
}

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalid:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
    case Code::kConflict:
      return 409;
    case Code::kTooLarge:
      return 413;
    case Code::kUnavailable:
    case Code::kInternal:
      return 500;
  }
  return 500;
}

void WriteError(httplib::Response& res, const Status& status) {
  int s = HttpStatusFor(status.code());
  if (s == 500) {
    LOG_ERROR("request failed").Kv("error", status.ToString());
    WriteProblem(res, 500, "Internal server error");
    return;
  }
  WriteProblem(res, s, status.message());
}

void WriteCreateError(httplib::Response& res, const Status& status, const std::string& what,
                      const std::string& name) {
  if (status.code() == Code::kAlreadyExists) {
    return WriteError(res, status.Wrap(what + " already exists: " + name));
  }
  WriteError(res, status);
}

void WriteJson(httplib::Response& res, int s, std::string body) {
  res.status = s;
  res.set_content(std::move(body), "application/json");
}

std::string JoinListBody(const char* kind, const std::vector<std::string>& items) {
  size_t size = 64;
  for (const auto& i : items) size += i.size() + 1;
  std::string out;
  out.reserve(size);
  out += "{\"apiVersion\":\"caravanserai/v1\",\"kind\":\"";
  out += kind;
  out += "\",\"items\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i];
  }
  out += "]}";
  return out;
}

}  // namespace cara::server
