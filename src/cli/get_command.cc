// caractrl get nodes|projects [NAME] (upstream-reference.md §8.2–8.3).
#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <ostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/validation.h"
#include "cli/commands.h"
#include "cli/list_all.h"
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

// A label selector: comma-separated requirements "k=v", "k==v", "k!=v" or "k".
struct Requirement {
  std::string key;
  std::string value;
  enum { kEquals, kNotEquals, kExists } op;
};

Result<std::vector<Requirement>> ParseSelector(const std::string& text) {
  std::vector<Requirement> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    start = end + 1;
    Requirement r;
    size_t neq = part.find("!=");
    size_t eq = part.find('=');
    if (neq != std::string::npos) {
      r = {part.substr(0, neq), part.substr(neq + 2), Requirement::kNotEquals};
    } else if (eq != std::string::npos) {
      size_t skip = part.compare(eq, 2, "==") == 0 ? 2 : 1;
      r = {part.substr(0, eq), part.substr(eq + skip), Requirement::kEquals};
    } else {
      r = {part, "", Requirement::kExists};
    }
    if (r.key.empty()) return Status::Invalid("invalid label selector " + api::GoQuote(text));
    out.push_back(std::move(r));
    if (end == text.size()) break;
  }
  return out;
}

template <typename Json>
bool Matches(const Json& obj, const std::vector<Requirement>& selector) {
  for (const auto& r : selector) {
    const Json* labels = nullptr;
    if (obj.contains("metadata") && obj["metadata"].contains("labels")) {
      labels = &obj["metadata"]["labels"];
    }
    bool has = labels && labels->contains(r.key) && (*labels)[r.key].is_string();
    std::string value = has ? (*labels)[r.key].template get<std::string>() : "";
    if (r.op == Requirement::kExists && !has) return false;
    if (r.op == Requirement::kEquals && (!has || value != r.value)) return false;
    if (r.op == Requirement::kNotEquals && has && value == r.value) return false;
  }
  return true;
}

// Every item of the list at `path` (all its pages) that the selector keeps,
// as one List object.
Result<ojson> FetchList(ApiClient& client, const std::string& path, const std::string& what,
                        bool nodes, const std::vector<Requirement>& selector) {
  ojson list = {{"apiVersion", "caravanserai/v1"},
                {"kind", nodes ? "NodeList" : "ProjectList"},
                {"items", ojson::array()}};
  ojson& items = list["items"];
  Status listed = ListAll(client, path, [&](ojson& item) {
    if (Matches(item, selector)) items.push_back(std::move(item));
    return Status::Ok();
  });
  if (!listed.ok()) return Status(listed.code(), what + ": " + listed.message());
  return list;
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
  auto selector = ParseSelector(o.selector);
  if (!selector.ok()) return ReportError(ctx, selector.status().message(), kExitInvalid);
  const std::string collection = nodes ? "nodes" : "projects";
  std::string path = "/api/v1/" + collection;
  std::string what = "get " + collection;
  if (!o.name.empty()) {
    path += "/" + PathEscape(o.name);
    what = std::string("get ") + (nodes ? "node " : "project ") + api::GoQuote(o.name);
  } else if (projects && !o.phase.empty()) {
    path += "?phase=" + PathEscape(o.phase);
  }
  // Fetches the object or the list, filtered by the selector.
  auto fetch = [&]() -> Result<ojson> {
    if (o.name.empty()) return FetchList(*ctx.client, path, what, nodes, *selector);
    auto response = ctx.client->Get(path);
    Status st = ExpectSuccess(response);
    if (!st.ok()) return Status(st.code(), what + ": " + st.message());
    ojson body = ojson::parse(response->body, nullptr, false);
    if (body.is_discarded()) return Status::Internal(what + ": server sent malformed JSON");
    if (body.contains("items") && body["items"].is_array()) {
      ojson kept = ojson::array();
      for (auto& item : body["items"]) {
        if (Matches(item, *selector)) kept.push_back(std::move(item));
      }
      body["items"] = std::move(kept);
    }
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
