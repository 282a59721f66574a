#include "bench/manifests.h"

#include <cctype>
#include <cstdio>

namespace cara::bench {
namespace {

using json = nlohmann::ordered_json;

std::string Numbered(const char* prefix, int index) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%05d", prefix, index);
  return buf;
}

// Plain only if YAML 1.2 reads it back as this same string: starts with a
// letter or '/', no ": " or " #", and not a word the core schema would turn
// into null or a boolean.
bool PlainSafe(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '/')) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string("-./_:").find(c) == std::string::npos) {
      return false;
    }
  }
  if (s.back() == ':') return false;
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower != "null" && lower != "true" && lower != "false";
}

std::string Scalar(const json& v) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    return PlainSafe(s) ? s : v.dump();
  }
  return v.dump();
}

bool IsCollection(const json& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void Emit(const json& v, int indent, std::string& out);

void EmitObject(const json& v, int indent, std::string& out, bool first_inline) {
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!(first && first_inline)) out.append(indent, ' ');
    first = false;
    out += it.key() + ":";
    if (IsCollection(*it)) {
      out += "\n";
      Emit(*it, indent + 2, out);
    } else {
      out += " " + Scalar(*it) + "\n";
    }
  }
}

void Emit(const json& v, int indent, std::string& out) {
  if (v.is_object()) return EmitObject(v, indent, out, false);
  for (const json& item : v) {
    out.append(indent, ' ');
    out += "- ";
    if (item.is_object() && !item.empty()) {
      EmitObject(item, indent + 2, out, true);
    } else if (IsCollection(item)) {
      out += "\n";
      Emit(item, indent + 2, out);
    } else {
      out += Scalar(item) + "\n";
    }
  }
}

}  // namespace

std::string ProjectName(int index) { return Numbered("bench-", index); }
std::string NodeName(int index) { return Numbered("bench-node-", index); }

json ProjectDocument(int index, int revision) {
  const std::string name = ProjectName(index);
  json api = {{"name", "api"},
              {"image", "registry.example.internal/bench/api:1." + std::to_string(revision)},
              {"command", {"sh", "-c", "exec httpd -f -p 8080 -h /www"}},
              {"env",
               {{{"name", "DB_HOST"}, {"value", "db"}},
                {{"name", "DB_PORT"}, {"value", "6379"}},
                {{"name", "LOG_LEVEL"}, {"value", "info"}}}}};
  json db = {{"name", "db"},
             {"image", "cara/busybox:test"},
             {"imagePullPolicy", "IfNotPresent"},
             {"command", {"sh", "-c", "exec httpd -f -p 6379 -h /data"}},
             {"volumeMounts", {{{"name", "data"}, {"mountPath", "/data"}}}}};
  return {
      {"apiVersion", "caravanserai/v1"},
      {"kind", "Project"},
      {"metadata",
       {{"name", name},
        {"labels",
         {{"app.kubernetes.io/part-of", "bench"}, {"team", "team-" + std::to_string(index % 7)}}},
        {"annotations",
         {{"caravanserai.io/description", "Benchmark project " + std::to_string(index)}}}}},
      {"spec",
       {{"services", {api, db}},
        {"volumes", {{{"name", "data"}, {"type", "Ephemeral"}}}},
        {"ingress",
         {{{"name", "api"},
           {"host", name + ".example.internal"},
           {"target", {{"service", "api"}, {"port", 8080}}}}}},
        {"resources", {{"cpu", "100m"}, {"memory", "128Mi"}}}}}};
}

json NodeDocument(int index) {
  const std::string name = NodeName(index);
  return {{"apiVersion", "caravanserai/v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}}},
          {"spec", {{"hostname", name}}}};
}

json HeartbeatBody() {
  return {{"state", "Ready"},
          {"network", {{"ip", "10.1.2.3"}, {"agentPort", 9090}}},
          {"capacity", {{"cpu", "16"}, {"memory", "64Gi"}}},
          {"allocatable", {{"cpu", "15500m"}, {"memory", "63Gi"}}},
          {"info",
           {{"kernelVersion", "6.1.0-bench"},
            {"osImage", "Debian GNU/Linux 12 (bookworm)"},
            {"agentVersion", "0.1.0"}}}};
}

std::string ToYaml(const json& document) {
  std::string out;
  Emit(document, 0, out);
  return out;
}

}  // namespace cara::bench
