// The read cache of Node and Project rows by name, so a GET need not go to
// the database. It knows nothing of where changes come from: the caching
// backend (store/cached_backend) feeds it this process's committed writes and
// other processes' notifications, and says when it may be trusted.
//
// Coherence rules:
// * A change (Put, a tombstone, Invalidate) is kept only if it is newer than
//   what the entry holds: revisions are global and increase, so a late
//   announcement of an older write never replaces a newer one, and a deleted
//   object is not brought back by a late event of its last update.
// * A fill from a database read is kept only if nothing changed in its shard
//   (and the cache was not cleared) since the read began (the Ticket): a read
//   that raced a write cannot install what the write replaced.
// * Every entry is served for at most `max_age` after the moment its content
//   was known to be current, whatever happens: the hard bound on staleness
//   when an announcement is lost without anyone noticing.
// * Untrusted (SetTrusted(false)), it is empty, serves nothing and keeps
//   nothing.
// Memory is bounded by `max_bytes` (bodies, names and a per-entry overhead);
// the oldest entries of a shard go first.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "store/backend.h"

namespace cara::store {

struct ObjectCacheOptions {
  size_t max_bytes = size_t{64} << 20;
  Duration max_age = std::chrono::seconds(2);
};

class ObjectCache {
 public:
  ObjectCache(Clock* clock, ObjectCacheOptions options = {});
  ObjectCache(const ObjectCache&) = delete;
  ObjectCache& operator=(const ObjectCache&) = delete;

  // Whether rows of `kind` are cached at all (Nodes and Projects).
  static bool Caches(const std::string& kind);

  // The cached row, or null on a miss (absent, deleted, too old, untrusted).
  std::shared_ptr<const Row> Lookup(const std::string& kind, const std::string& name);

  // Taken before a database read whose result may be filled in.
  struct Ticket {
    size_t shard = 0;
    uint64_t shard_version = 0;
    uint64_t epoch = 0;
    MonotonicTime taken;
  };
  Ticket Begin(const std::string& kind, const std::string& name);
  // Keeps `row` (read after `ticket` was taken) unless the shard changed since.
  void Fill(const Ticket& ticket, const Row& row);

  // A committed write of the row, or its deletion at `revision`.
  void Put(const Row& row);
  void PutDeleted(const std::string& kind, const std::string& name, int64_t revision);
  // The row changed and its new state is unknown: forget it.
  void Invalidate(const std::string& kind, const std::string& name);

  // Forgets everything (a gap in the announcements); untrusted, nothing is
  // served or kept until trusted again.
  void SetTrusted(bool trusted);
  void Clear();

  size_t bytes() const { return bytes_.load(); }
  size_t entries() const { return entries_.load(); }

 private:
  static constexpr size_t kShards = 16;

  struct Entry {
    std::shared_ptr<const Row> row;  // null: deleted at `revision`
    int64_t revision = 0;
    MonotonicTime current_at;  // known current at this moment
    size_t bytes = 0;
    std::list<std::string>::iterator age;  // position in Shard::oldest
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Entry> entries;
    std::list<std::string> oldest;  // keys, oldest first
    size_t bytes = 0;
    std::atomic<uint64_t> version{0};  // changes applied (fills excluded)
  };

  static std::string Key(const std::string& kind, const std::string& name);
  Shard& ShardOf(const std::string& key, size_t* index = nullptr);
  // Writes an entry (mu held); a row older than the entry's is ignored.
  void StoreLocked(Shard& shard, const std::string& key, std::shared_ptr<const Row> row,
                   int64_t revision, MonotonicTime current_at);
  void EraseLocked(Shard& shard, std::unordered_map<std::string, Entry>::iterator it);
  void EvictLocked(Shard& shard);

  Clock* const clock_;
  const ObjectCacheOptions options_;
  std::atomic<bool> trusted_{false};
  std::atomic<uint64_t> epoch_{0};  // bumped by every Clear
  std::atomic<size_t> bytes_{0};
  std::atomic<size_t> entries_{0};
  std::array<Shard, kShards> shards_;
};

}  // namespace cara::store
