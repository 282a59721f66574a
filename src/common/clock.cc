#include "common/clock.h"

namespace cara {

SystemClock* SystemClock::Default() {
  static SystemClock clock;
  return &clock;
}

}  // namespace cara
