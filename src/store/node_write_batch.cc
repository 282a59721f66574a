#include "store/node_write_batch.h"

#include <set>
#include <unordered_map>

namespace cara::store {

NodeWriteBatch::NodeWriteBatch(Store* store, size_t max_batch)
    : store_(store), max_batch_(max_batch == 0 ? 1 : max_batch) {}

// No thread commits for others while it has nothing to do: whoever finds no
// transaction running takes the queue and commits it, then hands over.
Result<api::Node> NodeWriteBatch::Update(const std::string& name, const NodeMutator& mutate) {
  Slot slot{name, &mutate, std::nullopt};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&slot);
  while (!slot.result) {
    if (committing_) {
      committed_.wait(lock);
      continue;
    }
    committing_ = true;
    std::vector<Slot*> batch = TakeBatch();
    lock.unlock();
    std::vector<Result<api::Node>> results = Commit(batch);
    lock.lock();
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->result = std::move(results[i]);
    committing_ = false;
    committed_.notify_all();
  }
  return std::move(*slot.result);
}

size_t NodeWriteBatch::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

// The oldest writes, one per node: a second write of a node waits for the
// next transaction, so it applies to the first one's result.
std::vector<NodeWriteBatch::Slot*> NodeWriteBatch::TakeBatch() {
  std::vector<Slot*> batch;
  std::set<std::string> names;
  for (auto it = queue_.begin(); it != queue_.end() && batch.size() < max_batch_;) {
    if (names.insert((*it)->name).second) {
      batch.push_back(*it);
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  return batch;
}

// One transaction for the batch. A mutation's error would abort it for all:
// the failed write gets its error and the others are committed again
// without it.
std::vector<Result<api::Node>> NodeWriteBatch::Commit(const std::vector<Slot*>& batch) {
  std::vector<std::optional<Result<api::Node>>> decided(batch.size());
  for (;;) {
    std::vector<std::string> names;
    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (decided[i]) continue;
      index.emplace(batch[i]->name, i);
      names.push_back(batch[i]->name);
    }
    if (names.empty()) break;
    std::optional<size_t> refused;
    auto results = store_->UpdateNodes(names, [&](const std::string& name, api::Node& node) {
      const size_t i = index.at(name);
      Status st = (*batch[i]->mutate)(node);
      // NotFound leaves the others' writes standing (Store::UpdateNodes).
      if (!st.ok() && st.code() != Code::kNotFound) refused = i;
      return st;
    });
    if (refused) {  // the transaction rolled back
      decided[*refused] = results.front().status();
      continue;
    }
    for (size_t k = 0; k < names.size(); ++k) decided[index.at(names[k])] = std::move(results[k]);
  }
  std::vector<Result<api::Node>> out;
  out.reserve(batch.size());
  for (auto& result : decided) out.push_back(std::move(*result));
  return out;
}

}  // namespace cara::store
