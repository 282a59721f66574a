#include "cli/agent_address.h"

#include <signal.h>
#include <time.h>

#include <cstring>
#include <ostream>

#include <nlohmann/json.hpp>

#include "api/validation.h"
#include "net/host_port.h"

namespace cara::cli {
namespace {

using nlohmann::json;

std::string StringAt(const json& obj, const json::json_pointer& ptr) {
  if (!obj.contains(ptr) || !obj[ptr].is_string()) return "";
  return obj[ptr].get<std::string>();
}

// kind: "node" or "project".
Result<json> GetObject(ApiClient& client, const std::string& kind, const std::string& name) {
  auto response = client.Get("/api/v1/" + kind + "s/" + PathEscape(name));
  Status st = ExpectSuccess(response);
  if (!st.ok()) return Status(st.code(), ObjectError("get", kind, name, st));
  json body = json::parse(response->body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Status::Unavailable("get " + kind + " " + api::GoQuote(name) +
                               ": server sent malformed JSON");
  }
  return body;
}

Result<std::string> ResolveNode(ApiClient& client, const std::string& node, std::ostream& warn) {
  auto obj = GetObject(client, "node", node);
  if (!obj.ok()) return obj.status();
  std::string ip = StringAt(*obj, "/status/network/ip"_json_pointer);
  if (ip.empty()) {
    return Status::Invalid("node " + api::GoQuote(node) +
                           " has no IP address; use --node host:port to specify the agent "
                           "address directly");
  }
  long long port = 0;
  auto port_ptr = "/status/network/agentPort"_json_pointer;
  if (obj->contains(port_ptr) && (*obj)[port_ptr].is_number_integer()) {
    port = (*obj)[port_ptr].get<long long>();
  }
  if (port == 0) {
    warn << "Warning: node " << api::GoQuote(node) << " has no agentPort set, defaulting to 9090\n";
    port = 9090;
  }
  return net::JoinHostPort(net::StripBrackets(ip), static_cast<int>(port));
}

}  // namespace

Result<Target> ParseTarget(const std::string& arg) {
  auto slash = arg.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == arg.size()) {
    return Status::Invalid("invalid target " + api::GoQuote(arg) +
                           ": expected <project>/<service>");
  }
  return Target{arg.substr(0, slash), arg.substr(slash + 1)};
}

Result<std::string> ProjectNodeRef(ApiClient& client, const std::string& project) {
  auto obj = GetObject(client, "project", project);
  if (!obj.ok()) return obj.status();
  std::string node_ref = StringAt(*obj, "/status/nodeRef"_json_pointer);
  if (node_ref.empty()) {
    return Status::Invalid("project " + api::GoQuote(project) +
                           " has no nodeRef (not scheduled); use --node to specify the agent "
                           "address");
  }
  return node_ref;
}

Result<std::string> ResolveAgentAddress(ApiClient& client, const std::string& project,
                                        const std::string& node, std::ostream& warn) {
  // A secure cluster's agents answer only the server's client certificate;
  // only agents of a plain-HTTP (--no-auth) cluster can be asked directly.
  if (!node.empty() && client.server().rfind("https://", 0) == 0) {
    return Status::Invalid(
        "--node asks an agent directly, which only a --no-auth cluster (http://) allows; leave "
        "it out to go through the server");
  }
  if (node.find(':') != std::string::npos) return node;
  if (!node.empty()) return ResolveNode(client, node, warn);
  Result<std::string> node_ref = ProjectNodeRef(client, project);
  if (!node_ref.ok()) return node_ref.status();
  return ResolveNode(client, *node_ref, warn);
}

InterruptWatcher::InterruptWatcher(std::function<void(int)> on_signal)
    : on_signal_(std::move(on_signal)) {
  static_assert(sizeof(sigset_t) <= sizeof(old_mask_));
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigset_t old;
  pthread_sigmask(SIG_BLOCK, &set, &old);
  std::memcpy(old_mask_, &old, sizeof(old));
  thread_ = std::thread([this, set] {
    while (!done_) {
      timespec wait{0, 100 * 1000 * 1000};
      int sig = sigtimedwait(&set, nullptr, &wait);
      if (sig > 0) {
        interrupted_ = true;
        on_signal_(sig);
      }
    }
  });
}

InterruptWatcher::~InterruptWatcher() {
  done_ = true;
  thread_.join();
  sigset_t old;
  std::memcpy(&old, old_mask_, sizeof(old));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace cara::cli
