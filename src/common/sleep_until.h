// A sleep on the clock seam that ends when a polled condition turns true:
// for flags set by a signal handler or another thread without notifying
// anyone (SleepUnlessStopped is the stop-flag case).
#pragma once

#include <functional>

#include "common/clock.h"

namespace cara {

// Sleeps `d` on `clock` in slices of at most 50 ms until `done()` is true.
// Returns whether `done()` ended the sleep.
bool SleepUntilDone(Clock& clock, Duration d, const std::function<bool()>& done);

}  // namespace cara
