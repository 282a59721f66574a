// The read cache in front of a backend: Backend::Get of Nodes and Projects is
// served from an ObjectCache (store/object_cache.h), so a GET by name does not
// go to the database each time. The Store wraps every backend in it.
//
// How the cache stays coherent:
// * This process's writes: the rows a write transaction inserted, updated or
//   deleted are put in the cache once it commits, before Write returns (so a
//   replica reads its own writes); a write that fails forgets the rows it
//   touched (its commit may have happened even so).
// * Other processes' writes (PostgreSQL): each notification updates the row
//   (it carries the body when it fits in a notification) or forgets it. The
//   cache is trusted only while the listener's session is up: lost, the cache
//   is emptied and bypassed; back, it starts empty (what was written while it
//   was away was never announced). Without StartListening it is never used.
// * Whatever happens, an entry is served for at most ObjectCacheOptions::max_age
//   after the write or read that produced it: a notification lost without
//   the session dropping (or a write by another process on SQLite, which
//   announces nothing) is seen by then.
// So on the replica that wrote, a read sees the write at once; on another, as
// soon as the notification arrives (normally milliseconds), and never later
// than max_age.
#pragma once

#include <memory>

#include "common/clock.h"
#include "store/backend.h"
#include "store/object_cache.h"

namespace cara::store {

std::unique_ptr<Backend> WithReadCache(std::unique_ptr<Backend> inner, Clock* clock,
                                       ObjectCacheOptions options = {});

// Whether `backend` is one WithReadCache made. The Store wraps any other: a
// caller that writes rows beside the Store (the node-lease flush) wraps the
// backend first and writes through it, so the cache sees those writes too.
bool IsReadCached(const Backend& backend);

}  // namespace cara::store
