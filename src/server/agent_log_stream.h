// A log stream read from an agent and handed to the HTTP server piece by
// piece. The agent is read on a thread of its own, so the server's handler
// threads never block for longer than one wait in Next(): a quiet
// `follow` stream costs that thread, not a handler.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "net/http_message.h"
#include "server/httplib_fwd.h"

namespace cara::server {

class AgentLogStream {
 public:
  // Starts GET `path` with `client`; returns once the agent has answered
  // with a status, or the request failed.
  static std::shared_ptr<AgentLogStream> Open(std::unique_ptr<httplib::Client> client,
                                              std::string path);
  ~AgentLogStream();  // cancels the request and joins the reader
  AgentLogStream(const AgentLogStream&) = delete;
  AgentLogStream& operator=(const AgentLogStream&) = delete;

  // The agent's status; 0 when it could not be reached (see error()).
  int status() const { return status_; }
  const std::string& content_type() const { return content_type_; }
  std::string error() const;

  // The whole remaining body (for an agent's error response).
  std::string ReadAll();

  // What arrived since the last call, waiting up to a second for something:
  // kMore (possibly empty), kDone at the end, kFailed when the agent's
  // connection broke mid-stream (the client then sees a truncated body).
  net::StreamStep Next(std::string* piece);

 private:
  explicit AgentLogStream(std::unique_ptr<httplib::Client> client);
  void Run(const std::string& path);

  std::unique_ptr<httplib::Client> client_;
  std::thread reader_;
  int status_ = 0;  // set before `answered_` and never changed after
  std::string content_type_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool answered_ = false;  // status known, or the request failed
  bool finished_ = false;
  bool failed_ = false;
  bool cancelled_ = false;
  std::string error_;
  std::string pending_;
};

}  // namespace cara::server
