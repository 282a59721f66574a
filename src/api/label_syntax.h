// Kubernetes label syntax, for label keys and values (and annotation keys):
//
//   key   = [prefix "/"] name
//   prefix: a DNS subdomain, at most 253 characters: lowercase alphanumeric
//           labels of [a-z0-9-] separated by '.', each starting and ending
//           with an alphanumeric character ("example.com").
//   name  : 1 to 63 characters of [A-Za-z0-9-_.], starting and ending with an
//           alphanumeric character ("app", "managed-by", "My.Name_1").
//   value : empty, or 1 to 63 characters with the same rule as a name.
//
// The metadata rules (api/semantic_rules.h) and label selectors use these.
#pragma once

#include <string_view>

#include "common/status.h"

namespace cara::api {

inline constexpr size_t kMaxLabelNameLength = 63;
inline constexpr size_t kMaxLabelPrefixLength = 253;
inline constexpr size_t kMaxLabelValueLength = 63;

// Invalid with a message that quotes the key and says which part is wrong:
// `key "../x y" is invalid: prefix ".." must be a DNS subdomain ...`.
Status ValidateLabelKey(std::string_view key);

// Invalid with a message that quotes the value: `value "a b" is invalid: ...`.
Status ValidateLabelValue(std::string_view value);

}  // namespace cara::api
