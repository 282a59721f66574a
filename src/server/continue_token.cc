#include "server/continue_token.h"

#include <openssl/evp.h>

#include <cctype>
#include <charconv>
#include <vector>

namespace cara::server {
namespace {

// "v1/<kind>/<create_revision>/<name>" in URL-safe base64 without padding,
// so it can be pasted into a query string as is.
constexpr char kVersion[] = "v1";

std::string Base64Url(const std::string& raw) {
  std::vector<unsigned char> out(4 * ((raw.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  std::string text(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(n));
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

bool FromBase64Url(std::string text, std::string* raw) {
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  for (char& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  size_t padding = (4 - text.size() % 4) % 4;
  if (padding == 3) return false;
  text.append(padding, '=');
  std::vector<unsigned char> out(text.size());
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return false;
  raw->assign(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(n) - padding);
  return true;
}

}  // namespace

std::string EncodeContinueToken(const std::string& kind, const store::ListKey& key) {
  return Base64Url(std::string(kVersion) + "/" + kind + "/" + std::to_string(key.create_revision) +
                   "/" + key.name);
}

Result<store::ListKey> DecodeContinueToken(const std::string& kind, const std::string& token) {
  const Status invalid =
      Status::Invalid("invalid continue token: pass the metadata.continue of a previous " + kind +
                      " list response unchanged");
  std::string raw;
  if (token.empty() || token.size() > 1024 || !FromBase64Url(token, &raw)) return invalid;
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
