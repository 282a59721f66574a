// The opaque `continue` token of paged lists (Kubernetes semantics): where
// the next page starts, bound to the kind it was issued for. Tokens do not
// expire: the keyset position stays meaningful whatever is written since.
#pragma once

#include <string>

#include "common/status.h"
#include "store/backend.h"

namespace cara::server {

std::string EncodeContinueToken(const std::string& kind, const store::ListKey& key);

// Invalid (with a message for a 400 problem) when the token is malformed or
// was issued for another kind.
Result<store::ListKey> DecodeContinueToken(const std::string& kind, const std::string& token);

}  // namespace cara::server
