// Rendering API objects for humans and scripts: indented JSON in the
// server's key order, YAML with sorted keys (the reference CLI's yaml.v3
// output), and kubectl-style ages.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "common/clock.h"

namespace cara::cli {

// name: get, apply and delete; wide: get; markdown: diff and sync.
enum class OutputFormat { kTable, kJson, kYaml, kName, kWide, kMarkdown };

// "table" | "json" | "yaml" | "name" | "wide" | "markdown"; anything else is
// an error in our CLI.
std::optional<OutputFormat> ParseOutputFormat(const std::string& name);

// Two-space indented JSON, keys in the order the server sent them, newline-terminated.
std::string RenderJson(const std::string& server_body);

// YAML (yaml-cpp's emitter) in yaml.v3's layout: 4-space indentation,
// ending with one newline. Keys in the value's order: sorted for a json,
// as inserted for an ordered_json.
std::string RenderYaml(const nlohmann::json& value);
std::string RenderYaml(const nlohmann::ordered_json& value);

// "<n>s|m|h|d" since an RFC 3339 timestamp string; "<unknown>" if absent or bad.
std::string AgeSince(const std::string& rfc3339, Timestamp now);

}  // namespace cara::cli
