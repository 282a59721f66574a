// Generated objects for the benchmarks, keys in the order people write them. A Project looks like
// the examples in examples/manifests (two services, env, a volume, an ingress route, resource
// requests; ~1 KB of YAML), so validation and diffs work on realistic shapes.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cara::bench {

std::string ProjectName(int index);  // "bench-00042"
std::string NodeName(int index);     // "bench-node-00042"

// `revision` goes into the api image tag: changing it changes the spec.
nlohmann::ordered_json ProjectDocument(int index, int revision = 1);
// A Node registration body as cara-agent sends it.
nlohmann::ordered_json NodeDocument(int index);
// A heartbeat body as cara-agent sends it: Ready, address, capacity, info.
nlohmann::ordered_json HeartbeatBody();

}  // namespace cara::bench
