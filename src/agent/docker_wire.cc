#include "agent/docker_wire.h"

#include "net/percent_encoding.h"

namespace cara::agent {

using json = nlohmann::json;

std::string QueryEncode(std::string_view s) { return net::PercentEncode(s); }

std::string PathEncode(std::string_view s) { return net::PercentEncode(s, "/:@"); }

std::string WithLabelFilter(std::string path, const Labels& labels) {
  if (labels.empty()) return path;
  json list = json::array();
  for (const auto& [k, v] : labels) list.push_back(v.empty() ? k : k + "=" + v);
  path += path.find('?') == std::string::npos ? '?' : '&';
  return path + "filters=" + QueryEncode(json{{"label", list}}.dump());
}

std::string StringField(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

Labels LabelsFrom(const json& obj) {
  Labels labels;
  if (!obj.is_object()) return labels;
  for (const auto& [k, v] : obj.items()) {
    if (v.is_string()) labels[k] = v.get<std::string>();
  }
  return labels;
}

std::string StripSlash(std::string name) {
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return name;
}

Result<json> ParseEngineJson(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Internal("invalid JSON from Docker: " + body.substr(0, 200));
  }
  return j;
}

}  // namespace cara::agent
