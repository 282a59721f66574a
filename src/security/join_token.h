// The join token an operator hands to a new node (k3s-style): the SHA-256 of
// the cluster CA certificate, so the agent can verify the server before it
// sends anything, and a bearer credential that may do nothing but join.
//
//   K10<64 hex: CaCertSha256(ca.crt)>::<credential>
//
// The credential is an ordinary bearer token whose role only allows
// `POST /api/v1/join`; the server keeps its hash like any other token's.
#pragma once

#include <string>

#include "common/status.h"

namespace cara::security {

struct JoinToken {
  std::string ca_sha256;   // 64 lowercase hex digits
  std::string credential;  // the bearer token presented to POST /api/v1/join
};

std::string FormatJoinToken(const JoinToken& token);

// Invalid when `text` is not a join token. The message says which part is
// wrong and never repeats the text (it is a secret).
Result<JoinToken> ParseJoinToken(const std::string& text);

}  // namespace cara::security
