#include "server/label_filter.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "common/go_quote.h"

namespace cara::server {
namespace {

using nlohmann::json;

// Only metadata is kept while parsing: spec and status can be large.
api::StringMap LabelsOf(const std::string& body) {
  json::parser_callback_t metadata_only = [](int depth, json::parse_event_t event, json& parsed) {
    return !(depth == 1 && event == json::parse_event_t::key && parsed != "metadata");
  };
  json doc = json::parse(body, metadata_only, /*allow_exceptions=*/false);
  api::StringMap labels;
  if (!doc.is_object() || !doc.contains("metadata") || !doc["metadata"].is_object()) return labels;
  const json& meta = doc["metadata"];
  auto it = meta.find("labels");
  if (it == meta.end() || !it->is_object()) return labels;
  for (const auto& [key, value] : it->items()) {
    if (value.is_string()) labels.emplace(key, value.get<std::string>());
  }
  return labels;
}

}  // namespace

Decoded<api::LabelSelector> ParseLabelSelectorParam(const httplib::Request& req) {
  const std::string text = req.get_param_value("labelSelector");
  auto selector = api::LabelSelector::Parse(text);
  if (!selector.ok()) {
    return BadRequest("invalid labelSelector " + GoQuote(text) + ": " +
                      selector.status().message());
  }
  return std::move(*selector);
}

void KeepMatching(const api::LabelSelector& selector, std::vector<std::string>& items) {
  if (selector.empty()) return;
  std::erase_if(items, [&](const std::string& body) { return !selector.Matches(LabelsOf(body)); });
}

}  // namespace cara::server
