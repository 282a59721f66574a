// Status and Result<T>: error values that cross layer boundaries instead of
// exceptions (LevelDB's habit). A Status carries a code that maps onto an HTTP
// status at the API edge and a message that is shown to users verbatim.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace cara {

enum class Code {
  kOk = 0,
  kInvalid,        // bad input: 400
  kNotFound,       // 404
  kAlreadyExists,  // 409
  kConflict,       // 409: wrong state or stale resourceVersion
  kTooLarge,       // 413
  kUnavailable,    // a dependency (database, docker) cannot be reached
  kInternal,       // a bug or an unexpected failure
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status Invalid(std::string m) { return {Code::kInvalid, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status TooLarge(std::string m) { return {Code::kTooLarge, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<prefix>: <message>", the Go-style wrapping
  // the reference implementation uses in its error details.
  Status Wrap(const std::string& prefix) const {
    return ok() ? *this : Status(code_, prefix + ": " + message_);
  }
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

const char* CodeName(Code code);

// A value or the error that prevented it. The error is a Status unless a
// layer needs a richer one (e.g. the server's request decoding, whose errors
// are whole problem+json responses).
template <typename T, typename E = Status>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : value_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(value_); }
  // Only for E = Status.
  Status status() const { return ok() ? Status::Ok() : std::get<E>(value_); }
  const E& error() const { return std::get<E>(value_); }

  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, E> value_;
};

#define CARA_RETURN_IF_ERROR(expr) \
  do {                             \
    ::cara::Status _st = (expr);   \
    if (!_st.ok()) return _st;     \
  } while (0)

}  // namespace cara
