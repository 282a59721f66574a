#include "agent/config_changes.h"

#include <cstdint>
#include <cstdio>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/project_runtime.h"

namespace cara::agent {
namespace {

using json = nlohmann::json;

// FNV-1a, 32 bits: enough to tell a change, too short to be a handle on a value.
std::string ShortDigest(const std::string& text) {
  uint32_t h = 2166136261u;
  for (unsigned char c : text) {
    h ^= c;
    h *= 16777619u;
  }
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", h);
  return buf;
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += item + '\0';
  return out;
}

// "NAME=VALUE" -> NAME -> digest of VALUE.
void AddEnv(json& env, const std::vector<std::string>& entries) {
  for (const std::string& entry : entries) {
    const size_t eq = entry.find('=');
    env[entry.substr(0, eq)] = ShortDigest(eq == std::string::npos ? "" : entry.substr(eq + 1));
  }
}

std::string PortsText(const std::vector<PortSpec>& ports) {
  std::ostringstream out;
  for (const auto& p : ports) {
    out << p.container_port << '/' << p.protocol << '>' << p.host_ip << ':' << p.host_port << ';';
  }
  return out.str();
}

std::string HealthcheckText(const std::optional<HealthcheckSpec>& hc) {
  if (!hc) return "";
  std::ostringstream out;
  out << hc->interval_ns << ',' << hc->timeout_ns << ',' << hc->start_period_ns << ','
      << hc->retries << ';' << Joined(hc->command);
  return out.str();
}

json Parts(const ContainerSpec& spec) {
  json parts = json::object();
  parts["image"] = spec.image;
  json env = json::object();
  AddEnv(env, spec.env);
  AddEnv(env, spec.secret_digests);  // the digest of a Secret's value, never the value
  parts["env"] = std::move(env);
  parts["command"] = ShortDigest(Joined(spec.command));
  parts["volumes"] = ShortDigest(Joined(spec.binds));
  parts["ports"] = ShortDigest(PortsText(spec.ports));
  parts["limits"] =
      ShortDigest(std::to_string(spec.nano_cpus) + "/" + std::to_string(spec.memory_bytes));
  parts["healthcheck"] = ShortDigest(HealthcheckText(spec.healthcheck));
  auto restarted = spec.labels.find(kLabelRestartedAt);
  parts["restartedAt"] = restarted == spec.labels.end() ? "" : restarted->second;
  return parts;
}

void DescribeEnv(const json& before, const json& after, std::vector<std::string>& out) {
  for (const auto& [name, digest] : after.items()) {
    if (!before.contains(name)) {
      out.push_back("env " + name + " added");
    } else if (before[name] != digest) {
      out.push_back("env " + name + " changed");
    }
  }
  for (const auto& [name, digest] : before.items()) {
    if (!after.contains(name)) out.push_back("env " + name + " removed");
  }
}

}  // namespace

std::string ConfigPartsLabel(const ContainerSpec& spec) { return Parts(spec).dump(); }

std::string DescribeConfigChange(const std::string& running_label, const ContainerSpec& desired) {
  const json before = json::parse(running_label, nullptr, /*allow_exceptions=*/false);
  if (!before.is_object()) return "configuration changed";
  const json after = Parts(desired);
  std::vector<std::string> changes;
  const std::string old_image = before.value("image", "");
  if (old_image != desired.image) changes.push_back("image " + old_image + " → " + desired.image);
  DescribeEnv(before.value("env", json::object()), after["env"], changes);
  for (const char* part : {"command", "volumes", "ports", "limits", "healthcheck"}) {
    if (before.value(part, "") != after[part].get<std::string>()) {
      changes.push_back(std::string(part) + " changed");
    }
  }
  if (before.value("restartedAt", "") != after["restartedAt"].get<std::string>()) {
    changes.push_back("rollout restart");
  }
  if (changes.empty()) return "configuration changed";
  std::string out;
  for (size_t i = 0; i < changes.size(); ++i) out += (i ? ", " : "") + changes[i];
  return out;
}

}  // namespace cara::agent
