#include "agent/service_settings.h"

#include "api/quantity.h"
#include "common/time_format.h"

namespace cara::agent {
namespace {

int64_t Nanoseconds(const std::string& duration) {
  if (duration.empty()) return 0;
  auto d = ParseDuration(duration);
  return d.ok() && d->count() > 0 ? d->count() : 0;
}

bool Contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

std::vector<PortSpec> PortsFor(const api::ServiceDef& service) {
  std::vector<PortSpec> out;
  for (const api::PortMapping& m : service.ports) {
    PortSpec port;
    port.container_port = static_cast<int>(m.container_port);
    port.protocol = m.protocol.empty() ? "tcp" : m.protocol;
    port.host_port = static_cast<int>(m.host_port);
    port.host_ip = m.host_ip;
    out.push_back(std::move(port));
  }
  return out;
}

int64_t NanoCpusFor(const api::ServiceDef& service) {
  const std::string& cpu = service.resources.limits.cpu;
  if (cpu.empty()) return 0;
  auto q = api::ParseQuantity(cpu);
  return q.ok() ? q->milli * 1000000 : 0;  // millicores -> nanocores
}

int64_t MemoryBytesFor(const api::ServiceDef& service) {
  const std::string& memory = service.resources.limits.memory;
  if (memory.empty()) return 0;
  auto q = api::ParseQuantity(memory);
  return q.ok() ? q->Value() : 0;
}

std::optional<HealthcheckSpec> HealthcheckFor(const api::ServiceDef& service) {
  if (!service.healthcheck) return std::nullopt;
  const api::HealthCheck& hc = *service.healthcheck;
  HealthcheckSpec out;
  out.command = hc.command;
  out.interval_ns = Nanoseconds(hc.interval);
  out.timeout_ns = Nanoseconds(hc.timeout);
  out.start_period_ns = Nanoseconds(hc.start_period);
  out.retries = static_cast<int>(hc.retries);
  return out;
}

std::string HostPortText(const PortSpec& port) {
  std::string text = std::to_string(port.host_port) + "/" + port.protocol;
  return port.host_ip.empty() ? text : port.host_ip + ":" + text;
}

std::optional<std::string> PortConflictMessage(const std::string& service,
                                               const ContainerSpec& spec, const Status& error) {
  const std::string& text = error.message();
  // Docker's words: "Bind for 0.0.0.0:8080 failed: port is already allocated"
  // (another container), "listen tcp4 0.0.0.0:8080: bind: address already in
  // use" (any other process).
  if (!Contains(text, "port is already allocated") && !Contains(text, "address already in use") &&
      !Contains(text, "bind: ")) {
    return std::nullopt;
  }
  const PortSpec* culprit = nullptr;
  for (const PortSpec& port : spec.ports) {
    if (port.host_port <= 0) continue;
    if (!culprit) culprit = &port;  // when Docker's text names none of them
    if (Contains(text, (":" + std::to_string(port.host_port) + ":").c_str()) ||
        Contains(text, (":" + std::to_string(port.host_port) + " ").c_str())) {
      culprit = &port;
      break;
    }
  }
  if (!culprit) return std::nullopt;
  return service + ": host port " + HostPortText(*culprit) + " is already in use on this node";
}

}  // namespace cara::agent
