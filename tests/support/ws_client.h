// A blocking WebSocket client for tests (Boost.Beast), e.g. to carry an HTTP
// exchange through the agent's port-forward tunnel.
#pragma once

#include <memory>
#include <string>

namespace cara::testing {

class WsClient {
 public:
  WsClient();
  ~WsClient();

  // Connects and upgrades; on failure returns false and fills error() (with
  // the HTTP status when the server refused the upgrade).
  bool Connect(const std::string& host, int port, const std::string& target);
  int refused_status() const { return refused_status_; }
  const std::string& error() const { return error_; }

  bool SendBinary(const std::string& data);
  // Reads messages until `until` appears in what was received, the peer
  // closes, or `timeout_ms` passes; returns everything received.
  std::string ReadUntil(const std::string& until, int timeout_ms = 5000);
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int refused_status_ = 0;
  std::string error_;
};

}  // namespace cara::testing
