#include "cli/output.h"

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace cara::cli {

std::optional<OutputFormat> ParseOutputFormat(const std::string& name) {
  if (name == "table" || name.empty()) return OutputFormat::kTable;
  if (name == "json") return OutputFormat::kJson;
  if (name == "yaml") return OutputFormat::kYaml;
  if (name == "name") return OutputFormat::kName;
  if (name == "wide") return OutputFormat::kWide;
  if (name == "markdown") return OutputFormat::kMarkdown;
  return std::nullopt;
}

std::string RenderJson(const std::string& server_body) {
  auto j = nlohmann::ordered_json::parse(server_body, nullptr, false);
  if (j.is_discarded()) return server_body + "\n";
  return j.dump(2) + "\n";
}

namespace {

bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  static const char* const kReserved[] = {
      "null", "Null", "NULL", "~",  "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes",
      "YES",  "no",   "No",   "NO", "on",   "On",   "ON",   "off",   "Off",   "OFF",   "y",   "n"};
  for (const char* r : kReserved) {
    if (s == r) return true;
  }
  // Anything a YAML parser could read as a number, or that starts/ends oddly.
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  if (end && *end == '\0') return true;
  if (s.front() == ' ' || s.back() == ' ') return true;
  static const std::string kIndicators = "-?:,[]{}#&*!|>'\"%@`";
  if (kIndicators.find(s.front()) != std::string::npos) return true;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c < 0x20 || c == 0x7f) return true;
    if (c == ':' && (i + 1 == s.size() || s[i + 1] == ' ')) return true;
    if (c == '#' && i > 0 && s[i - 1] == ' ') return true;
  }
  return false;
}

std::string Scalar(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    return NeedsQuotes(s) ? nlohmann::json(s).dump() : s;
  }
  return v.dump();
}

bool IsEmptyCollection(const nlohmann::json& v) {
  return (v.is_object() || v.is_array()) && v.empty();
}

void EmitSequence(const nlohmann::json& v, int indent, std::string& out);

// Keys at `indent`; with first_inline the first key continues the current
// line (a mapping that is a sequence item: "- key: value").
void EmitMapping(const nlohmann::json& v, int indent, std::string& out, bool first_inline) {
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!(first && first_inline)) out.append(indent, ' ');
    first = false;
    out += Scalar(nlohmann::json(it.key())) + ":";
    const nlohmann::json& child = it.value();
    if (IsEmptyCollection(child)) {
      out += child.is_object() ? " {}\n" : " []\n";
    } else if (child.is_object()) {
      out += "\n";
      EmitMapping(child, indent + 4, out, false);
    } else if (child.is_array()) {
      out += "\n";
      EmitSequence(child, indent + 4, out);
    } else {
      out += " " + Scalar(child) + "\n";
    }
  }
}

void EmitSequence(const nlohmann::json& v, int indent, std::string& out) {
  for (const auto& item : v) {
    out.append(indent, ' ');
    out += "- ";
    if (IsEmptyCollection(item)) {
      out += item.is_object() ? "{}\n" : "[]\n";
    } else if (item.is_object()) {
      EmitMapping(item, indent + 2, out, true);
    } else if (item.is_array()) {
      out += "\n";
      EmitSequence(item, indent + 4, out);
    } else {
      out += Scalar(item) + "\n";
    }
  }
}

}  // namespace

std::string RenderYaml(const nlohmann::json& value) {
  if (IsEmptyCollection(value)) return value.is_object() ? "{}\n" : "[]\n";
  std::string out;
  if (value.is_object()) {
    EmitMapping(value, 0, out, false);
  } else if (value.is_array()) {
    EmitSequence(value, 0, out);
  } else {
    out = Scalar(value) + "\n";
  }
  return out;
}

std::string AgeSince(const std::string& rfc3339, Timestamp now) {
  if (rfc3339.empty()) return "<unknown>";
  auto t = ParseRfc3339(rfc3339);
  if (!t.ok() || IsGoZeroTime(*t)) return "<unknown>";
  return FormatAge(now - *t);
}

}  // namespace cara::cli
