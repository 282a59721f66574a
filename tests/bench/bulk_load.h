// Filling a store fast, for benchmarks that need a big cluster before they
// start. The Store API writes one transaction per object, which on SQLite
// with synchronous=FULL costs one fsync each (milliseconds on a VM disk:
// minutes for 10,000 objects); this writes rows exactly as Store::Create*
// would, a thousand per transaction.
#pragma once

#include <vector>

#include "api/types.h"
#include "store/backend.h"

namespace cara::bench {

// Inserts the objects as new (generation 1, fresh resourceVersions, created
// now, ingress hosts claimed), nodes first. Throws on failure.
void BulkLoad(store::Backend& backend, std::vector<api::Node> nodes,
              std::vector<api::Project> projects);

}  // namespace cara::bench
