// The peer of the validation row: tests/bench/peer/validate.mjs (npm's yaml
// and ajv under Debian's Node.js, versions pinned by its package-lock.json)
// over the same generated manifests, with our own schemas/*.json. It parses
// and checks schemas only, no semantic rules: the peer does less than
// caractrl. Its packages come from contrib/install-deps.sh (npm ci); nothing
// is fetched here.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "gitops/manifest_set.h"

namespace cara::bench {

struct PeerFigure {
  int documents = 0;
  double seconds = 0;    // the best of its passes, one thread
  std::string versions;  // "yaml 2.9.1 + ajv 8.20.0, Node v20.20.2"
};

// Unavailable (the reason, for an n/a row) without node or the npm packages;
// throws when the peer ran but failed or rejected a manifest (the comparison
// would be wrong).
Result<PeerFigure> RunPeerValidator(const std::vector<gitops::SourceFile>& files);

}  // namespace cara::bench
