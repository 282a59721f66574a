#include "bench/manifests.h"

#include <cstdio>

namespace cara::bench {
namespace {

using json = nlohmann::ordered_json;

std::string Numbered(const char* prefix, int index) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%05d", prefix, index);
  return buf;
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

}  // namespace cara::bench
