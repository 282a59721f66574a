#include "api/workload_rules.h"

#include <arpa/inet.h>

#include <map>
#include <set>
#include <utility>

#include "api/label_syntax.h"
#include "api/port_mapping.h"
#include "api/quantity.h"
#include "api/schema.h"
#include "api/semantic_rules.h"
#include "api/validation.h"
#include "common/time_format.h"

namespace cara::api {
namespace {

std::string ServiceAt(size_t i) { return "/spec/services/" + std::to_string(i); }

bool IsIpLiteral(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// ---- ports -------------------------------------------------------------------------

void CheckServicePorts(const ServiceDef& s, const std::string& at, std::vector<Violation>& out) {
  std::set<std::pair<int64_t, std::string>> seen;
  for (size_t j = 0; j < s.ports.size(); ++j) {
    const PortMapping& p = s.ports[j];
    const std::string port_at = at + "/ports/" + std::to_string(j);
    if (!p.host_ip.empty() && !IsIpLiteral(p.host_ip)) {
      AddViolation(out, port_at + "/hostIP",
                   "service " + s.name + ": hostIP " + GoQuote(p.host_ip) +
                       " must be an IPv4 or IPv6 address");
    }
    if (!seen.insert({p.container_port, PortProtocol(p)}).second) {
      AddViolation(out, port_at + "/containerPort",
                   "service " + s.name + ": duplicate container port " +
                       std::to_string(p.container_port) + "/" + PortProtocol(p));
    }
  }
}

// Publishing conflicts across the whole project: each later port is
// reported against the first one it clashes with.
void CheckPublishedPorts(const ProjectSpec& spec, std::vector<Violation>& out) {
  struct Published {
    const PortMapping* port;
    const std::string* service;
  };
  std::vector<Published> published;
  for (size_t i = 0; i < spec.services.size(); ++i) {
    const ServiceDef& s = spec.services[i];
    for (size_t j = 0; j < s.ports.size(); ++j) {
      const PortMapping& p = s.ports[j];
      if (p.host_port == 0) continue;
      for (const Published& earlier : published) {
        if (!PublishedPortsClash(*earlier.port, p)) continue;
        AddViolation(out, ServiceAt(i) + "/ports/" + std::to_string(j) + "/hostPort",
                     "service " + s.name + ": host port " + FormatPortMapping(p) +
                         " is already published by service " + *earlier.service + " (" +
                         FormatPortMapping(*earlier.port) + ")");
        break;
      }
      published.push_back({&p, &s.name});
    }
  }
}

// ---- healthcheck and limits -----------------------------------------------------------

void CheckDuration(const std::string& value, const std::string& pointer, const std::string& what,
                   std::vector<Violation>& out) {
  if (value.empty()) return;
  auto d = ParseDuration(value);
  if (!d.ok()) {
    AddViolation(out, pointer,
                 what + " " + GoQuote(value) + " must be a duration such as \"10s\" or \"1m30s\"");
  } else if (d->count() <= 0) {
    AddViolation(out, pointer, what + " " + GoQuote(value) + " must be greater than 0");
  }
}

void CheckHealthcheck(const ServiceDef& s, const std::string& at, std::vector<Violation>& out) {
  if (!s.healthcheck) return;
  const HealthCheck& h = *s.healthcheck;
  const std::string base = at + "/healthcheck";
  const std::string who = "service " + s.name + ": healthcheck ";
  if (h.command.empty()) AddViolation(out, base + "/command", who + "command must not be empty");
  CheckDuration(h.interval, base + "/interval", who + "interval", out);
  CheckDuration(h.timeout, base + "/timeout", who + "timeout", out);
  if (h.retries < 0) AddViolation(out, base + "/retries", who + "retries must not be negative");
  CheckDuration(h.start_period, base + "/startPeriod", who + "startPeriod", out);
}

void CheckLimit(const std::string& value, const std::string& pointer, const std::string& what,
                std::vector<Violation>& out) {
  if (value.empty()) return;
  auto q = ParseQuantity(value);
  if (!q.ok()) {
    AddViolation(out, pointer, what + ": " + q.status().message());
  } else if (q->milli <= 0) {
    AddViolation(out, pointer, what + " " + GoQuote(value) + " must be greater than 0");
  }
}

void CheckLimits(const ServiceDef& s, const std::string& at, std::vector<Violation>& out) {
  const std::string base = at + "/resources/limits";
  CheckLimit(s.resources.limits.cpu, base + "/cpu", "service " + s.name + ": cpu limit", out);
  CheckLimit(s.resources.limits.memory, base + "/memory", "service " + s.name + ": memory limit",
             out);
}

// ---- dependsOn ---------------------------------------------------------------------------

void CheckDependencies(const ProjectSpec& spec, std::vector<Violation>& out) {
  std::map<std::string, const ServiceDef*> by_name;
  for (const ServiceDef& s : spec.services) by_name.emplace(s.name, &s);
  for (size_t i = 0; i < spec.services.size(); ++i) {
    const ServiceDef& s = spec.services[i];
    for (size_t j = 0; j < s.depends_on.size(); ++j) {
      const ServiceDependency& d = s.depends_on[j];
      const std::string at = ServiceAt(i) + "/dependsOn/" + std::to_string(j);
      auto target = by_name.find(d.service);
      if (d.service == s.name) {
        AddViolation(out, at + "/service", "service " + s.name + ": must not depend on itself");
      } else if (target == by_name.end()) {
        AddViolation(out, at + "/service",
                     "service " + s.name + ": dependency " + GoQuote(d.service) +
                         " does not exist in spec.services");
      } else if (d.condition == kDependencyHealthy && !target->second->healthcheck) {
        AddViolation(out, at + "/condition",
                     "service " + s.name + ": condition Healthy needs service " + d.service +
                         " to have a healthcheck");
      }
    }
  }
}

// Depth-first search over the dependsOn edges between distinct, existing
// services; each cycle is reported once, at the edge that closes it.
class CycleFinder {
 public:
  explicit CycleFinder(const ProjectSpec& spec) : spec_(spec) {
    for (size_t i = 0; i < spec.services.size(); ++i) index_.emplace(spec.services[i].name, i);
    state_.assign(spec.services.size(), kUnvisited);
  }

  void Run(std::vector<Violation>& out) {
    for (size_t i = 0; i < spec_.services.size(); ++i) {
      if (state_[i] == kUnvisited) Visit(i, out);
    }
  }

 private:
  enum State { kUnvisited, kOnPath, kDone };

  void Visit(size_t i, std::vector<Violation>& out) {
    state_[i] = kOnPath;
    path_.push_back(i);
    const ServiceDef& s = spec_.services[i];
    for (size_t j = 0; j < s.depends_on.size(); ++j) {
      auto next = index_.find(s.depends_on[j].service);
      if (next == index_.end() || next->second == i) continue;  // reported elsewhere
      if (state_[next->second] == kOnPath) {
        AddViolation(out, ServiceAt(i) + "/dependsOn/" + std::to_string(j) + "/service",
                     "dependency cycle: " + CycleText(next->second));
      } else if (state_[next->second] == kUnvisited) {
        Visit(next->second, out);
      }
    }
    path_.pop_back();
    state_[i] = kDone;
  }

  // "web -> db -> web": the path from `start` back to itself.
  std::string CycleText(size_t start) const {
    std::string text;
    bool in_cycle = false;
    for (size_t k : path_) {
      in_cycle = in_cycle || k == start;
      if (in_cycle) text += spec_.services[k].name + " -> ";
    }
    return text + spec_.services[start].name;
  }

  const ProjectSpec& spec_;
  std::map<std::string, size_t> index_;
  std::vector<State> state_;
  std::vector<size_t> path_;
};

void CheckNodeSelector(const StringMap& selector, std::vector<Violation>& out) {
  for (const auto& [key, value] : selector) {
    std::string pointer = "/spec/nodeSelector";
    AppendPointerToken(pointer, key);
    if (Status st = ValidateLabelKey(key); !st.ok())
      AddViolation(out, pointer, "nodeSelector " + st.message());
    if (Status st = ValidateLabelValue(value); !st.ok()) {
      AddViolation(out, pointer, "nodeSelector " + st.message());
    }
  }
}

}  // namespace

void CheckWorkload(const ProjectSpec& spec, std::vector<Violation>& out) {
  for (size_t i = 0; i < spec.services.size(); ++i) {
    CheckServicePorts(spec.services[i], ServiceAt(i), out);
  }
  CheckPublishedPorts(spec, out);
  for (size_t i = 0; i < spec.services.size(); ++i) {
    CheckHealthcheck(spec.services[i], ServiceAt(i), out);
    CheckLimits(spec.services[i], ServiceAt(i), out);
  }
  CheckDependencies(spec, out);
  CycleFinder(spec).Run(out);
  CheckNodeSelector(spec.node_selector, out);
}

}  // namespace cara::api
