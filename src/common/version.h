// The build's identity, shown by every binary's version output. Kept in one
// translation unit so a new commit recompiles one file, not the tree.
#pragma once

#include <string>
#include <string_view>

namespace cara {

const char* Version();    // "0.1.0"
const char* Commit();     // short git hash, or "unknown"
const char* BuildTime();  // the commit's time, RFC 3339 UTC (reproducible), or "unknown"

// "<program> <version> (commit <hash>, built <time>)", the reference's format.
std::string VersionLine(std::string_view program);

}  // namespace cara
