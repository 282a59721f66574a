// Percent-encoding (RFC 3986) of path segments and query values: every byte
// but the unreserved ones (ALPHA / DIGIT / "-" / "." / "_" / "~") becomes
// %XX. One implementation for the CLI, the agent (its Docker client and its
// API's paths and queries) and tests.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cara::net {

// `also_keep` lists more characters to leave as they are, e.g. "/:@" for
// Docker's image routes, where a name such as "localhost:5000/a/b" goes in
// verbatim.
std::string PercentEncode(std::string_view s, std::string_view also_keep = "");

// The reverse; with `plus_is_space` (a query) '+' also means a space.
// nullopt on a broken escape ("%", "%4", "%zz"), which Go's URL parser
// rejects too.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space = false);

}  // namespace cara::net
