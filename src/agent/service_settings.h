// The container settings a service's workload fields become: published
// ports, CPU and memory limits, the healthcheck, and how Docker's "port in
// use" answers are told apart. Pure translations; nothing here calls Docker.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/container_engine.h"
#include "api/types.h"

namespace cara::agent {

std::vector<PortSpec> PortsFor(const api::ServiceDef& service);

// Limits in Docker's units (NanoCpus, bytes); 0 when absent. The server has
// validated the quantities, so one that does not parse counts as absent.
int64_t NanoCpusFor(const api::ServiceDef& service);
int64_t MemoryBytesFor(const api::ServiceDef& service);

// Durations in nanoseconds; one that does not parse leaves Docker's default.
std::optional<HealthcheckSpec> HealthcheckFor(const api::ServiceDef& service);

// "8080/tcp", or "127.0.0.1:8080/tcp" when bound to one address.
std::string HostPortText(const PortSpec& port);

// When `error` (from creating or starting the container of `spec`) says a
// host port it publishes is taken, the message for the PortConflict reason:
// "<service>: host port 8080/tcp is already in use on this node".
std::optional<std::string> PortConflictMessage(const std::string& service,
                                               const ContainerSpec& spec, const Status& error);

}  // namespace cara::agent
