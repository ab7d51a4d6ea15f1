// Status and Result<T>: errors are values in Interdict. A Status carries a code
// a caller can branch on and a message a person can act on (what is wrong and
// where: field, line, byte offset).
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace interdict {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input is wrong; retrying will not help
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,  // authenticated, but not allowed
  kUnauthenticated,
  kFailedPrecondition,  // the system is not in a state that allows this
  kResourceExhausted,   // a limit was hit (size, count, disk)
  kCorruption,          // stored data failed a check
  kIOError,
  kUnavailable,  // try again later
  kCancelled,
  kInternal,  // a bug
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status Unauthenticated(std::string m) {
    return {StatusCode::kUnauthenticated, std::move(m)};
  }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: plate is empty"
  std::string ToString() const;

  // Returns a copy whose message is prefixed with context: "config.toml:3: " + message.
  Status WithContext(std::string_view context) const;

  // A refusal a client must act on carries a stable machine code
  // ("approval_required", "purpose_prohibited", ...; docs/openapi.yaml,
  // ErrorCode): the HTTP error body's "code", which clients branch on instead
  // of the message's words. Empty: the generic code of the status's kind.
  Status WithReason(std::string_view reason) const;
  const std::string& reason() const { return reason_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string reason_;
};

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  // The value, or `fallback` when the result holds an error.
  T value_or(T fallback) && { return ok() ? std::move(value()) : std::move(fallback); }

  // The error; OK when the result holds a value.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace interdict

// Propagates a non-OK Status out of the enclosing function. The variable's
// name is unique per use, so the macro nests (a lambda inside `expr` may use it).
#define INTERDICT_STATUS_CONCAT_(a, b) a##b
#define INTERDICT_STATUS_NAME_(n) INTERDICT_STATUS_CONCAT_(interdict_status_, n)
#define INTERDICT_RETURN_IF_ERROR(expr) \
  INTERDICT_RETURN_IF_ERROR_(expr, INTERDICT_STATUS_NAME_(__COUNTER__))
#define INTERDICT_RETURN_IF_ERROR_(expr, var) \
  do {                                        \
    ::interdict::Status var = (expr);         \
    if (!var.ok()) return var;                \
  } while (false)
