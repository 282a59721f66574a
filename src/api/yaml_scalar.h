// Plain YAML scalars under the YAML 1.2 core schema, as the manifest loader
// reads them: null, ~ and empty are null; true/false (any case form) are
// booleans; decimal, 0x and 0o integers; floats including .inf and .nan.
// `yes`/`no`/`on`/`off` stay strings.
#pragma once

#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace cara::api {

// Resolves a plain (unquoted) scalar into `out`; false when it is just a
// string. Integers too large for 64 bits become (imprecise) doubles.
bool ResolvePlainScalar(std::string_view s, nlohmann::json& out);

}  // namespace cara::api
