#include "store/node_leases.h"

#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <unordered_set>

#include "api/codec.h"
#include "common/log.h"

namespace cara::store {
namespace {

// A notice's body stays well inside one PostgreSQL notification (see
// EncodeEvent in store.cc): longer batches are split.
constexpr size_t kMaxNoticeBody = 7000;

std::optional<Timestamp> Later(const std::optional<Timestamp>& a,
                               const std::optional<Timestamp>& b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

int64_t RevisionOf(const api::Node& node) {
  return std::strtoll(node.metadata.resource_version.c_str(), nullptr, 10);
}

// Notices travel as the store's own change notifications do (see
// EncodeEvent in store.cc: origin|type|kind|name|old|new|revision|
// create_revision|body), so every Store decodes them and hands them to
// the listeners of kNodeLeaseNoticeKind. Their origin is the table's own:
// a store hears its process's notices too, which changes nothing.
std::string NoticeOrigin() {
  std::random_device rd;
  std::ostringstream out;
  out << "lease-" << std::hex << rd() << rd();
  return out.str();
}

// "name nanoseconds\n" per lease, in bodies that fit a notification.
std::vector<std::string> NoticesOf(const std::string& origin,
                                   const std::vector<HeartbeatStamp>& stamps) {
  const std::string head = origin + "|1|" + kNodeLeaseNoticeKind + "||||0|0|";
  std::vector<std::string> notices;
  std::string body;
  auto emit = [&] {
    if (body.empty()) return;
    notices.push_back(head + body);
    body.clear();
  };
  for (const auto& stamp : stamps) {
    std::string line =
        stamp.name + " " + std::to_string(stamp.at.time_since_epoch().count()) + "\n";
    if (body.size() + line.size() > kMaxNoticeBody) emit();
    body += line;
  }
  emit();
  return notices;
}

std::mutex registry_mu;
std::map<const Store*, std::shared_ptr<NodeLeases>>& Registry() {
  static auto* tables = new std::map<const Store*, std::shared_ptr<NodeLeases>>;
  return *tables;
}

}  // namespace

NodeLeases::NodeLeases(Store* store, Backend* backend, Clock* clock, NodeLeaseOptions options)
    : store_(store), backend_(backend), clock_(clock), options_(options) {}

NodeLeases::~NodeLeases() { Stop(); }

void NodeLeases::Start() {
  std::lock_guard<std::mutex> lock(loop_mu_);
  if (started_) return;
  started_ = true;
  subscriptions_.push_back(
      store_->Subscribe([this](const Event& e) { OnNodeEvent(e); }, {api::kKindNode}));
  subscriptions_.push_back(
      store_->Subscribe([this](const Event& e) { OnLeaseNotice(e); }, {kNodeLeaseNoticeKind}));
  flusher_ = std::thread([this] { FlushLoop(); });
}

void NodeLeases::Stop() {
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
    loop_cv_.notify_all();
  }
  flusher_.join();
  // A graceful stop loses no lease.
  Status st = Flush();
  if (!st.ok()) LOG_WARN("cannot write the last node heartbeats").Kv("error", st.message());
  for (int id : subscriptions_) store_->Unsubscribe(id);
}

std::shared_ptr<NodeLeases> NodeLeases::Open(Store* store, Backend* backend, Clock* clock,
                                             NodeLeaseOptions options) {
  auto table = std::make_shared<NodeLeases>(store, backend, clock, options);
  table->Start();
  std::lock_guard<std::mutex> lock(registry_mu);
  Registry()[store] = table;
  return table;
}

void NodeLeases::Close(const Store* store) {
  std::shared_ptr<NodeLeases> table;
  {
    std::lock_guard<std::mutex> lock(registry_mu);
    auto it = Registry().find(store);
    if (it == Registry().end()) return;
    table = std::move(it->second);
    Registry().erase(it);
  }
  table->Stop();
}

std::shared_ptr<NodeLeases> NodeLeases::Of(const Store* store) {
  std::lock_guard<std::mutex> lock(registry_mu);
  auto it = Registry().find(store);
  return it == Registry().end() ? nullptr : it->second;
}

void NodeLeases::FlushLoop() {
  Clock* timer = options_.flush_clock ? options_.flush_clock : clock_;
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!stopping_) {
    timer->WaitFor(lock, loop_cv_, options_.flush_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    Status st = Flush();
    if (!st.ok()) {
      LOG_WARN("cannot write node heartbeats; retrying at the next flush")
          .Kv("error", st.message());
    }
    lock.lock();
  }
}

// ---- heartbeats ---------------------------------------------------------------

Result<NodeLeases::Renewal> NodeLeases::Renew(const std::string& name, const NodeMutator& apply,
                                              Timestamp now) {
  std::optional<View> view = CurrentView(name);
  if (!view) {
    auto read = ReadView(name);
    if (!read.ok()) return read.status();
    view = std::move(*read);
  }
  if (view) {
    api::Node next = view->node;
    CARA_RETURN_IF_ERROR(apply(next));
    if (LeaseSuffices(*view, std::move(next), now) && TakeLease(name, *view, apply, now)) {
      return Renewal::kLease;
    }
  }
  return WriteDurably(name, apply);
}

std::optional<NodeLeases::View> NodeLeases::CurrentView(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end() || !it->second.view) return std::nullopt;
  return View{*it->second.view, it->second.revision, it->second.renewed};
}

