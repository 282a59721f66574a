// Bearer token → Principal. Every refusal is the same 401 whatever the
// reason (missing, malformed, unknown, revoked, expired) so a caller learns
// nothing about which tokens exist; none echoes the token.
#pragma once

#include <string>

#include "api/authorization.h"
#include "common/clock.h"
#include "server/problem.h"
#include "server/token_cache.h"

namespace cara::server {

// `authorization` is the request's Authorization header ("" if absent).
Decoded<api::Principal> Authenticate(const TokenCache& tokens, const std::string& authorization,
                                     Timestamp now);

// The identity of every call when authentication is off (--no-auth).
api::Principal NoAuthPrincipal();

}  // namespace cara::server
