// A watch (?watch=true) read in the background, for tests: the events
// arrive in a queue that Next() waits on. The stream's status line, headers
// and how it ended are kept for checks.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "net/https_client.h"

namespace cara::testing {

class WatchReader {
 public:
  // With the default credentials registered for `base_url` (see HttpClient).
  WatchReader(const std::string& base_url, const std::string& path);
  WatchReader(const std::string& base_url, const std::string& path,
              const net::ClientCredentials& credentials);
  ~WatchReader();  // cancels the request
  WatchReader(const WatchReader&) = delete;
  WatchReader& operator=(const WatchReader&) = delete;

  // The next event ({"type":..,"object":..}), or nullopt when none came
  // within `timeout` or the stream ended.
  std::optional<nlohmann::json> Next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next `n` events' "TYPE name" strings (fewer when the stream stalls).
  std::vector<std::string> NextSummaries(
      size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Whether the stream has ended (by the server), waiting up to `timeout`.
  bool Ended(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  int status();                // 0 until the response has started
  size_t blank_lines();        // keep-alives received
  std::string content_type();  // of the response
  std::string error_body();    // the body of a non-200 answer

 private:
  void Read(const std::string& path);

  std::unique_ptr<httplib::Client> client_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<nlohmann::json> events_;
  std::string partial_;
  std::string error_body_;
  std::string content_type_;
  int status_ = 0;
  size_t blank_lines_ = 0;
  bool ended_ = false;
  std::thread thread_;
};

// "ADDED web" for {"type":"ADDED","object":{"metadata":{"name":"web"}}}.
std::string WatchSummary(const nlohmann::json& event);

}  // namespace cara::testing