// Reads the stored node and keeps it as the view, unless a change event
// came while reading (then the read may be older than what it announced:
// nothing is kept, and the heartbeat is written durably).
Result<std::optional<NodeLeases::View>> NodeLeases::ReadView(const std::string& name) {
  uint64_t epoch = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(name);
    if (it != entries_.end()) epoch = it->second.epoch;
  }
  auto node = store_->GetNode(name);
  if (!node.ok()) return node.status();
  const int64_t revision = RevisionOf(*node);
  std::lock_guard<std::mutex> lock(mu_);
  Entry& entry = entries_[name];
  if (entry.epoch != epoch || revision < entry.revision) return std::optional<View>();
  entry.view = *node;
  entry.revision = revision;
  entry.renewed = Later(entry.renewed, node->status.last_heartbeat);
  return std::optional<View>(View{std::move(*node), revision, entry.renewed});
}

// A lease when the heartbeat leaves all but the time as stored, and the node
// is not coming back from silence (no heartbeat yet, or none within the
// timeout: that is news to write).
bool NodeLeases::LeaseSuffices(const View& view, api::Node next, Timestamp now) const {
  std::optional<Timestamp> latest = Later(view.node.status.last_heartbeat, view.renewed);
  if (!latest || now - *latest > options_.heartbeat_timeout) return false;
  next.status.last_heartbeat = view.node.status.last_heartbeat;
  return next == view.node;
}

// False when the view changed since it was copied: decide again, durably.
bool NodeLeases::TakeLease(const std::string& name, const View& view, const NodeMutator& apply,
                           Timestamp now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end() || !it->second.view || it->second.revision != view.revision) {
    return false;
  }
  Entry& entry = it->second;
  entry.renewed = Later(entry.renewed, now);
  Timestamp at = now;
  if (entry.pending) {
    at = std::max(at, entry.pending->stamp.at);
  } else {
    pending_names_.push_back(name);
  }
  entry.pending = Pending{{name, at, view.revision}, apply};
  ++counters_.leases;
  return true;
}

Result<NodeLeases::Renewal> NodeLeases::WriteDurably(const std::string& name,
                                                     const NodeMutator& apply) {
  auto written = durable_writes_.Update(name, apply);
  if (!written.ok()) return written.status();
  const std::optional<Timestamp>& stamped = written->status.last_heartbeat;
  std::lock_guard<std::mutex> lock(mu_);
  ++counters_.written;
  auto it = entries_.find(name);
  if (it == entries_.end()) return Renewal::kWritten;
  Entry& entry = it->second;
  entry.renewed = Later(entry.renewed, stamped);
  // The write carried a heartbeat at least as new as the pending lease.
  if (entry.pending && stamped && entry.pending->stamp.at <= *stamped) entry.pending.reset();
  return Renewal::kWritten;
}

std::optional<Timestamp> NodeLeases::Latest(const api::Node& node) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(node.metadata.name);
  if (it == entries_.end()) return node.status.last_heartbeat;
  return Later(node.status.last_heartbeat, it->second.renewed);
}

NodeLeases::Counters NodeLeases::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

// ---- what the store tells us ----------------------------------------------------

