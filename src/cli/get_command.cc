// caractrl get nodes|projects [NAME] (upstream-reference.md §8.2–8.3).
#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <ostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/label_selector.h"
#include "api/validation.h"
#include "cli/commands.h"
#include "cli/table.h"

namespace cara::cli {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

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

// --phase, matched case-insensitively: the canonical spelling, or empty.
std::string CanonicalPhase(const std::string& phase) {
  auto lower = [](std::string v) {
    for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v;
  };
  for (const char* p : {api::kPhasePending, api::kPhaseScheduled, api::kPhaseRunning,
                        api::kPhaseFailed, api::kPhaseTerminating, api::kPhaseTerminated}) {
    if (lower(p) == lower(phase)) return p;
  }
  return "";
}

// The list's query: the selector goes to the server, which filters.
Result<std::string> ListQuery(const GetOptions& o, bool nodes) {
  std::string query;
  if (!o.phase.empty()) {
    if (nodes) return Status::Invalid("--phase is only for projects (nodes have no phase)");
    std::string phase = CanonicalPhase(o.phase);
    if (phase.empty()) {
      return Status::Invalid("invalid phase " + api::GoQuote(o.phase) +
                             ": expected Pending, Scheduled, Running, Failed, Terminating or "
                             "Terminated");
    }
    query += "phase=" + phase;
  }
  if (!o.selector.empty()) {
    auto selector = api::LabelSelector::Parse(o.selector);
    if (!selector.ok()) {
      return Status::Invalid("invalid label selector " + api::GoQuote(o.selector) + ": " +
                             selector.status().message());
    }
    query += (query.empty() ? "" : "&") + std::string("labelSelector=") + PathEscape(o.selector);
  }
  return query;
}

std::atomic<bool> g_interrupted{false};

void Render(const CliContext& ctx, bool nodes, const ojson& body, bool header) {
  if (ctx.format == OutputFormat::kJson) {
    *ctx.out << body.dump(2) << "\n";
  } else if (ctx.format == OutputFormat::kYaml) {
    *ctx.out << RenderYaml(json::parse(body.dump())) << (header ? "" : "---\n");
  } else {
    std::vector<json> items;
    if (body.contains("items")) {
      for (const auto& i : body["items"]) items.push_back(json::parse(i.dump()));
    } else {
      items.push_back(json::parse(body.dump()));
    }
    Timestamp now = ctx.clock->Now();
    std::string table = nodes ? NodeTable(items, now) : ProjectTable(items, now);
    if (!header) table = table.substr(table.find('\n') + 1);
    *ctx.out << table;
  }
  ctx.out->flush();
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
  auto query = ListQuery(o, nodes);
  if (!query.ok()) return ReportError(ctx, query.status().message(), kExitInvalid);
  const std::string collection = nodes ? "nodes" : "projects";
  std::string path = "/api/v1/" + collection;
  std::string what = "get " + collection;
  if (!o.name.empty()) {
    path += "/" + PathEscape(o.name);
    what = std::string("get ") + (nodes ? "node " : "project ") + api::GoQuote(o.name);
  } else if (!query->empty()) {
    path += "?" + *query;
  }
  // Fetches the object or the (server-filtered) list.
  auto fetch = [&]() -> Result<ojson> {
    auto response = ctx.client->Get(path);
    Status st = ExpectSuccess(response);
    if (!st.ok()) return Status(st.code(), what + ": " + st.message());
    ojson body = ojson::parse(response->body, nullptr, false);
    if (body.is_discarded()) return Status::Internal(what + ": server sent malformed JSON");
    return body;
  };
  auto first = fetch();
  if (!first.ok()) return ReportError(ctx, first.status().message());
  Render(ctx, nodes, *first, true);
  if (!o.watch) return kExitOk;

  // Watch: poll, and print each object again whenever its resourceVersion moves.
  std::map<std::string, std::string> seen;
  auto remember = [&](const ojson& body, std::vector<ojson>* changed) {
    auto visit = [&](const ojson& obj) {
      std::string name = obj["metadata"].value("name", "");
      std::string rv = obj["metadata"].value("resourceVersion", "");
      auto [it, inserted] = seen.emplace(name, rv);
      if (!inserted && it->second != rv) {
        it->second = rv;
        if (changed) changed->push_back(obj);
      } else if (inserted && changed) {
        changed->push_back(obj);
      }
    };
    if (body.contains("items")) {
      for (const auto& i : body["items"]) visit(i);
    } else {
      visit(body);
    }
  };
  remember(*first, nullptr);
  g_interrupted = false;
  std::signal(SIGINT, [](int) { g_interrupted = true; });
  std::signal(SIGTERM, [](int) { g_interrupted = true; });
  while (!g_interrupted) {
    for (int i = 0; i < 10 && !g_interrupted; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (g_interrupted) break;
    auto next = fetch();
    if (!next.ok()) {
      ReportError(ctx, next.status().message());
      continue;
    }
    std::vector<ojson> changed;
    remember(*next, &changed);
    for (const auto& obj : changed) Render(ctx, nodes, obj, false);
  }
  return kExitOk;
}

}  // namespace cara::cli
