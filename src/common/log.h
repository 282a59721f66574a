// Structured log lines in logfmt: `ts=... level=info msg="listening" addr=0.0.0.0:8080`.
// Usage: LOG_INFO("listening").Kv("addr", addr);  The line is written when the
// temporary is destroyed, in one write() so lines from threads never interleave.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace cara {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

class LogLine {
 public:
  LogLine(LogLevel level, std::string_view msg);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& Kv(std::string_view key, std::string_view value);
  LogLine& Kv(std::string_view key, const char* value) { return Kv(key, std::string_view(value)); }
  LogLine& Kv(std::string_view key, const std::string& value) {
    return Kv(key, std::string_view(value));
  }
  template <typename T>
  LogLine& Kv(std::string_view key, const T& value) {
    std::ostringstream os;
    os << value;
    return Kv(key, os.str());
  }

 private:
  bool enabled_;
  std::string line_;
};

}  // namespace cara

#define LOG_DEBUG(msg) ::cara::LogLine(::cara::LogLevel::kDebug, (msg))
#define LOG_INFO(msg) ::cara::LogLine(::cara::LogLevel::kInfo, (msg))
#define LOG_WARN(msg) ::cara::LogLine(::cara::LogLevel::kWarn, (msg))
#define LOG_ERROR(msg) ::cara::LogLine(::cara::LogLevel::kError, (msg))
