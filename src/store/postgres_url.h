// libpq connection URLs: keeping passwords out of logs and error messages,
// and adding the parameters the backend relies on.
#pragma once

#include <string>
#include <vector>

namespace cara::store {

// The URL with any password replaced by "***", for logs and error messages.
std::string RedactDatabaseUrl(const std::string& url);

// Adds key=value to a URL or keyword string unless it already sets key.
std::string WithUrlParam(const std::string& url, const std::string& key, const std::string& value);

// Adds connect_timeout so an unreachable host fails in seconds, not minutes.
std::string WithConnectTimeout(const std::string& url, int seconds);

// Removes a URL's password (as written and percent-decoded) from messages
// that libpq or the server built from it, and trailing newlines.
class SecretScrubber {
 public:
  explicit SecretScrubber(const std::string& url);
  std::string operator()(std::string msg) const;

 private:
  std::vector<std::string> secrets_;
};

}  // namespace cara::store
