// Errors as values. Classes say what the scheduler and the exit code do with them.
//
// Thread safety: plain values.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace haul {

/// Why something failed, classified by what must happen next.
enum class ErrorClass {
  kNone = 0,
  kUsage,        ///< bad arguments or list entry: nothing was attempted
  kNetwork,      ///< DNS, connect, reset, timeout: the network failed us
  kTls,          ///< certificate or handshake failure
  kHttp,         ///< the server answered with a 4xx/5xx status
  kProtocol,     ///< the server broke HTTP (bad Content-Range, redirect loop, ...)
  kIo,           ///< disk full, permission denied, ...: local storage failed
  kExists,       ///< the output exists and --overwrite was not given
  kIntegrity,    ///< the file's checksum does not match the expected one
  kInterrupted,  ///< the user stopped haul
  kOutputClosed,  ///< the reader of stdout went away (EPIPE)
  kInternal,     ///< a bug in haul
};

/// Short stable name of an error class ("network", "http", ...).
std::string_view ErrorClassName(ErrorClass c);

/// Success, or an error class with a one-line human-readable cause.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return {}; }
  static Status Error(ErrorClass c, std::string message) { return Status(c, std::move(message)); }

  bool ok() const { return class_ == ErrorClass::kNone; }
  ErrorClass error_class() const { return class_; }
  /// One line, no trailing newline; empty when ok().
  const std::string& message() const { return message_; }

 private:
  Status(ErrorClass c, std::string message) : class_(c), message_(std::move(message)) {}
  ErrorClass class_ = ErrorClass::kNone;
  std::string message_;
};

}  // namespace haul
