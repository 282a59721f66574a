// API bearer tokens: `cara_<id>_<secret>`, id 12 lowercase hex digits (6
// random bytes), secret 64 (32 random bytes). The server keeps only the
// SHA-256 of the whole string, found by id, so a stolen database does not
// yield a usable token and a lookup never scans.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace cara::security {

struct NewToken {
  std::string id;
  std::string token;  // the whole bearer string, shown once
};

// A fresh token from the OpenSSL CSPRNG.
Result<NewToken> GenerateToken();

// SHA-256 of the whole token string, 64 lowercase hex digits.
std::string TokenSha256(std::string_view token);

// The id of a well-formed token, or Invalid (without echoing the text).
Result<std::string> TokenId(std::string_view token);

// Whether `token` hashes to `sha256_hex`, compared in constant time so the
// time taken tells nothing about how much of the hash matched.
bool TokenMatches(std::string_view token, std::string_view sha256_hex);

}  // namespace cara::security
