// Lists in manifests. What `caractrl get -o yaml|json` prints for several
// objects (kind List, NodeList or ProjectList, with items) is accepted
// wherever manifests are read, as one manifest per item, so that
// `caractrl get projects -o yaml | caractrl apply -f -` round-trips.
#pragma once

#include <string>
#include <vector>

#include "api/manifest.h"

namespace cara::api {

// "List", "NodeList" or "ProjectList".
bool IsListKind(const std::string& kind);

// Replaces each List document by its items, in order; each item keeps its
// file:line:col. A List whose items are not a sequence is reported in
// `errors` and dropped; every other document is kept as it is.
std::vector<ManifestDocument> ExpandLists(std::vector<ManifestDocument> documents,
                                          std::vector<std::string>* errors);

}  // namespace cara::api
