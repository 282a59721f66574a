// What a project asks of a node (cpu, memory, host ports) and what the
// projects already placed on each node hold. The scheduler compares the two
// for every candidate node, so both are computed once per project, not per
// decision: a placement pass stays O(projects + nodes).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/types.h"

namespace cara::controllers {

// Milli-units: millicores, thousandths of a byte.
struct Resources {
  int64_t cpu_milli = 0;
  int64_t memory_milli = 0;
};

// What a node offers: status.allocatable, parsed. A node that reports none
// (like the original agent), or an unparsable quantity, has no limit.
constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();
Resources NodeAllocatable(const api::Node& node);

// spec.resources of a project, or, when that is empty, the sum of its
// services' resources.limits (what Docker will enforce is what it can use).
// An unset or unparsable quantity counts as 0.
Resources ProjectRequests(const api::Project& project);

// A published (hostIP, hostPort, protocol). `ip` is "" for every address
// ("" and 0.0.0.0 in the spec); `protocol` is never empty ("" means tcp).
struct HostPort {
  std::string ip;
  int64_t port = 0;
  std::string protocol;
};

// The host ports the project's services publish (hostPort != 0).
std::vector<HostPort> PublishedPorts(const api::Project& project);

// "8080/tcp", or "127.0.0.1:8080/tcp" for one address.
std::string Describe(const HostPort& port);

// The host ports published on one node, counted (two projects may hold the
// same port on different addresses, or one after the other while the first
// terminates).
class PortSet {
 public:
  void Add(const HostPort& port);
  void Remove(const HostPort& port);
  // The index in `wanted` of the first port that clashes with one held here,
  // or -1. Every address clashes with any address on the same port and
  // protocol; two specific addresses clash only when equal.
  int FirstClash(const std::vector<HostPort>& wanted) const;
  bool empty() const { return held_.empty(); }

 private:
  // (protocol, port) -> address ("" = every) -> how many hold it.
  std::map<std::pair<std::string, int64_t>, std::map<std::string, int>> held_;
};

// What the placed projects of one node hold.
struct NodeLoad {
  Resources requests;  // of its Scheduled/Running projects
  PortSet ports;       // of its Scheduled/Running/Terminating projects
};

// What one placed project holds on its node; computed once when it is placed.
struct ProjectLoad {
  std::string node;
  Resources requests;  // zero for a Terminating project: it holds no room
  std::vector<HostPort> ports;
};

// Scheduled and Running projects hold room (their requests) on their node;
// Terminating ones only their host ports, which their containers may still
// be bound to.
bool HoldsRoom(const std::string& phase);
bool HoldsPorts(const std::string& phase);

// Fills `load` and returns true when the project holds anything on its node.
bool LoadOf(const api::Project& project, ProjectLoad* load);

// Node name -> what its placed projects hold.
class NodeUsage {
 public:
  void Add(const ProjectLoad& load);
  void Remove(const ProjectLoad& load);
  void Clear() { nodes_.clear(); }
  // The load of `node`; an empty one for a node with nothing placed.
  const NodeLoad& Of(const std::string& node) const;

 private:
  std::unordered_map<std::string, NodeLoad> nodes_;
};

}  // namespace cara::controllers
