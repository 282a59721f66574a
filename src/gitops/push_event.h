// A push as GitHub, Gitea and GitLab webhooks describe it, and whether it
// concerns the source sync --watch follows. The three payloads name the same
// things under different keys; this reads all of them into one shape, so
// the webhook receiver has one rule for "is this our repository and ref".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "gitops/source_spec.h"

namespace cara::gitops {

struct PushEvent {
  std::string ref;             // "refs/heads/main", "refs/tags/v1"
  std::string after;           // the pushed commit; "" when the payload has none
  std::string default_branch;  // the repository's; "" when the payload does not say
  // The repository as URLs (clone, ssh, web) and as paths ("owner/name",
  // GitLab's "group/sub/name").
  std::vector<std::string> repo_urls;
  std::vector<std::string> repo_paths;
};

// Reads a push payload (JSON). Invalid when it is not JSON or has no ref.
Result<PushEvent> ParsePushEvent(std::string_view body);

// A repository location reduced to what identifies it: "host/path" in lower
// case without scheme, user, port or ".git" for a remote URL (https, ssh,
// scp-style), "file:" and the absolute, normalized path for a local one
// (file:// URLs included), so the URLs a host sends match a --repo spelled
// any of those ways.
std::string RepoKey(std::string_view location);

// "" when `push` is for the repository and ref `source` follows; otherwise
// why it is not ("another repository", "ref refs/heads/dev, not main").
std::string PushMismatch(const PushEvent& push, const SourceSpec& source);

}  // namespace cara::gitops
