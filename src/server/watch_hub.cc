#include "server/watch_hub.h"

#include <algorithm>
#include <set>

#include "common/log.h"

namespace cara::server {
namespace {

std::vector<WatchEventPtr> ToEvents(std::vector<store::Change>& changes) {
  std::vector<WatchEventPtr> events;
  events.reserve(changes.size());
  for (store::Change& change : changes) {
    auto event = std::make_shared<WatchEvent>();
    event->revision = change.row.revision;
    event->create_revision = change.row.create_revision;
    event->deleted = change.deleted;
    event->kind = std::move(change.row.kind);
    event->name = std::move(change.row.name);
    event->body = std::move(change.row.body);
    event->object = nlohmann::json::parse(event->body, nullptr, /*allow_exceptions=*/false);
    if (event->object.is_discarded()) {
      LOG_ERROR("watch: stored object is not JSON").Kv("kind", event->kind).Kv("name", event->name);
      continue;
    }
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace

WatchHub::WatchHub(store::Store* store, Clock* clock, std::vector<std::string> kinds,
                   WatchHubOptions options)
    : store_(store), clock_(clock), kinds_(std::move(kinds)), options_(options) {}

WatchHub::~WatchHub() { Stop(); }

Status WatchHub::Start() {
  auto committed = store_->CommittedRevision();
  if (!committed.ok()) return committed.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    revision_ = window_start_ = *committed;
  }
  subscription_ = store_->Subscribe(
      [this](const store::Event& event) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!event.body.empty() && event.revision > revision_) {
          store::Change& state = states_[event.revision];
          state.row.kind = event.kind;
          state.row.name = event.name;
          state.row.body = event.body;
          state.row.revision = event.revision;
          state.row.create_revision = event.create_revision;
          state.deleted = event.type == store::EventType::kDeleted;
        }
        dirty_ = true;
        cv_.notify_all();
      },
      kinds_);
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void WatchHub::Stop() {
  if (subscription_ != 0) {
    store_->Unsubscribe(subscription_);
    subscription_ = 0;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

int64_t WatchHub::revision() const {
  std::lock_guard<std::mutex> lock(mu_);
  return revision_;
}

void WatchHub::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    // The poll catches what a lost notification would otherwise delay (a
    // PostgreSQL listener reconnecting).
    clock_->WaitFor(lock, cv_, options_.poll_interval, [this] { return dirty_ || stopping_; });
    if (stopping_) break;
    dirty_ = false;
    lock.unlock();
    Fetch();
    lock.lock();
  }
}

void WatchHub::Fetch() {
  int64_t after = revision();
  std::set<std::string> changed;  // kinds
  for (;;) {
    auto batch = store_->ChangesSince(kinds_, after, options_.batch);
    if (!batch.ok()) {
      LOG_WARN("watch: reading changes failed").Kv("error", batch.status().ToString());
      break;
    }
    const size_t read = batch->changes.size();
    if (read == 0) break;
    std::vector<store::Change> merged = MergeStates(std::move(batch->changes), after);
    after = merged.back().row.revision;
    std::vector<WatchEventPtr> events = ToEvents(merged);
    for (const WatchEventPtr& e : events) changed.insert(e->kind);
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (WatchEventPtr& e : events) ring_.push_back(std::move(e));
      while (ring_.size() > options_.capacity) {
        window_start_ = ring_.front()->revision;
        ring_.pop_front();
      }
      revision_ = after;
    }
    if (read < options_.batch) break;
  }
  if (changed.empty()) return;
  std::lock_guard<std::mutex> lock(wakers_mu_);
  for (const auto& [id, waker] : wakers_) {
    if (changed.count(waker.kind)) waker.wake();
  }
}

std::vector<store::Change> WatchHub::MergeStates(std::vector<store::Change> read, int64_t after) {
  const int64_t last = read.back().row.revision;
  std::vector<store::Change> merged;
  std::set<int64_t> revisions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto end = states_.upper_bound(last);
    for (auto it = states_.upper_bound(after); it != end; ++it) {
      revisions.insert(it->first);
      merged.push_back(std::move(it->second));
    }
    states_.erase(states_.begin(), end);
  }
  for (store::Change& change : read) {
    if (!revisions.count(change.row.revision)) merged.push_back(std::move(change));
  }
  std::sort(merged.begin(), merged.end(), [](const store::Change& a, const store::Change& b) {
    return a.row.revision < b.row.revision;
  });
  return merged;
}

Result<WatchRead> WatchHub::Read(const std::string& kind, int64_t after, size_t max) {
  std::unique_lock<std::mutex> lock(mu_);
  if (after < window_start_) {
    lock.unlock();
    return ReadFromStore(kind, after, max);
  }
  WatchRead read;
  auto it = std::upper_bound(ring_.begin(), ring_.end(), after,
                             [](int64_t rev, const WatchEventPtr& e) { return rev < e->revision; });
  for (; it != ring_.end() && read.events.size() < max; ++it) {
    if ((*it)->kind == kind) read.events.push_back(*it);
  }
  if (it != ring_.end()) {
    read.next_after = read.events.back()->revision;
  } else {
    read.next_after = std::max(after, revision_);
  }
  return read;
}

Result<WatchRead> WatchHub::ReadFromStore(const std::string& kind, int64_t after, size_t max) {
  // Read before the query: every change up to it is in the query's snapshot.
  const int64_t known = revision();
  auto batch = store_->ChangesSince({kind}, after, max);
  if (!batch.ok()) return batch.status();
  WatchRead read;
  if (batch->compacted > after) {
    read.gone = true;
    return read;
  }
  const bool truncated = batch->changes.size() >= max;
  const int64_t last = batch->changes.empty() ? after : batch->changes.back().row.revision;
  read.events = ToEvents(batch->changes);
  read.next_after = truncated ? last : std::max({after, last, known});
  return read;
}

int WatchHub::AddWaker(const std::string& kind, std::function<void()> wake) {
  std::lock_guard<std::mutex> lock(wakers_mu_);
  int id = next_waker_++;
  wakers_.emplace(id, Waker{kind, std::move(wake)});
  return id;
}

void WatchHub::RemoveWaker(int id) {
  std::lock_guard<std::mutex> lock(wakers_mu_);
  wakers_.erase(id);
}

}  // namespace cara::server
