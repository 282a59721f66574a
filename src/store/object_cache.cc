#include "store/object_cache.h"

#include <functional>

#include "api/types.h"

namespace cara::store {
namespace {

// What an entry costs beyond its strings: the hash node, the age list node,
// the shared Row and its control block (measured sizes rounded up).
constexpr size_t kEntryOverhead = 256;

size_t RowBytes(const Row* row) {
  if (!row) return 0;
  return row->kind.size() + row->name.size() + row->phase.size() + row->node_ref.size() +
         row->body.size();
}

}  // namespace

ObjectCache::ObjectCache(Clock* clock, ObjectCacheOptions options)
    : clock_(clock), options_(options) {}

bool ObjectCache::Caches(const std::string& kind) {
  return kind == api::kKindNode || kind == api::kKindProject;
}

std::string ObjectCache::Key(const std::string& kind, const std::string& name) {
  return kind + "/" + name;  // names never contain '/'
}

ObjectCache::Shard& ObjectCache::ShardOf(const std::string& key, size_t* index) {
  size_t i = std::hash<std::string>{}(key) % kShards;
  if (index) *index = i;
  return shards_[i];
}

std::shared_ptr<const Row> ObjectCache::Lookup(const std::string& kind, const std::string& name) {
  if (!trusted_) return nullptr;
  const std::string key = Key(kind, name);
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end() || !it->second.row) return nullptr;
  // Too old to vouch for: the next read goes to the database (and refills).
  if (clock_->SteadyNow() - it->second.current_at >= options_.max_age) return nullptr;
  return it->second.row;
}

ObjectCache::Ticket ObjectCache::Begin(const std::string& kind, const std::string& name) {
  Ticket ticket;
  ShardOf(Key(kind, name), &ticket.shard);
  // The epoch first: a Clear between the two loads then fails the epoch check.
  ticket.epoch = epoch_.load();
  ticket.shard_version = shards_[ticket.shard].version.load();
  ticket.taken = clock_->SteadyNow();
  return ticket;
}

void ObjectCache::Fill(const Ticket& ticket, const Row& row) {
  if (!trusted_) return;
  auto copy = std::make_shared<const Row>(row);
  Shard& shard = shards_[ticket.shard];
  std::lock_guard<std::mutex> lock(shard.mu);
  if (epoch_.load() != ticket.epoch || shard.version.load() != ticket.shard_version) return;
  StoreLocked(shard, Key(row.kind, row.name), std::move(copy), row.revision, ticket.taken);
}

void ObjectCache::Put(const Row& row) {
  if (!trusted_) return;
  auto copy = std::make_shared<const Row>(row);
  const std::string key = Key(row.kind, row.name);
  const MonotonicTime now = clock_->SteadyNow();
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  shard.version++;
  StoreLocked(shard, key, std::move(copy), row.revision, now);
}

void ObjectCache::PutDeleted(const std::string& kind, const std::string& name, int64_t revision) {
  if (!trusted_) return;
  const std::string key = Key(kind, name);
  const MonotonicTime now = clock_->SteadyNow();
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  shard.version++;
  StoreLocked(shard, key, nullptr, revision, now);
}

void ObjectCache::Invalidate(const std::string& kind, const std::string& name) {
  const std::string key = Key(kind, name);
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  shard.version++;  // also fails the fills of reads in flight
  auto it = shard.entries.find(key);
  if (it != shard.entries.end()) EraseLocked(shard, it);
}

void ObjectCache::SetTrusted(bool trusted) {
  if (!trusted) trusted_ = false;
  Clear();
  if (trusted) trusted_ = true;
}

void ObjectCache::Clear() {
  epoch_++;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    shard.version++;
    bytes_ -= shard.bytes;
    entries_ -= shard.entries.size();
    shard.entries.clear();
    shard.oldest.clear();
    shard.bytes = 0;
  }
}

void ObjectCache::StoreLocked(Shard& shard, const std::string& key, std::shared_ptr<const Row> row,
                              int64_t revision, MonotonicTime current_at) {
  const size_t bytes = kEntryOverhead + 2 * key.size() + RowBytes(row.get());
  auto it = shard.entries.find(key);
  if (it == shard.entries.end()) {
    Entry entry;
    entry.age = shard.oldest.insert(shard.oldest.end(), key);
    it = shard.entries.emplace(key, std::move(entry)).first;
    it->second.revision = revision;
    entries_++;
  } else if (revision < it->second.revision) {
    return;  // a late announcement of an older write
  } else {
    shard.bytes -= it->second.bytes;
    bytes_ -= it->second.bytes;
    shard.oldest.splice(shard.oldest.end(), shard.oldest, it->second.age);
  }
  Entry& entry = it->second;
  entry.row = std::move(row);
  entry.revision = revision;
  entry.current_at = current_at;
  entry.bytes = bytes;
  shard.bytes += bytes;
  bytes_ += bytes;
  EvictLocked(shard);
}

void ObjectCache::EraseLocked(Shard& shard, std::unordered_map<std::string, Entry>::iterator it) {
  shard.bytes -= it->second.bytes;
  bytes_ -= it->second.bytes;
  entries_--;
  shard.oldest.erase(it->second.age);
  shard.entries.erase(it);
}

void ObjectCache::EvictLocked(Shard& shard) {
  const size_t budget = options_.max_bytes / kShards;
  while (shard.bytes > budget && !shard.oldest.empty()) {
    EraseLocked(shard, shard.entries.find(shard.oldest.front()));
  }
}

}  // namespace cara::store
