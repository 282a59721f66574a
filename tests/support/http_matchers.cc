// The problem+json helpers and Catch2 matchers of http_client.h, apart from
// the client itself so that programs without Catch2 (the benchmarks) can
// use the client.
#include "support/http_client.h"

#include <algorithm>
#include <cctype>
#include <string>

#include <nlohmann/json.hpp>

namespace cara::testing {

namespace {

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Parses a problem body keeping key order; nullopt-like `discarded` if not JSON.
nlohmann::ordered_json ParseOrdered(const std::string& body) {
  return nlohmann::ordered_json::parse(body, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

std::string ProblemTitle(int status) {
  switch (status) {
    case 400:
      return "Validation Problem";
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
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "HTTP " + std::to_string(status);
  }
}

std::string ProblemType(int status) {
  return "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/" + std::to_string(status);
}

std::vector<std::string> ProblemErrorPointers(const HttpResponse& r) {
  std::vector<std::string> out;
  if (!r.has_json || !r.json.is_object()) return out;
  auto it = r.json.find("errors");
  if (it == r.json.end() || !it->is_array()) return out;
  for (const auto& e : *it) {
    if (e.is_object() && e.contains("pointer") && e["pointer"].is_string()) {
      out.push_back(e["pointer"].get<std::string>());
    }
  }
  return out;
}

std::string StatusMatcher::describe() const { return "has HTTP status " + std::to_string(status_); }

bool ProblemMatcher::match(const HttpResponse& r) const {
  if (r.status != status_) return false;
  if (!StartsWith(Lower(r.content_type()), "application/problem+json")) return false;
  nlohmann::ordered_json j = ParseOrdered(r.body);
  if (j.is_discarded() || !j.is_object()) return false;

  // Keys, in order: title, status, type, detail, then optionally instance, errors.
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  const std::vector<std::string> required = {"title", "status", "type", "detail"};
  if (keys.size() < required.size()) return false;
  for (size_t i = 0; i < required.size(); ++i) {
    if (keys[i] != required[i]) return false;
  }
  const std::vector<std::string> optional = {"instance", "errors"};
  size_t next_optional = 0;
  for (size_t i = required.size(); i < keys.size(); ++i) {
    while (next_optional < optional.size() && optional[next_optional] != keys[i]) ++next_optional;
    if (next_optional == optional.size()) return false;  // unknown or out-of-order key
    ++next_optional;
  }

  if (j["title"] != ProblemTitle(status_)) return false;
  if (!j["status"].is_number_integer() || j["status"].get<int>() != status_) return false;
  if (j["type"] != ProblemType(status_)) return false;
  if (!j["detail"].is_string()) return false;
  const std::string detail = j["detail"].get<std::string>();
  switch (mode_) {
    case Detail::kExact:
      return detail == detail_;
    case Detail::kPrefix:
      return StartsWith(detail, detail_);
    case Detail::kContains:
      return detail.find(detail_) != std::string::npos;
    case Detail::kAny:
      return true;
  }
  return false;
}

std::string ProblemMatcher::describe() const {
  std::string d = "is an application/problem+json " + std::to_string(status_) + " \"" +
                  ProblemTitle(status_) + "\" (type " + ProblemType(status_) +
                  ", keys title,status,type,detail[,instance][,errors])";
  switch (mode_) {
    case Detail::kExact:
      return d + " with detail equal to \"" + detail_ + "\"";
    case Detail::kPrefix:
      return d + " with detail starting with \"" + detail_ + "\"";
    case Detail::kContains:
      return d + " with detail containing \"" + detail_ + "\"";
    case Detail::kAny:
      return d;
  }
  return d;
}

bool SchemaProblemMatcher::match(const HttpResponse& r) const {
  if (!IsProblemContaining(400, pointer_).match(r)) return false;
  const auto& errors = r.json.find("errors");
  if (errors == r.json.end() || !errors->is_array() || errors->empty()) return false;
  bool found = false;
  for (const auto& e : *errors) {
    if (!e.is_object() || e.size() != 2) return false;
    if (!e.contains("pointer") || !e["pointer"].is_string()) return false;
    if (!e.contains("detail") || !e["detail"].is_string()) return false;
    if (e["detail"].get<std::string>().empty()) return false;
    if (e["pointer"] == pointer_) found = true;
  }
  return found;
}

std::string SchemaProblemMatcher::describe() const {
  return "is a 400 \"Validation Problem\" whose detail names " + pointer_ +
         " and whose errors array holds {\"pointer\":\"" + pointer_ + "\",\"detail\":...}";
}

}  // namespace cara::testing

std::string Catch::StringMaker<cara::testing::HttpResponse>::convert(
    const cara::testing::HttpResponse& r) {
  if (!r.ok()) return "<transport error: " + r.error + ">";
  std::string body = r.body;
  if (body.size() > 2000)
    body = body.substr(0, 2000) + "...(" + std::to_string(r.body.size()) + " bytes)";
  std::string out = "HTTP " + std::to_string(r.status);
  if (r.has_header("Content-Type")) out += " [" + r.content_type() + "]";
  if (r.has_header("Allow")) out += " [Allow: " + r.header("Allow") + "]";
  return out + " " + (body.empty() ? "<empty body>" : body);
}
