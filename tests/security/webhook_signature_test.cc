// Webhook signatures against the published examples of the hosts.
#include <catch2/catch.hpp>

#include <cctype>

#include "common/hex.h"
#include "security/webhook_signature.h"

namespace cara::security {
namespace {

std::string Hex(const std::string& bytes) {
  return LowerHex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

// GitHub's documented example ("Validating webhook deliveries").
constexpr char kSecret[] = "It's a Secret to Everybody";
constexpr char kBody[] = "Hello, World!";
constexpr char kHmacHex[] = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

TEST_CASE("HmacSha256 matches RFC 4231 test case 2", "[webhook-signature]") {
  CHECK(Hex(HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(Hex(HmacSha256(kSecret, kBody)) == kHmacHex);
}

TEST_CASE("GitHub signatures: sha256= and the hex HMAC of the exact body", "[webhook-signature]") {
  const std::string header = std::string("sha256=") + kHmacHex;
  CHECK(VerifyGitHubSignature(header, kSecret, kBody));
  std::string upper = header;
  for (size_t i = 7; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  CHECK(VerifyGitHubSignature(upper, kSecret, kBody));

  CHECK_FALSE(VerifyGitHubSignature(header, kSecret, "Hello, World?"));
  CHECK_FALSE(VerifyGitHubSignature(header, "another secret", kBody));
  CHECK_FALSE(VerifyGitHubSignature(kHmacHex, kSecret, kBody));  // no prefix
  CHECK_FALSE(VerifyGitHubSignature(header.substr(0, header.size() - 2), kSecret, kBody));
  CHECK_FALSE(VerifyGitHubSignature(header + "00", kSecret, kBody));
  CHECK_FALSE(VerifyGitHubSignature("sha256=zz" + header.substr(9), kSecret, kBody));
  CHECK_FALSE(VerifyGitHubSignature("", kSecret, kBody));
  // An empty secret verifies nothing, not even its own HMAC.
  CHECK_FALSE(VerifyGitHubSignature("sha256=" + Hex(HmacSha256("", kBody)), "", kBody));
}

TEST_CASE("Gitea signatures: the hex HMAC without prefix", "[webhook-signature]") {
  CHECK(VerifyGiteaSignature(kHmacHex, kSecret, kBody));
  CHECK_FALSE(VerifyGiteaSignature(std::string("sha256=") + kHmacHex, kSecret, kBody));
  CHECK_FALSE(VerifyGiteaSignature(kHmacHex, kSecret, std::string(kBody) + "\n"));
}

TEST_CASE("GitLab tokens: the secret itself", "[webhook-signature]") {
  CHECK(VerifyGitLabToken(kSecret, kSecret));
  CHECK_FALSE(VerifyGitLabToken("It's a Secret to Everybod", kSecret));
  CHECK_FALSE(VerifyGitLabToken(std::string(kSecret) + " ", kSecret));
  CHECK_FALSE(VerifyGitLabToken("", ""));
}

}  // namespace
}  // namespace cara::security
