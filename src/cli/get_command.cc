// caractrl get nodes|projects [NAME] (upstream-reference.md §8.2–8.3).
#include <ostream>

#include <nlohmann/json.hpp>

#include "api/validation.h"
#include "cli/commands.h"
#include "cli/table.h"

namespace cara::cli {
namespace {

using nlohmann::json;

std::string Or(const json& obj, const json::json_pointer& ptr, const std::string& fallback) {
  if (!obj.contains(ptr) || !obj[ptr].is_string()) return fallback;
  const std::string& v = obj[ptr].get_ref<const std::string&>();
  return v.empty() ? fallback : v;
}

std::string CreatedAt(const json& obj) { return Or(obj, "/metadata/createdAt"_json_pointer, ""); }

std::string NodeTable(const std::vector<json>& items, Timestamp now) {
  Table t({"NAME", "STATE", "IP", "AGE"});
  for (const auto& n : items) {
    t.AddRow({Or(n, "/metadata/name"_json_pointer, ""),
              Or(n, "/status/state"_json_pointer, "<unknown>"),
              Or(n, "/status/network/ip"_json_pointer, "<none>"), AgeSince(CreatedAt(n), now)});
  }
  return t.Render();
}

// The CONDITIONS column shows the reason of the last condition.
std::string LastConditionReason(const json& p) {
  auto ptr = "/status/conditions"_json_pointer;
  if (!p.contains(ptr) || !p[ptr].is_array() || p[ptr].empty()) return "-";
  const json& last = p[ptr].back();
  return last.is_object() ? last.value("reason", "") : "";
}

std::string ProjectTable(const std::vector<json>& items, Timestamp now) {
  Table t({"NAME", "PHASE", "NODE", "CONDITIONS", "AGE"});
  for (const auto& p : items) {
    t.AddRow({Or(p, "/metadata/name"_json_pointer, ""),
              Or(p, "/status/phase"_json_pointer, "<unknown>"),
              Or(p, "/status/nodeRef"_json_pointer, "<none>"), LastConditionReason(p),
              AgeSince(CreatedAt(p), now)});
  }
  return t.Render();
}

}  // namespace

int RunGet(const CliContext& ctx, const GetOptions& o) {
  bool nodes = o.resource == "node" || o.resource == "nodes";
  bool projects = o.resource == "project" || o.resource == "projects";
  if (!nodes && !projects) {
    return ReportError(
        ctx, "unknown resource type " + api::GoQuote(o.resource) + ": expected nodes or projects",
        kExitInvalid);
  }
  const std::string collection = nodes ? "nodes" : "projects";
  std::string path = "/api/v1/" + collection;
  std::string what = "get " + collection;
  if (!o.name.empty()) {
    path += "/" + PathEscape(o.name);
    what = std::string("get ") + (nodes ? "node " : "project ") + api::GoQuote(o.name);
  } else if (projects && !o.phase.empty()) {
    path += "?phase=" + PathEscape(o.phase);
  }
  auto response = ctx.client->Get(path);
  Status st = ExpectSuccess(response);
  if (!st.ok()) return ReportError(ctx, what + ": " + st.message());

  if (ctx.format == OutputFormat::kJson) {
    *ctx.out << RenderJson(response->body);
    return kExitOk;
  }
  json body = json::parse(response->body, nullptr, false);
  if (body.is_discarded()) return ReportError(ctx, what + ": server sent malformed JSON");
  if (ctx.format == OutputFormat::kYaml) {
    *ctx.out << RenderYaml(body);
    return kExitOk;
  }
  std::vector<json> items;
  if (o.name.empty()) {
    if (body.contains("items") && body["items"].is_array()) {
      for (auto& i : body["items"]) items.push_back(std::move(i));
    }
  } else {
    items.push_back(std::move(body));
  }
  Timestamp now = ctx.clock->Now();
  *ctx.out << (nodes ? NodeTable(items, now) : ProjectTable(items, now));
  return kExitOk;
}

}  // namespace cara::cli
