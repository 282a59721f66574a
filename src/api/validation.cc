#include "api/validation.h"

namespace cara::api {

namespace {

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// ^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$ without std::regex (hot path).
bool MatchesNamePattern(const std::string& n) {
  if (n.empty() || n.size() > 253) return false;
  if (!IsAlnum(n.front()) || !IsAlnum(n.back())) return false;
  for (char c : n) {
    if (!IsAlnum(c) && c != '.' && c != '-') return false;
  }
  return true;
}

}  // namespace

bool IsNamePrefix(const std::string& prefix) {
  if (prefix.empty() || prefix.size() > 40) return false;
  for (char c : prefix) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return prefix.front() != '-';
}

Status ValidateName(const std::string& name) {
  if (name.empty()) return Status::Invalid("metadata.name is required");
  if (name.size() > 253) {
    return Status::Invalid("name " + GoQuote(name.substr(0, 20) + "...") + " is " +
                           std::to_string(name.size()) +
                           " characters long: must be no more than 253 characters");
  }
  if (!MatchesNamePattern(name)) {
    std::string shown = name.size() > 40 ? name.substr(0, 40) + "..." : name;
    return Status::Invalid("name " + GoQuote(shown) +
                           " is invalid: must consist of lowercase alphanumeric characters, "
                           "hyphens (-) or dots (.), and must start and end with an "
                           "alphanumeric character");
  }
  return Status::Ok();
}

}  // namespace cara::api
