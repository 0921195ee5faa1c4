// Status and Result<T>: the error currency of the control plane, the config
// loader and the ACD (abseil Status / StatusOr style).
//
// Functions that can fail return `Status` or `Result<T>`; both are
// [[nodiscard]], so an ignored error is a compile warning (an error in CI).
// The packet path does not use these: it returns counts and bumps drop
// counters instead, because a message string per packet would allocate.
//
//   Result<Config> load(std::string_view path);
//   auto cfg = load(p);
//   if (!cfg) return cfg.status();          // propagate
//   use(*cfg);
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sb {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // the caller's input is wrong (bad JSON field, bad config key)
  kNotFound,          // a named thing does not exist
  kAlreadyExists,
  kFailedPrecondition,// the request is valid but not in this state
  kOutOfRange,
  kResourceExhausted, // a fixed-capacity table or ring is full
  kUnavailable,       // a peer or a device is not there (yet)
  kUnsupported,       // valid input we do not handle (codec, file format)
  kIoError,           // the OS said no
  kInternal,          // a bug: an invariant broke
};

std::string_view status_code_name(StatusCode code) noexcept;

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() noexcept { return {}; }

  bool is_ok() const noexcept { return code_ == StatusCode::kOk; }
  explicit operator bool() const noexcept { return is_ok(); }
  StatusCode code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  // "invalid-argument: port 70000 is out of range" — for logs and CLI output.
  std::string to_string() const;

  // Discard deliberately, with a reason visible at the call site.
  void ignore_error() const noexcept {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status failed_precondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status out_of_range(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status resource_exhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or the Status that explains its absence. Constructing a Result
// from an OK status is a bug and asserts: there would be neither.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).is_ok() && "Result built from an OK status");
  }

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // OK when a value is present.
  Status status() const { return has_value() ? Status::ok() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sb

// Propagate a non-OK Status from an expression returning Status.
#define SB_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::sb::Status sb_status_ = (expr);         \
    if (!sb_status_.is_ok()) return sb_status_; \
  } while (0)
