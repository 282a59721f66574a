// How a push webhook proves it comes from the Git host: a secret shared
// with the host, sent as an HMAC-SHA256 of the exact body (GitHub, Gitea)
// or as the secret itself (GitLab). Every comparison is constant time, so a
// caller cannot learn a valid signature byte by byte from response times.
#pragma once

#include <string>
#include <string_view>

namespace cara::security {

// The 32-byte HMAC-SHA256 of `message` under `key`.
std::string HmacSha256(std::string_view key, std::string_view message);

// GitHub's X-Hub-Signature-256: "sha256=" and the hex HMAC of the body.
bool VerifyGitHubSignature(std::string_view header, std::string_view secret, std::string_view body);

// Gitea's X-Gitea-Signature: the hex HMAC of the body, no prefix.
bool VerifyGiteaSignature(std::string_view header, std::string_view secret, std::string_view body);

// GitLab's X-Gitlab-Token: the secret itself. Compared through SHA-256
// digests, so not even its length shows in the timing.
bool VerifyGitLabToken(std::string_view header, std::string_view secret);

}  // namespace cara::security
