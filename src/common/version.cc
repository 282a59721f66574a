#include "common/version.h"

namespace cara {

const char* Version() { return CARA_VERSION; }
const char* Commit() { return CARA_COMMIT; }

}  // namespace cara
