// Target parsing and agent address resolution shared by `caractrl logs` and
// `caractrl port-forward`.
#pragma once

#include <atomic>
#include <functional>
#include <iosfwd>
#include <string>
#include <thread>

#include "cli/api_client.h"
#include "common/status.h"

namespace cara::cli {

struct Target {
  std::string project;
  std::string service;
};

// Splits "<project>/<service>" at the first '/'; both parts must be
// non-empty, else Invalid `invalid target "<arg>": expected <project>/<service>`.
Result<Target> ParseTarget(const std::string& arg);

// The node `project` is placed on: its status.nodeRef, or the reference
// CLI's errors when the project does not exist or is not scheduled.
Result<std::string> ProjectNodeRef(ApiClient& client, const std::string& project);

// The agent's "host:port" for `project`:
//  * `node` empty → the project's status.nodeRef, resolved as a node name;
//  * `node` containing ':' → used verbatim;
//  * otherwise the node's status.network.ip and agentPort (0 → 9090, with a
//    warning on `warn`).
// A `node` with an https:// server is refused: secure agents answer only
// the server.
Result<std::string> ResolveAgentAddress(ApiClient& client, const std::string& project,
                                        const std::string& node, std::ostream& warn);

// Turns SIGINT/SIGTERM into a call of `on_signal` on a watcher thread (not
// in a signal handler, so it may lock and do I/O). Construct it before any
// other thread starts: it blocks both signals in the calling thread, and
// threads started later inherit that mask. The destructor restores the mask.
class InterruptWatcher {
 public:
  explicit InterruptWatcher(std::function<void(int signal)> on_signal);
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  bool interrupted() const { return interrupted_; }

 private:
  std::function<void(int)> on_signal_;
  std::atomic<bool> done_{false};
  std::atomic<bool> interrupted_{false};
  unsigned char old_mask_[128];  // sigset_t, kept out of this header
  std::thread thread_;
};

}  // namespace cara::cli
