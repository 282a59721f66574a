// Kubernetes-style resource quantities: "500m", "2", "1.5", "256Mi", "4Gi", "1e3", "10k".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cara::api {

// A quantity in thousandths of its unit (millicores for CPU, milli-bytes for
// memory), so "500m" and "0.5" compare equal and "1Gi" fits comfortably.
struct Quantity {
  int64_t milli = 0;
  int64_t Value() const { return milli / 1000; }  // whole units, truncated
  auto operator<=>(const Quantity&) const = default;
};

Result<Quantity> ParseQuantity(std::string_view text);

// Canonical renderings used by the agent's reports.
std::string FormatMillicores(int64_t millicores);  // "1500m"
std::string FormatMebibytes(int64_t bytes);        // "2048Mi"

}  // namespace cara::api
