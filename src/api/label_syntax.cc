#include "api/label_syntax.h"

#include <string>

#include "common/go_quote.h"

namespace cara::api {
namespace {

const char kNameRule[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. \"app\", \"my.name\" or \"123-abc\")";
const char kPrefixRule[] =
    "must be a DNS subdomain: lowercase alphanumeric characters, '-' or '.', with every "
    "dot-separated part starting and ending with an alphanumeric character (e.g. "
    "\"example.com\")";

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])? for a non-empty s.
bool IsNameSyntax(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*
bool IsDnsSubdomain(std::string_view s) {
  if (s.empty()) return false;
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (part.empty() || !IsLowerAlnum(part.front()) || !IsLowerAlnum(part.back())) return false;
    for (char c : part) {
      if (!IsLowerAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// Quoted for a message; very long inputs are cut (the length is named).
std::string Shown(std::string_view s) {
  if (s.size() <= 80) return GoQuote(s);
  return GoQuote(std::string(s.substr(0, 40)) + "...");
}

Status Bad(const char* what, std::string_view whole, const std::string& reason) {
  return Status::Invalid(std::string(what) + " " + Shown(whole) + " is invalid: " + reason);
}

std::string TooLong(const char* part, size_t size, size_t max) {
  return std::string(part) + " is " + std::to_string(size) + " characters long: must be no more " +
         "than " + std::to_string(max) + " characters";
}

}  // namespace

Status ValidateLabelKey(std::string_view key) {
  size_t slash = key.find('/');
  std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  if (slash != std::string_view::npos) {
    std::string_view prefix = key.substr(0, slash);
    if (name.find('/') != std::string_view::npos) {
      return Bad("key", key, "must contain at most one '/'");
    }
    if (prefix.empty()) return Bad("key", key, "the prefix before '/' must not be empty");
    if (prefix.size() > kMaxLabelPrefixLength) {
      return Bad("key", key, TooLong("the prefix", prefix.size(), kMaxLabelPrefixLength));
    }
    if (!IsDnsSubdomain(prefix)) {
      return Bad("key", key, "the prefix " + Shown(prefix) + " " + kPrefixRule);
    }
  }
  if (name.empty()) return Bad("key", key, "the name part must not be empty");
  if (name.size() > kMaxLabelNameLength) {
    return Bad("key", key, TooLong("the name part", name.size(), kMaxLabelNameLength));
  }
  if (!IsNameSyntax(name)) return Bad("key", key, "the name part " + Shown(name) + " " + kNameRule);
  return Status::Ok();
}

Status ValidateLabelValue(std::string_view value) {
  if (value.empty()) return Status::Ok();
  if (value.size() > kMaxLabelValueLength) {
    return Bad("value", value, TooLong("it", value.size(), kMaxLabelValueLength));
  }
  if (!IsNameSyntax(value)) return Bad("value", value, std::string("it ") + kNameRule);
  return Status::Ok();
}

}  // namespace cara::api
