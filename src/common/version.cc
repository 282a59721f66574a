#include "common/version.h"

namespace cara {

const char* Version() { return CARA_VERSION; }
const char* Commit() { return CARA_COMMIT; }
const char* BuildTime() { return CARA_BUILT; }

std::string VersionLine(std::string_view program) {
  return std::string(program) + " " + Version() + " (commit " + Commit() + ", built " +
         BuildTime() + ")";
}

}  // namespace cara
