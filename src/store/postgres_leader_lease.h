// The PostgreSQL leader lease: a session-level advisory lock, held for as
// long as the session that took it lives. Advisory locks are scoped to the
// current database, so stores on different databases never compete.
#pragma once

#include <memory>

#include "store/backend.h"
#include "store/postgres_session.h"

namespace cara::store {

// Tries the leader lock on a dedicated session: true if this session now
// holds it, false if another one does, Unavailable if the session did not
// answer.
Result<bool> TryPgLeaderLock(PGconn* conn, const SecretScrubber& scrub);

// The lease held by `conn`, which TryPgLeaderLock answered true on. It owns
// the session (and its own scrubber), so it may outlive the backend.
std::unique_ptr<LeaderLease> MakePgLeaderLease(PgConn conn, const SecretScrubber& scrub);

}  // namespace cara::store
