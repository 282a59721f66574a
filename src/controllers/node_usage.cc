#include "controllers/node_usage.h"

#include "api/port_mapping.h"
#include "api/quantity.h"

namespace cara::controllers {
namespace {

int64_t QuantityOrZero(const std::string& text) {
  if (text.empty()) return 0;
  auto q = api::ParseQuantity(text);
  return q.ok() ? q->milli : 0;
}

void AddRequests(Resources& to, const api::ResourceRequests& requests) {
  to.cpu_milli += QuantityOrZero(requests.cpu);
  to.memory_milli += QuantityOrZero(requests.memory);
}

}  // namespace

Resources NodeAllocatable(const api::Node& n) {
  auto get = [&](const char* key) {
    auto it = n.status.allocatable.find(key);
    if (it == n.status.allocatable.end()) return kUnlimited;
    auto q = api::ParseQuantity(it->second);
    return q.ok() ? q->milli : kUnlimited;
  };
  return {get("cpu"), get("memory")};
}

bool HoldsRoom(const std::string& phase) {
  return phase == api::kPhaseScheduled || phase == api::kPhaseRunning;
}

bool HoldsPorts(const std::string& phase) {
  return HoldsRoom(phase) || phase == api::kPhaseTerminating;
}

Resources ProjectRequests(const api::Project& p) {
  Resources r;
  if (!p.spec.resources.empty()) {
    AddRequests(r, p.spec.resources);
    return r;
  }
  for (const auto& service : p.spec.services) AddRequests(r, service.resources.limits);
  return r;
}

std::vector<HostPort> PublishedPorts(const api::Project& p) {
  std::vector<HostPort> ports;
  for (const auto& service : p.spec.services) {
    for (const auto& m : service.ports) {
      if (m.host_port == 0) continue;
      HostPort port;
      // The same wildcard and default protocol as the validation rules.
      port.ip = api::IsWildcardHostIp(m.host_ip) ? "" : m.host_ip;
      port.port = m.host_port;
      port.protocol = api::PortProtocol(m);
      ports.push_back(std::move(port));
    }
  }
  return ports;
}

std::string Describe(const HostPort& port) {
  std::string where = port.ip.empty() ? "" : port.ip + ":";
  return where + std::to_string(port.port) + "/" + port.protocol;
}

void PortSet::Add(const HostPort& port) { ++held_[{port.protocol, port.port}][port.ip]; }

void PortSet::Remove(const HostPort& port) {
  auto slot = held_.find({port.protocol, port.port});
  if (slot == held_.end()) return;
  auto address = slot->second.find(port.ip);
  if (address == slot->second.end()) return;
  if (--address->second == 0) slot->second.erase(address);
  if (slot->second.empty()) held_.erase(slot);
}

int PortSet::FirstClash(const std::vector<HostPort>& wanted) const {
  if (held_.empty()) return -1;
  for (size_t i = 0; i < wanted.size(); ++i) {
    auto slot = held_.find({wanted[i].protocol, wanted[i].port});
    if (slot == held_.end()) continue;
    const auto& addresses = slot->second;  // never empty: Remove erases empty slots
    if (wanted[i].ip.empty() || addresses.count("") || addresses.count(wanted[i].ip)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

bool LoadOf(const api::Project& project, ProjectLoad* load) {
  const std::string& phase = project.status.phase;
  if (project.status.node_ref.empty() || !HoldsPorts(phase)) return false;
  load->node = project.status.node_ref;
  load->requests = HoldsRoom(phase) ? ProjectRequests(project) : Resources{};
  load->ports = PublishedPorts(project);
  return true;
}

void NodeUsage::Add(const ProjectLoad& load) {
  NodeLoad& node = nodes_[load.node];
  node.requests.cpu_milli += load.requests.cpu_milli;
  node.requests.memory_milli += load.requests.memory_milli;
  for (const auto& port : load.ports) node.ports.Add(port);
}

void NodeUsage::Remove(const ProjectLoad& load) {
  auto it = nodes_.find(load.node);
  if (it == nodes_.end()) return;
  it->second.requests.cpu_milli -= load.requests.cpu_milli;
  it->second.requests.memory_milli -= load.requests.memory_milli;
  for (const auto& port : load.ports) it->second.ports.Remove(port);
}

const NodeLoad& NodeUsage::Of(const std::string& node) const {
  static const NodeLoad kNothing;
  auto it = nodes_.find(node);
  return it == nodes_.end() ? kNothing : it->second;
}

}  // namespace cara::controllers
