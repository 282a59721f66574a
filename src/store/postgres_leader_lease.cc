#include "store/postgres_leader_lease.h"

#include <mutex>
#include <string>

#include "common/log.h"

namespace cara::store {
namespace {

// The advisory lock key 0x6361726100000002 ("cara", 2; pg_locks shows
// classid 1667330657, objid 2). It must differ from the migration lock's.
const char kTryLockLeader[] = "SELECT pg_try_advisory_lock(7161130643433193474)";
const char kUnlockLeader[] = "SELECT pg_advisory_unlock(7161130643433193474)";

class PgLeaderLease final : public LeaderLease {
 public:
  PgLeaderLease(PgConn conn, const SecretScrubber& scrub) : conn_(std::move(conn)), scrub_(scrub) {}

  ~PgLeaderLease() override {
    std::lock_guard<std::mutex> lock(mu_);
    // Unlocking first hands the lease over at once; if it fails, closing
    // the session releases the lock just the same. (On a silently dead
    // network this waits for tcp_user_timeout, at most 30 s.)
    if (!lost_) PQclear(PQexec(conn_.get(), kUnlockLeader));
  }

  // A session-level advisory lock lives exactly as long as its session, so
  // "the session still answers" means "the lock is still ours". Never
  // reconnects: a new session would not hold the lock.
  bool StillHeld() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (lost_) return false;
    std::string error;
    if (ExecExpect(conn_.get(), "SELECT 1", PGRES_TUPLES_OK, scrub_, &error) &&
        PQstatus(conn_.get()) == CONNECTION_OK) {
      return true;
    }
    lost_ = true;
    LOG_WARN("postgres: leader lease lost").Kv("error", error);
    return false;
  }

 private:
  std::mutex mu_;
  PgConn conn_;
  const SecretScrubber scrub_;
  bool lost_ = false;  // guarded by mu_
};

}  // namespace

Result<bool> TryPgLeaderLock(PGconn* conn, const SecretScrubber& scrub) {
  std::string error;
  PgResult result;
  if (ExecExpect(conn, kTryLockLeader, PGRES_TUPLES_OK, scrub, &error, &result) &&
      PQntuples(result.get()) == 1) {
    return PQgetvalue(result.get(), 0, 0)[0] == 't';
  }
  return Status::Unavailable("postgres: leader lock: " + error);
}

std::unique_ptr<LeaderLease> MakePgLeaderLease(PgConn conn, const SecretScrubber& scrub) {
  return std::make_unique<PgLeaderLease>(std::move(conn), scrub);
}

}  // namespace cara::store
