#include "server/continue_token.h"

#include <cctype>
#include <charconv>
#include <optional>
#include <vector>

#include "security/base64.h"

namespace cara::server {
namespace {

// "v1/<kind>/<create_revision>/<name>" in URL-safe base64 without padding,
// so it can be pasted into a query string as is.
constexpr char kVersion[] = "v1";

}  // namespace

std::string EncodeContinueToken(const std::string& kind, const store::ListKey& key) {
  return security::EncodeBase64Url(std::string(kVersion) + "/" + kind + "/" +
                                       std::to_string(key.create_revision) + "/" + key.name,
                                   /*padded=*/false);
}

Result<store::ListKey> DecodeContinueToken(const std::string& kind, const std::string& token) {
  const Status invalid =
      Status::Invalid("invalid continue token: pass the metadata.continue of a previous " + kind +
                      " list response unchanged");
  if (token.empty() || token.size() > 1024 || token.find('=') != std::string::npos) return invalid;
  std::optional<std::string> decoded = security::DecodeBase64Url(token);
  if (!decoded) return invalid;
  const std::string& raw = *decoded;
  // version / kind / revision / name; names never contain '/'.
  const std::string prefix = std::string(kVersion) + "/" + kind + "/";
  if (raw.rfind(prefix, 0) != 0) return invalid;
  size_t slash = raw.find('/', prefix.size());
  if (slash == std::string::npos || slash + 1 >= raw.size()) return invalid;
  store::ListKey key;
  const char* begin = raw.data() + prefix.size();
  const char* end = raw.data() + slash;
  auto [ptr, ec] = std::from_chars(begin, end, key.create_revision);
  if (ec != std::errc() || ptr != end || key.create_revision < 0) return invalid;
  key.name = raw.substr(slash + 1);
  if (key.name.find('/') != std::string::npos) return invalid;
  return key;
}

}  // namespace cara::server
