#include "security/ca_hash.h"

#include <catch2/catch.hpp>

namespace cara::security {
namespace {

// A certificate made once with the openssl CLI; its fingerprint pinned from
// `openssl x509 -in ca.crt -outform der | sha256sum`.
constexpr const char* kPinnedCaPem = R"(-----BEGIN CERTIFICATE-----
MIIBiTCCAS+gAwIBAgIUSBn3fy1wuAtl2+r7b+zA6S+2v7IwCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOcGlubmVkLXRlc3QtY2EwIBcNMjYxMjA2MTYwMTExWhgPMjEy
NjExMTIxNjAxMTFaMBkxFzAVBgNVBAMMDnBpbm5lZC10ZXN0LWNhMFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEQ2dYumVhBMdNnXnNaAdzELmo276VoIskeLuxZwtY
X8cZjZ4uMtdzesfS0N4fs7vJPV1zjJz42WjBmRgyGdEVc6NTMFEwHQYDVR0OBBYE
FExlvjNnUlMTl02JFuBnWHx6zo+RMB8GA1UdIwQYMBaAFExlvjNnUlMTl02JFuBn
WHx6zo+RMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgQwcjq6mA
nC51c8vk6T3g3yEsAQQbORycXIxzpKJdmFACIQCTrnla35EhV8P7CTYp0D1Yn8u0
HdTLXUuNuM+Zp8GXyQ==
-----END CERTIFICATE-----
)";

TEST_CASE("CaCertSha256 is the SHA-256 of the certificate's DER, in lowercase hex", "[pki]") {
  Result<std::string> hash = CaCertSha256(kPinnedCaPem);
  REQUIRE(hash.ok());
  CHECK(*hash == "dbe82d2bc4bc87748178670297cca02401847d36135f3c27bf0bd073f923e8f9");
}

TEST_CASE("CaCertSha256 refuses text that is not a PEM certificate", "[pki]") {
  Result<std::string> hash = CaCertSha256("-----BEGIN CERTIFICATE-----\nnope\n");
  REQUIRE_FALSE(hash.ok());
  CHECK(hash.status().message().rfind("CA certificate: not a PEM certificate", 0) == 0);
}

}  // namespace
}  // namespace cara::security
