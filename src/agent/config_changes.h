// What changed in a service's container configuration, for the Recreated
// event ("image a:1 → a:2, env DB_HOST changed"). Each container carries its
// configuration as named parts in a label: the image as is, every other part
// (each env variable, command, volumes, ports, limits, healthcheck) only as
// a short digest, so the label shows no value -- a Secret's value enters
// only through its digest. Comparing the running container's label with the
// desired spec's names the parts that differ, whatever the agent did before
// (it keeps no state across restarts).
#pragma once

#include <string>

#include "agent/container_engine.h"

namespace cara::agent {

inline constexpr char kLabelConfigParts[] = "cara.config-parts";

// The label value for `spec` (its labels other than this one are ignored,
// except the rollout-restart time).
std::string ConfigPartsLabel(const ContainerSpec& spec);

// "image a:1 → a:2, env DB_HOST changed, ports changed" from the label of
// the running container (`running_label`; "" when it has none) to `desired`;
// "configuration changed" when the parts cannot tell.
std::string DescribeConfigChange(const std::string& running_label, const ContainerSpec& desired);

}  // namespace cara::agent
