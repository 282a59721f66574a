// The build's identity, shown by every binary's version output. Kept in one
// translation unit so a new commit recompiles one file, not the tree.
#pragma once

namespace cara {

const char* Version();  // "0.1.0"
const char* Commit();   // short git hash, or "unknown"

}  // namespace cara
