// The watch hub: one per cara-server. It reads each change to the watched
// kinds from the store once — woken by the store's events (this replica's
// writes, and with PostgreSQL every replica's through NOTIFY), and polling
// as a safety net — keeps the recent ones in memory, and wakes the watches.
// So a thousand watchers cost one query per burst of writes, not a
// thousand, and a watch started on any replica sees every replica's writes.
//
// The store reads rows as they are now, so two writes between two reads
// would fold into one event. The states the store's events carry (every
// write on this replica; another replica's when it fits a notification)
// fill in what the read folded: the read proves which revisions have
// committed, the events give each one's state.
//
// A watcher that is behind the memory window (resumed from an old
// resourceVersion) is served from the store's change query instead
// (store::Store::ChangesSince), until it has caught up.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace cara::server {

// One change as watchers receive it.
struct WatchEvent {
  int64_t revision = 0;
  int64_t create_revision = 0;
  bool deleted = false;
  std::string kind;
  std::string name;
  std::string body;       // the object as the API serves it
  nlohmann::json object;  // parsed once, for the watches' filters
};

using WatchEventPtr = std::shared_ptr<const WatchEvent>;

struct WatchRead {
  std::vector<WatchEventPtr> events;  // ascending revision
  // The next read starts after this revision.
  int64_t next_after = 0;
  // `after` is older than what can still be resumed (deletions since then
  // were forgotten): the watcher must list again.
  bool gone = false;
};

struct WatchHubOptions {
  size_t capacity = 4096;  // changes kept in memory
  Duration poll_interval = std::chrono::seconds(2);
  size_t batch = 1000;  // rows per store query
};

class WatchHub {
 public:
  WatchHub(store::Store* store, Clock* clock, std::vector<std::string> kinds,
           WatchHubOptions options = {});
  ~WatchHub();  // calls Stop()
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Starts at the store's newest committed revision.
  Status Start();
  void Stop();

  store::Store* store() const { return store_; }
  Clock* clock() const { return clock_; }
  // Every change up to here has been read into the hub.
  int64_t revision() const;

  // Up to `max` changes of `kind` after revision `after`.
  Result<WatchRead> Read(const std::string& kind, int64_t after, size_t max);

  // `wake` runs (on the hub's thread) whenever changes of `kind` arrive,
  // until RemoveWaker(id) has returned.
  int AddWaker(const std::string& kind, std::function<void()> wake);
  void RemoveWaker(int id);

 private:
  void Run();
  // Reads what the store has after revision_, appends it, wakes watchers.
  void Fetch();
  // The read's changes with the states events brought in between, in
  // revision order; forgets the events the read covers.
  std::vector<store::Change> MergeStates(std::vector<store::Change> read, int64_t after);
  Result<WatchRead> ReadFromStore(const std::string& kind, int64_t after, size_t max);

  store::Store* const store_;
  Clock* const clock_;
  const std::vector<std::string> kinds_;
  const WatchHubOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = false;
  bool stopping_ = false;
  int64_t revision_ = 0;
  int64_t window_start_ = 0;  // the ring holds every change after this
  std::deque<WatchEventPtr> ring_;
  std::map<int64_t, store::Change> states_;  // from events, by revision, not yet read
  std::thread thread_;
  int subscription_ = 0;

  std::mutex wakers_mu_;  // held while wakers run, so RemoveWaker waits for them
  struct Waker {
    std::string kind;
    std::function<void()> wake;
  };
  std::map<int, Waker> wakers_;
  int next_waker_ = 1;
};

}  // namespace cara::server
