// RFC 3339 timestamps and Go-syntax durations, the two time notations on the
// wire and on the command line.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace cara {

// Parses "2025-01-01T12:00:00Z", "2025-01-01T12:00:00.123456789+02:00", etc.
// Lower-case 't'/'z' are accepted as RFC 3339 allows. A Timestamp spans the
// years 1678..2261 only; the Go zero time (year 1) parses to a sentinel that
// IsGoZeroTime() recognises, other dates outside that span are errors.
Result<Timestamp> ParseRfc3339(std::string_view text);

// UTC, trailing zeros of the fraction dropped (Go's RFC3339Nano).
std::string FormatRfc3339(Timestamp t);

// Whole seconds, no fraction: "2025-01-01T12:00:00Z" (for human output).
std::string FormatRfc3339Seconds(Timestamp t);

// The Go zero time "0001-01-01T00:00:00Z": the original writes it for unset
// timestamps; we read it back as "unset".
bool IsGoZeroTime(Timestamp t);

// Go duration syntax: "300ms", "1.5h", "2h45m", "-1s", "0". Units: ns us µs ms s m h.
Result<Duration> ParseDuration(std::string_view text);

// ParseDuration plus "d" for 24 hours ("3d", "1d12h", "1.5d"): what caractrl
// accepts wherever it reads a duration.
Result<Duration> ParseDurationWithDays(std::string_view text);

// Go's Duration.String(): "1h30m0s", "500ms", "0s".
std::string FormatDuration(Duration d);

// kubectl-style age: "<n>s", "<n>m", "<n>h", "<n>d", truncated.
std::string FormatAge(Duration d);

}  // namespace cara
