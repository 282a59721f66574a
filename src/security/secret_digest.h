// Source digests of Secret values: what the server reports per key so that
// caractrl diff can tell whether a manifest's key matches the live Secret
// without either side ever showing a value.
//
// A sealed blob is public and random, so a plain SHA-256 of its text is
// enough. A plain value may be guessable, so its digest is a salted,
// deliberately slow PBKDF2 (salt names the Secret and key, so equal values
// in two Secrets do not show as equal).
#pragma once

#include <string>

namespace cara::security {

// "sha256:" + hex(SHA-256(blob text)).
std::string SealedSourceDigest(const std::string& blob);

// "pbkdf2-sha256:" + hex(PBKDF2-HMAC-SHA256(value, salt
// "caravanserai/secret/<name>/<key>", 100000 iterations, 32 bytes)).
std::string PlainSourceDigest(const std::string& secret_name, const std::string& key,
                              const std::string& value);

}  // namespace cara::security
