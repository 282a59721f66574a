#include "api/validation.h"

#include <set>

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

Status ValidateProjectSpec(const ProjectSpec& spec) {
  if (spec.services.empty()) {
    return Status::Invalid("spec.services must contain at least one service");
  }
  std::set<std::string> service_names;
  for (const auto& s : spec.services) {
    if (s.name.empty()) return Status::Invalid("each service must have a non-empty name");
    service_names.insert(s.name);
  }
  for (const auto& s : spec.services) {
    if (s.image.empty()) return Status::Invalid("service " + s.name + ": image is required");
  }
  std::set<std::string> ingress_names;
  for (const auto& in : spec.ingress) {
    if (in.name.empty()) return Status::Invalid("each ingress entry must have a non-empty name");
    if (!ingress_names.insert(in.name).second) {
      return Status::Invalid("duplicate ingress name: " + in.name);
    }
    if (!service_names.count(in.target_service)) {
      return Status::Invalid("ingress " + in.name + ": target service " + in.target_service +
                             " does not exist in spec.services");
    }
    if (in.target_port <= 0) {
      return Status::Invalid("ingress " + in.name + ": target port must be greater than 0");
    }
    if (!in.access_scope.empty() && in.access_scope != "Internal") {
      return Status::Invalid("ingress " + in.name + ": only \"Internal\" scope is supported");
    }
  }
  return Status::Ok();
}

}  // namespace cara::api
