// One event of a watch stream (GET <collection>?watch=true): newline-delimited
// JSON, `{"type":"ADDED"|"MODIFIED"|"DELETED","object":{...}}` per line, a
// blank line being a keep-alive. Splitting the bytes into lines and decoding
// a line are kept apart from the connection (net/watch_stream.h), so both are
// tested on exact bytes.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace cara::net {

inline constexpr char kWatchAdded[] = "ADDED";
inline constexpr char kWatchModified[] = "MODIFIED";
inline constexpr char kWatchDeleted[] = "DELETED";

struct WatchEvent {
  std::string type;               // kWatchAdded, kWatchModified or kWatchDeleted
  nlohmann::ordered_json object;  // as GET serves it (key order kept for printing)

  std::string name() const;              // metadata.name, "" when missing
  std::string resource_version() const;  // metadata.resourceVersion, "" when missing
};

// The event on one line; Invalid (saying what is wrong) for anything else.
Result<WatchEvent> DecodeWatchEvent(std::string_view line);

// metadata.name / metadata.resourceVersion of an API object ("" when absent).
std::string ObjectName(const nlohmann::ordered_json& object);
std::string ObjectResourceVersion(const nlohmann::ordered_json& object);

// Whether resourceVersion `a` is newer than `b`. Versions are compared as
// numbers when both are (the store's counter); otherwise only "differs"
// counts as newer, which is all a client can tell from opaque strings.
bool NewerResourceVersion(const std::string& a, const std::string& b);

// Cuts a byte stream into lines as the pieces arrive. Blank lines (the
// server's keep-alives) and a trailing '\r' are dropped; a line longer than
// `max_line` is an error (a stream that is not NDJSON must not grow the
// buffer without bound).
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line = 8u << 20) : max_line_(max_line) {}

  // Calls on_line for each complete, non-blank line in order; stops early
  // when on_line returns false (then returns false too). Invalid when a line
  // outgrows max_line.
  Result<bool> Feed(std::string_view data, const std::function<bool(std::string_view)>& on_line);
  // Bytes of an unfinished line.
  size_t pending() const { return partial_.size(); }
  void Reset() { partial_.clear(); }

 private:
  size_t max_line_;
  std::string partial_;
};

}  // namespace cara::net
