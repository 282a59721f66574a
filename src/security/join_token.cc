#include "security/join_token.h"

namespace cara::security {
namespace {

constexpr char kPrefix[] = "K10";
constexpr char kSeparator[] = "::";
constexpr size_t kHashDigits = 64;

bool IsLowerHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Printable ASCII without spaces: what a header value can carry unquoted.
bool IsTokenText(const std::string& s) {
  for (char c : s) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace

std::string FormatJoinToken(const JoinToken& token) {
  return kPrefix + token.ca_sha256 + kSeparator + token.credential;
}

Result<JoinToken> ParseJoinToken(const std::string& text) {
  const std::string prefix = kPrefix;
  if (text.compare(0, prefix.size(), prefix) != 0) {
    return Status::Invalid("join token must start with " + prefix);
  }
  const size_t separator = text.find(kSeparator, prefix.size());
  if (separator == std::string::npos) {
    return Status::Invalid("join token has no \"::\" between the CA hash and the credential");
  }
  JoinToken token;
  token.ca_sha256 = text.substr(prefix.size(), separator - prefix.size());
  token.credential = text.substr(separator + 2);
  if (token.ca_sha256.size() != kHashDigits || !IsLowerHex(token.ca_sha256)) {
    return Status::Invalid("join token's CA hash must be 64 lowercase hex digits");
  }
  if (token.credential.empty() || !IsTokenText(token.credential)) {
    return Status::Invalid("join token's credential is empty or has spaces or control characters");
  }
  return token;
}

}  // namespace cara::security