// Every write of a node, local or another replica's: the view follows it.
void NodeLeases::OnNodeEvent(const Event& e) {
  std::optional<api::Node> node;
  if (e.type != EventType::kDeleted && !e.body.empty()) {
    auto parsed = api::ParseNode(e.body);
    if (parsed.ok()) node = std::move(*parsed);
  }
  std::lock_guard<std::mutex> lock(mu_);
  Entry& entry = entries_[e.name];
  ++entry.epoch;
  if (e.revision != 0 && e.revision < entry.revision) return;  // older than the view
  if (e.type == EventType::kDeleted) {
    entry.view.reset();
    entry.revision = std::max(entry.revision, e.revision);
    entry.renewed.reset();  // a node made again under the name starts afresh
    entry.pending.reset();
    return;
  }
  if (!node) {  // the body did not travel: read the node at its next heartbeat
    entry.view.reset();
    return;
  }
  entry.renewed = Later(entry.renewed, node->status.last_heartbeat);
  entry.view = std::move(node);
  entry.revision = e.revision;
}

// Another replica flushed leases: each line is "name nanoseconds".
void NodeLeases::OnLeaseNotice(const Event& e) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t start = 0;
  while (start < e.body.size()) {
    size_t end = e.body.find('\n', start);
    if (end == std::string::npos) end = e.body.size();
    const std::string line = e.body.substr(start, end - start);
    start = end + 1;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos || space == 0) continue;
    const Timestamp at{Duration(std::strtoll(line.c_str() + space + 1, nullptr, 10))};
    Entry& entry = entries_[line.substr(0, space)];
    entry.renewed = Later(entry.renewed, at);
  }
}

// ---- flushing -------------------------------------------------------------------

std::vector<NodeLeases::Pending> NodeLeases::TakePending() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Pending> taken;
  for (const std::string& name : pending_names_) {
    auto it = entries_.find(name);
    if (it == entries_.end() || !it->second.pending) continue;  // written durably since
    taken.push_back(std::move(*it->second.pending));
    it->second.pending.reset();
  }
  pending_names_.clear();
  return taken;
}

// After a failed flush: back in the queue, unless a newer lease is there.
void NodeLeases::Requeue(std::vector<Pending> pending) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Pending& p : pending) {
    auto it = entries_.find(p.stamp.name);
    if (it == entries_.end() || it->second.pending) continue;
    pending_names_.push_back(p.stamp.name);
    it->second.pending = std::move(p);
  }
}

// A lease decided on a view that was already stale: the heartbeat is
// applied again on the node as stored, and written if that changes it
// (e.g. the node was marked NotReady meanwhile). A node that has heard from
// its agent since (a newer heartbeat, written by another replica) is left
// alone: the older report must not overwrite what the newer one said.
void NodeLeases::Reapply(const Pending& p) {
  auto written = store_->UpdateNode(p.stamp.name, [&](api::Node& node) {
    std::optional<Timestamp> before = node.status.last_heartbeat;
    if (before && *before >= p.stamp.at) return Status::Ok();  // unchanged: not written
    CARA_RETURN_IF_ERROR(p.apply(node));
    node.status.last_heartbeat = Later(before, node.status.last_heartbeat);
    return Status::Ok();
  });
  if (!written.ok() && written.status().code() != Code::kNotFound) {
    LOG_WARN("cannot write a node heartbeat decided on a stale view")
        .Kv("node", p.stamp.name)
        .Kv("error", written.status().message());
  }
  std::lock_guard<std::mutex> lock(mu_);
  ++counters_.reapplied;
}

Status NodeLeases::Flush() {
  std::vector<Pending> pending = TakePending();
  if (pending.empty()) return Status::Ok();
  std::vector<HeartbeatStamp> stamps;
  stamps.reserve(pending.size());
  for (const Pending& p : pending) stamps.push_back(p.stamp);
  static const std::string origin = NoticeOrigin();
  std::vector<std::string> notices = NoticesOf(origin, stamps);
  auto moved = StampNodeHeartbeats(*backend_, std::move(stamps), notices);
  if (!moved.ok()) {
    Requeue(std::move(pending));
    std::lock_guard<std::mutex> lock(mu_);
    ++counters_.flush_failures;
    return moved.status();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++counters_.flushes;
  }
  const std::unordered_set<std::string> stale(moved->begin(), moved->end());
  for (const Pending& p : pending) {
    if (stale.count(p.stamp.name)) Reapply(p);
  }
  return Status::Ok();
}

// ---- freshness ------------------------------------------------------------------

std::optional<Timestamp> LatestHeartbeat(const NodeLeases* leases, const api::Node& node) {
  return leases ? leases->Latest(node) : node.status.last_heartbeat;
}

bool HeartbeatFreshWithLeases(const NodeLeases* leases, const api::Node& node, Timestamp now,
                              Duration timeout) {
  std::optional<Timestamp> latest = LatestHeartbeat(leases, node);
  return latest && now - *latest <= timeout;
}

}  // namespace cara::store
