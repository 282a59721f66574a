// Durable node writes from many threads, committed together ("group
// commit"): a caller's mutation joins the next write transaction, and the
// caller returns once that transaction has committed.
//
// Why: revisions commit in order, so PostgreSQL holds a lock from a write's
// revision through its commit, disk flush included (store/postgres_rows.cc,
// next_revision). Separate transactions therefore commit one at a time, one
// flush each, and when many nodes come back at once (a control plane
// restart, 10,000 first heartbeats) their writes queue behind each other.
// One transaction for all that arrived meanwhile costs one flush.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "common/status.h"
#include "store/store.h"

namespace cara::store {

class NodeWriteBatch {
 public:
  explicit NodeWriteBatch(Store* store, size_t max_batch = 256);

  // As Store::UpdateNode: applies `mutate` to the stored node and returns it
  // as written (NotFound if there is none). `mutate` may run on another
  // caller's thread, while this one waits, and more than once (a retried
  // transaction), so it must not depend on the thread and be idempotent.
  // A failed mutation fails only its own write.
  Result<api::Node> Update(const std::string& name, const NodeMutator& mutate);

  // Writes waiting for a transaction (for tests).
  size_t queued() const;

 private:
  struct Slot {
    std::string name;
    const NodeMutator* mutate;
    std::optional<Result<api::Node>> result;
  };

  std::vector<Slot*> TakeBatch();
  std::vector<Result<api::Node>> Commit(const std::vector<Slot*>& batch);

  Store* store_;
  const size_t max_batch_;
  mutable std::mutex mu_;  // guards queue_, committing_ and every slot's result
  std::condition_variable committed_;
  std::deque<Slot*> queue_;
  bool committing_ = false;
};

}  // namespace cara::store
