#include "bench/heartbeat_simulator.h"

#include <httplib.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "bench/manifests.h"

namespace cara::bench {
namespace {

using Clock = std::chrono::steady_clock;

// One simulated agent's client, set up as ServerClient sets up its own
// (agent/server_client.cc): a new connection per request.
class SimulatedNode {
 public:
  explicit SimulatedNode(const std::string& url) : client_(url) {
    client_.set_tcp_nodelay(true);
    client_.set_keep_alive(false);
    client_.set_connection_timeout(10, 0);
    client_.set_read_timeout(10, 0);
    client_.set_write_timeout(10, 0);
  }
  // "" when answered 204, else what went wrong.
  std::string Heartbeat(const std::string& path, const std::string& body) {
    std::lock_guard<std::mutex> lock(mu_);  // a late heartbeat may overlap the next
    auto res = client_.Post(path.c_str(), body, "application/json");
    if (!res) return httplib::to_string(res.error());
    return res->status == 204 ? "" : "HTTP " + std::to_string(res->status) + " " + res->body;
  }

 private:
  std::mutex mu_;
  httplib::Client client_;
};

}  // namespace

SimulatorResult SimulateHeartbeats(const SimulatorOptions& o,
                                   const std::function<void(int cycle)>& on_cycle) {
  const long total = static_cast<long>(o.nodes) * o.cycles;
  const std::string body = HeartbeatBody().dump();
  std::vector<std::unique_ptr<SimulatedNode>> nodes;
  for (int i = 0; i < o.nodes; ++i) nodes.push_back(std::make_unique<SimulatedNode>(o.url));
  SimulatorResult result;
  result.samples.resize(total);
  std::mutex failure_mu;
  std::atomic<long> next{0};
  const Clock::time_point start = Clock::now() + std::chrono::milliseconds(100);
  auto due_of = [&](long k) {
    auto offset = o.interval * (k / o.nodes) + o.interval * (k % o.nodes) / o.nodes;
    return start + offset;
  };
  auto worker = [&] {
    for (long k; (k = next++) < total;) {
      const int node = static_cast<int>(k % o.nodes);
      const Clock::time_point due = due_of(k);
      std::this_thread::sleep_until(due);
      std::string error =
          nodes[node]->Heartbeat("/api/v1/nodes/" + NodeName(node) + "/heartbeat", body);
      HeartbeatSample& s = result.samples[k];
      s.due = std::chrono::duration<double>(due - start).count();
      s.latency = std::chrono::duration<double>(Clock::now() - due).count();
      s.ok = error.empty();
      if (!s.ok) {
        std::lock_guard<std::mutex> lock(failure_mu);
        if (result.first_failure.empty()) result.first_failure = NodeName(node) + ": " + error;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < o.workers; ++t) threads.emplace_back(worker);
  for (int c = 1; c < o.cycles; ++c) {
    std::this_thread::sleep_until(start + o.interval * c);
    on_cycle(c);
  }
  for (auto& t : threads) t.join();
  on_cycle(o.cycles);
  return result;
}

}  // namespace cara::bench
