#include "cli/output.h"

#include <cstdlib>

#include <yaml-cpp/yaml.h>
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

// Strings a YAML reader would not read back as the same string when plain:
// the words YAML 1.1 and 1.2 read as null or booleans, anything strtod reads
// as a number, and indicator, control or comment characters. These are
// double-quoted; yaml-cpp keeps the rest plain, as yaml.v3 does.
bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  static const char* const kReserved[] = {
      "null", "Null", "NULL", "~",  "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes",
      "YES",  "no",   "No",   "NO", "on",   "On",   "ON",   "off",   "Off",   "OFF",   "y",   "n"};
  for (const char* r : kReserved) {
    if (s == r) return true;
  }
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

void EmitString(YAML::Emitter& out, const std::string& s) {
  if (NeedsQuotes(s)) out << YAML::DoubleQuoted;
  out << s;
}

template <typename Json>
bool HasBlockChild(const Json& v) {
  for (const auto& child : v) {
    if ((child.is_object() || child.is_array()) && !child.empty()) return true;
  }
  return false;
}

// The layout of yaml.v3 (and of Kubernetes tools): a nested mapping or
// sequence four columns in, a sequence item's mapping two columns after its
// "- ", empty collections as {} and []. yaml-cpp indents a group's children
// by that group's indent and pads a scalar value to it, so mappings with
// nested collections indent by 4 and the others (and sequences) by 2.
template <typename Json>
void Emit(YAML::Emitter& out, const Json& v) {
  if (v.is_object() && v.empty()) {
    out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
  } else if (v.is_array() && v.empty()) {
    out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
  } else if (v.is_object()) {
    out << YAML::Indent(HasBlockChild(v) ? 4 : 2) << YAML::BeginMap;
    for (auto it = v.begin(); it != v.end(); ++it) {
      out << YAML::Key;
      EmitString(out, it.key());
      out << YAML::Value;
      Emit(out, it.value());
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    out << YAML::Indent(2) << YAML::BeginSeq;
    for (const auto& item : v) Emit(out, item);
    out << YAML::EndSeq;
  } else if (v.is_null()) {
    out << YAML::Null;
  } else if (v.is_string()) {
    EmitString(out, v.template get_ref<const typename Json::string_t&>());
  } else {
    out << v.dump();  // numbers and booleans as JSON spells them
  }
}

template <typename Json>
std::string RenderYamlOf(const Json& value) {
  YAML::Emitter out;
  out.SetNullFormat(YAML::LowerNull);
  Emit(out, value);
  return std::string(out.c_str(), out.size()) + "\n";
}

}  // namespace

std::string RenderYaml(const nlohmann::json& value) { return RenderYamlOf(value); }

std::string RenderYaml(const nlohmann::ordered_json& value) { return RenderYamlOf(value); }

std::string AgeSince(const std::string& rfc3339, Timestamp now) {
  if (rfc3339.empty()) return "<unknown>";
  auto t = ParseRfc3339(rfc3339);
  if (!t.ok() || IsGoZeroTime(*t)) return "<unknown>";
  return FormatAge(now - *t);
}

}  // namespace cara::cli
