// The reference implementation's name check, with its exact error texts.
// Every other semantic rule, and this one with
// a JSON pointer, is in semantic_rules.h.
#pragma once

#include <string>

#include "api/types.h"
#include "common/go_quote.h"
#include "common/status.h"

namespace cara::api {

// metadata.name on create: required, at most 253 bytes, DNS-subdomain-like.
Status ValidateName(const std::string& name);

// A preview token's name prefix: 1-40 lowercase letters, digits and '-',
// not starting with '-' (so it can begin a valid name).
bool IsNamePrefix(const std::string& prefix);

// Go's %q quoting, used inside error texts.
using ::cara::GoQuote;

}  // namespace cara::api
