// Go's %q quoting: the reference implementation's error texts quote values
// this way, and log lines quote values that need it the same way, so a
// control character can never forge a line of its own.
#pragma once

#include <string>
#include <string_view>

namespace cara {

std::string GoQuote(std::string_view s);

}  // namespace cara
