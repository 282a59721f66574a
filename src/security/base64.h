// Standard base64 (RFC 4648, with padding) over OpenSSL's block coder, with a
// strict decoder: key files and sealed values are user input, and
// EVP_DecodeBlock alone would accept stray whitespace and pad with zeros.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cara::security {

std::string EncodeBase64(std::string_view bytes);

// The bytes, or nothing when `text` is not canonical padded base64.
std::optional<std::string> DecodeBase64(std::string_view text);

// The URL- and file-safe alphabet ('-' and '_' for '+' and '/'), with or
// without the '=' padding (continue tokens drop it; Docker's X-Registry-Auth
// keeps it).
std::string EncodeBase64Url(std::string_view bytes, bool padded);
// Canonical base64url, padded or not.
std::optional<std::string> DecodeBase64Url(std::string_view text);

}  // namespace cara::security
