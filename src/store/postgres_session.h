// Dedicated PostgreSQL sessions outside the pool, for the NOTIFY listener
// and the leader lease. These use libpq directly, not libpqxx: pqxx 6
// transparently reconnects a broken connection inside exec()
// (connection_base::reset), which would turn a lost advisory lock into a
// "held" answer from a brand-new session, and would hide from the listener
// that it missed notifications. With plain libpq a dead connection stays
// dead and the caller decides what happens next.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>

#include "common/status.h"
#include "store/backend.h"
#include "store/postgres_url.h"

namespace cara::store {

struct PgConnCloser {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
using PgConn = std::unique_ptr<PGconn, PgConnCloser>;

struct PgResultClearer {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultClearer>;

// Opens a session for a long-lived, mostly idle use. `name` (a string
// literal) is its application_name and names it in logs.
Result<PgConn> ConnectDedicated(const std::string& url, const PostgresOptions& options,
                                const char* name, const std::string& redacted,
                                const SecretScrubber& scrub);

// Runs one statement; on failure returns false and sets *error.
bool ExecExpect(PGconn* conn, const char* sql, ExecStatusType expected, const SecretScrubber& scrub,
                std::string* error, PgResult* out = nullptr);

}  // namespace cara::store
