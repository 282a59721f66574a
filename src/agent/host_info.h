// What the agent reports about its host: capacity and
// allocatable resources, OS details, and the IP to advertise.
#pragma once

#include <string>

#include "api/types.h"

namespace cara::agent {

struct Reserve {
  int64_t cpu_millicores = 500;
  int64_t memory_bytes = 512LL * 1024 * 1024;
};

// Fills status.capacity (cpu "<n>m", memory "<n>Mi", disk "<n>Gi" of the
// filesystem holding `disk_path`), status.allocatable (capacity minus the
// reserve; disk = available) and status.info (kernel, /etc/os-release
// PRETTY_NAME, agent version).
void ReadHostResources(const std::string& disk_path, const Reserve& reserve,
                       api::NodeStatus* status);

// The IPv4 address of the interface holding the default route, else
// 127.0.0.1.
std::string DefaultAdvertiseIp();

// The OS hostname.
std::string Hostname();

}  // namespace cara::agent
