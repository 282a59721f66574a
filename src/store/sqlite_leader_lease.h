// The SQLite leader lease: an flock(2) on <database>.leader, held while the
// file descriptor is open. flock locks belong to the open file description,
// so two opens exclude each other even inside one process, and the kernel
// drops the lock when a crashed holder's descriptors close. The file is
// never removed: unlinking it while locked would let the next process lock a
// new inode.
#pragma once

#include <memory>
#include <string>

#include "store/backend.h"

namespace cara::store {

// Null (and OK) when another holder has the lock on `lock_path`.
Result<std::unique_ptr<LeaderLease>> TryLockLeaderFile(const std::string& lock_path);

}  // namespace cara::store
