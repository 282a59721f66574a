// Node leases: a heartbeat that changes nothing but status.lastHeartbeat is
// a lease renewal, kept in memory and written with all the others in one
// batch per flush interval, instead of a durable write transaction of its
// own (Kubernetes moved node heartbeats to Leases for the same reason).
// Anything else a heartbeat changes (state, conditions, capacity,
// allocatable, network, versions) is a transition: written durably before
// the heartbeat is answered, in one transaction with the other transitions
// that arrive meanwhile (store/node_write_batch.h).
//
// To tell the two apart without reading the database, the table keeps each
// node as last stored (its view), kept current by the store's change
// events, local and, through NOTIFY, other replicas'. A heartbeat applied to
// the view that leaves everything but the time alone is a lease. A view can
// be a moment stale (another replica's write whose notification has not
// arrived): a flush stamps a node only if its resourceVersion is still the
// one the lease was decided on; otherwise the heartbeat is applied again,
// durably, on the stored node. So a transition is never lost, and a server
// that dies loses at most the leases of one flush interval.
//
// A flush writes the time into the node's stored body without a new
// resourceVersion (no watch event) and tells the other replicas' tables in
// a notice, so each replica's Latest() knows every replica's leases within
// about one flush interval; node-health and the scheduler use it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/types.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/backend.h"
#include "store/node_heartbeat_stamps.h"
#include "store/node_write_batch.h"
#include "store/store.h"

namespace cara::store {

// The kind of the notices a flush sends to other processes' tables.
inline constexpr char kNodeLeaseNoticeKind[] = "NodeLease";

struct NodeLeaseOptions {
  // How often renewed leases are written (cara-server
  // --heartbeat-flush-interval). What a server kill can lose, and how far
  // behind lastHeartbeat may be in the API's reads.
  Duration flush_interval = std::chrono::seconds(1);
  // A node whose last heartbeat is missing or older than this gets its
  // next heartbeat written durably (it is news that the node is back).
  Duration heartbeat_timeout = std::chrono::seconds(90);
  // The clock the flusher waits on; null: the table's clock. (Tests whose
  // fake clock counts its waiters flush in real time, or by hand.)
  Clock* flush_clock = nullptr;
};

class NodeLeases {
 public:
  enum class Renewal { kLease, kWritten };
  struct Counters {
    uint64_t leases = 0;   // heartbeats kept as leases
    uint64_t written = 0;  // heartbeats written durably
    uint64_t flushes = 0;  // batches written
    uint64_t flush_failures = 0;
    uint64_t reapplied = 0;  // leases decided on a stale view, written durably
  };

  // `backend` is the one `store` was opened on: flushes write through it.
  NodeLeases(Store* store, Backend* backend, Clock* clock, NodeLeaseOptions options);
  ~NodeLeases();  // Stop()
  NodeLeases(const NodeLeases&) = delete;
  NodeLeases& operator=(const NodeLeases&) = delete;

  // Listens to the store's events and starts flushing every interval.
  void Start();
  // Stops the flushing and writes what is pending. Idempotent.
  void Stop();

  // A heartbeat of node `name` at `now`; `apply` is its effect on the node
  // (it sets status.lastHeartbeat to `now`). A lease when it changes nothing
  // else, else written through Store::UpdateNode. `apply` is kept with the
  // lease and may run again, on the stored node, at the flush: it must
  // own what it captures. NotFound when the node does not exist.
  Result<Renewal> Renew(const std::string& name, const NodeMutator& apply, Timestamp now);

  // The node's newest heartbeat: its stored lastHeartbeat or a newer lease
  // (this replica's, or another's once flushed).
  std::optional<Timestamp> Latest(const api::Node& node) const;

  // Writes the leases renewed since the last flush. The flusher calls it
  // every interval; Stop() once more.
  Status Flush();

  Counters counters() const;

  // The table of each Store of the process, from Open to Close: the
  // heartbeat route and the controllers find it here (the API server and
  // the controller manager are built apart, and both need the same one).
  // Open makes and starts it; Close stops it (writing what is pending) and
  // forgets it; Of is null when none is open (then every heartbeat is a
  // write).
  static std::shared_ptr<NodeLeases> Open(Store* store, Backend* backend, Clock* clock,
                                          NodeLeaseOptions options);
  static void Close(const Store* store);
  static std::shared_ptr<NodeLeases> Of(const Store* store);

 private:
  struct View {
    api::Node node;
    int64_t revision = 0;
    std::optional<Timestamp> renewed;
  };
  struct Pending {
    HeartbeatStamp stamp;
    NodeMutator apply;
  };
  struct Entry {
    std::optional<api::Node> view;     // the node as stored at `revision`; none while unknown
    int64_t revision = 0;              // of the view, or of the deletion that ended it
    uint64_t epoch = 0;                // counts change events: a read that saw none may be kept
    std::optional<Timestamp> renewed;  // the newest lease, this replica's or another's
    std::optional<Pending> pending;    // a lease of this replica not yet flushed
  };

  std::optional<View> CurrentView(const std::string& name);
  Result<std::optional<View>> ReadView(const std::string& name);
  bool LeaseSuffices(const View& view, api::Node next, Timestamp now) const;
  bool TakeLease(const std::string& name, const View& view, const NodeMutator& apply,
                 Timestamp now);
  Result<Renewal> WriteDurably(const std::string& name, const NodeMutator& apply);
  void OnNodeEvent(const Event& event);
  void OnLeaseNotice(const Event& event);
  std::vector<Pending> TakePending();
  void Requeue(std::vector<Pending> pending);
  void Reapply(const Pending& pending);
  void FlushLoop();

  Store* store_;
  Backend* backend_;
  Clock* clock_;
  const NodeLeaseOptions options_;
  NodeWriteBatch durable_writes_{store_};  // transitions, committed together

  mutable std::mutex mu_;  // guards entries_, pending_names_, counters_
  std::unordered_map<std::string, Entry> entries_;
  std::vector<std::string> pending_names_;
  Counters counters_;

  std::mutex loop_mu_;  // guards the flusher's state
  std::condition_variable loop_cv_;
  bool started_ = false;
  bool stopping_ = false;
  std::thread flusher_;
  std::vector<int> subscriptions_;
};

// api::HeartbeatFresh with the node's leases (`leases` may be null).
std::optional<Timestamp> LatestHeartbeat(const NodeLeases* leases, const api::Node& node);
bool HeartbeatFreshWithLeases(const NodeLeases* leases, const api::Node& node, Timestamp now,
                              Duration timeout);

}  // namespace cara::store
