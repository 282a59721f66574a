#include "cli/resource_printer.h"

#include "cli/table.h"
#include "common/time_format.h"

namespace cara::cli {
namespace {

using nlohmann::ordered_json;

std::string Or(const ordered_json& obj, const ordered_json::json_pointer& ptr,
               const std::string& fallback) {
  if (!obj.contains(ptr) || !obj[ptr].is_string()) return fallback;
  const std::string& v = obj[ptr].get_ref<const std::string&>();
  return v.empty() ? fallback : v;
}

std::string Name(const ordered_json& obj) { return Or(obj, "/metadata/name"_json_pointer, ""); }

std::string Age(const ordered_json& obj, Timestamp now) {
  return AgeSince(Or(obj, "/metadata/createdAt"_json_pointer, ""), now);
}

// The CONDITIONS column shows the reason of the last condition.
std::string LastConditionReason(const ordered_json& p) {
  auto ptr = "/status/conditions"_json_pointer;
  if (!p.contains(ptr) || !p[ptr].is_array() || p[ptr].empty()) return "-";
  const ordered_json& last = p[ptr].back();
  return last.is_object() ? last.value("reason", "") : "";
}

// "a,b" from one string field of each service; "<none>" without services.
std::string ServiceField(const ordered_json& p, const char* field) {
  auto ptr = "/spec/services"_json_pointer;
  if (!p.contains(ptr) || !p[ptr].is_array() || p[ptr].empty()) return "<none>";
  std::string out;
  for (const auto& s : p[ptr]) {
    std::string v = s.is_object() ? s.value(field, "") : "";
    out += (out.empty() ? "" : ",") + v;
  }
  return out;
}

// "in 2d", "expired" or "<none>".
std::string Expires(const ordered_json& p, Timestamp now) {
  std::string at = Or(p, "/spec/expireAt"_json_pointer, "");
  if (at.empty()) return "<none>";
  auto t = ParseRfc3339(at);
  if (!t.ok()) return "<unknown>";
  if (*t <= now) return "expired";
  return "in " + FormatAge(*t - now);
}

std::string NodeTable(const std::vector<ordered_json>& items, bool wide, Timestamp now) {
  std::vector<std::string> header = {"NAME", "STATE", "IP", "AGE"};
  if (wide) {
    header.insert(header.end(), {"CPU", "MEMORY", "AGENT-VERSION", "OS-IMAGE", "KERNEL-VERSION"});
  }
  Table t(header);
  for (const auto& n : items) {
    std::vector<std::string> row = {Name(n), Or(n, "/status/state"_json_pointer, "<unknown>"),
                                    Or(n, "/status/network/ip"_json_pointer, "<none>"),
                                    Age(n, now)};
    if (wide) {
      row.insert(row.end(), {Or(n, "/status/allocatable/cpu"_json_pointer, "<none>"),
                             Or(n, "/status/allocatable/memory"_json_pointer, "<none>"),
                             Or(n, "/status/info/agentVersion"_json_pointer, "<none>"),
                             Or(n, "/status/info/osImage"_json_pointer, "<none>"),
                             Or(n, "/status/info/kernelVersion"_json_pointer, "<none>")});
    }
    t.AddRow(std::move(row));
  }
  return t.Render();
}

std::string ProjectTable(const std::vector<ordered_json>& items, bool wide, Timestamp now) {
  std::vector<std::string> header = {"NAME", "PHASE", "NODE", "CONDITIONS", "AGE"};
  if (wide) header.insert(header.end(), {"SERVICES", "IMAGES", "EXPIRES"});
  Table t(header);
  for (const auto& p : items) {
    std::vector<std::string> row = {Name(p), Or(p, "/status/phase"_json_pointer, "<unknown>"),
                                    Or(p, "/status/nodeRef"_json_pointer, "<none>"),
                                    LastConditionReason(p), Age(p, now)};
    if (wide) {
      row.insert(row.end(), {ServiceField(p, "name"), ServiceField(p, "image"), Expires(p, now)});
    }
    t.AddRow(std::move(row));
  }
  return t.Render();
}

// "a,b": the keys of a Secret (those it has digests for), "<none>" without.
std::string SecretKeys(const ordered_json& s) {
  auto ptr = "/digests"_json_pointer;
  if (!s.contains(ptr) || !s[ptr].is_object() || s[ptr].empty()) return "<none>";
  std::string out;
  for (const auto& [key, digest] : s[ptr].items()) out += (out.empty() ? "" : ",") + key;
  return out;
}

size_t SecretKeyCount(const ordered_json& s) {
  auto ptr = "/digests"_json_pointer;
  return s.contains(ptr) && s[ptr].is_object() ? s[ptr].size() : 0;
}

std::string SecretTable(const std::vector<ordered_json>& items, bool wide, Timestamp now) {
  std::vector<std::string> header = {"NAME", "TYPE", "KEYS", "AGE"};
  if (wide) header.push_back("KEY-NAMES");
  Table t(header);
  for (const auto& s : items) {
    std::vector<std::string> row = {Name(s), Or(s, "/type"_json_pointer, "Opaque"),
                                    std::to_string(SecretKeyCount(s)), Age(s, now)};
    if (wide) row.push_back(SecretKeys(s));
    t.AddRow(std::move(row));
  }
  return t.Render();
}

std::string KindTable(ResourceKind kind, const std::vector<ordered_json>& items, bool wide,
                      Timestamp now) {
  switch (kind) {
    case ResourceKind::kNode:
      return NodeTable(items, wide, now);
    case ResourceKind::kSecret:
      return SecretTable(items, wide, now);
    case ResourceKind::kProject:
      break;
  }
  return ProjectTable(items, wide, now);
}

ordered_json Envelope(ResourceKind kind, const std::vector<ordered_json>& objects) {
  return {{"apiVersion", "caravanserai/v1"}, {"kind", NamesOf(kind).list_kind}, {"items", objects}};
}

}  // namespace

std::string PrintObjects(ResourceKind kind, const std::vector<ordered_json>& objects,
                         const PrintOptions& o) {
  switch (o.format) {
    case OutputFormat::kJson:
      return (o.as_list ? Envelope(kind, objects) : objects.at(0)).dump(2) + "\n";
    case OutputFormat::kYaml: {
      const ordered_json& value = o.as_list ? Envelope(kind, objects) : objects.at(0);
      return RenderYaml(nlohmann::json(value));  // keys sorted
    }
    case OutputFormat::kName: {
      std::string out;
      for (const auto& obj : objects) out += ObjectRef(kind, Name(obj)) + "\n";
      return out;
    }
    default: {
      bool wide = o.format == OutputFormat::kWide;
      std::string table = KindTable(kind, objects, wide, o.now);
      // Without the header the columns keep their widths, so rows printed
      // later (get -w) line up with the first ones.
      if (!o.headers) table.erase(0, table.find('\n') + 1);
      return table;
    }
  }
}

}  // namespace cara::cli
