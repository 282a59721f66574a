// What a libpqxx exception means for the PostgreSQL backend: the Status to
// return, whether the whole transaction may be tried again, and whether the
// connection must be discarded.
#pragma once

#include <string>

#include "common/status.h"
#include "store/postgres_url.h"

namespace cara::store {

struct PgError {
  Status status;
  bool retry = false;   // trying the whole transaction again may succeed
  bool broken = false;  // the connection is unusable: discard it
};

// Classifies the exception being handled. Call only inside a catch block.
// A unique violation means "resource already exists" only for row writes; in
// a migration it is a schema problem and keeps its own text.
PgError ClassifyCurrentPgError(const SecretScrubber& scrub, const std::string& what,
                               bool rows = true);

}  // namespace cara::store
