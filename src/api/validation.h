// The server's semantic checks, with the exact error texts of the reference
// implementation (upstream-reference.md §1.6). Structural checks (types,
// unknown fields, enums) are the schema's job: see schema.h.
#pragma once

#include <string>

#include "api/types.h"
#include "common/go_quote.h"
#include "common/status.h"

namespace cara::api {

// metadata.name on create: required, at most 253 bytes, DNS-subdomain-like.
Status ValidateName(const std::string& name);

// Project spec checks, in the reference order; the first failure wins.
Status ValidateProjectSpec(const ProjectSpec& spec);

// Go's %q quoting, used inside error texts.
using ::cara::GoQuote;

}  // namespace cara::api
