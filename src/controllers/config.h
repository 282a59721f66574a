// Timings the controllers act on. All configurable so tests
// run in seconds.
#pragma once

#include <chrono>

#include "common/clock.h"
#include "store/event_records.h"

namespace cara::controllers {

struct ControllerConfig {
  Duration heartbeat_timeout = std::chrono::seconds(90);
  Duration running_grace_period = std::chrono::minutes(3);
  Duration terminating_timeout = std::chrono::minutes(10);
  // How long events live and how many each object keeps.
  store::EventRetention events;
};

}  // namespace cara::controllers
