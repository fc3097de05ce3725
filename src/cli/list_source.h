// Where a list file's bytes come from: a file or stdin, read through
// poll(2) so that Ctrl-C can end a read that is waiting for input. Without
// it, `haul -i -` on a terminal (or a FIFO, or a pipe that is slow to write)
// would sit in read(2) after the first Ctrl-C, and only a second one, which
// exits at once and skips cleaning up, would end it.
//
// Thread safety: one thread reads (through stream()); Interrupt may be called
// from any thread, any number of times.
#pragma once

#include <array>
#include <atomic>
#include <istream>
#include <memory>
#include <streambuf>
#include <string>

#include "haul/status.h"

namespace haul::cli {

/// A std::streambuf over a file descriptor whose blocking reads another
/// thread can end: after Interrupt the stream sees the end of its input.
class InterruptibleReader final : public std::streambuf {
 public:
  /// Reads `fd`, which the caller keeps open (and closes) while this lives.
  explicit InterruptibleReader(int fd);
  ~InterruptibleReader() override;
  InterruptibleReader(const InterruptibleReader&) = delete;
  InterruptibleReader& operator=(const InterruptibleReader&) = delete;

  /// False when the wake-up pipe could not be created; the reader then
  /// reads without being interruptible.
  bool interruptible() const { return wake_[0] >= 0; }
  /// Ends the input: a read in progress returns, and later reads see EOF.
  void Interrupt();
  /// The errno of a failed read(2), or 0. A failed read ends the input.
  int read_error() const { return read_error_; }

 protected:
  int_type underflow() override;

 private:
  /// Waits until fd_ is readable or Interrupt was called; false for the latter.
  bool WaitReadable();

  const int fd_;
  int wake_[2] = {-1, -1};  ///< Interrupt writes to [1]; poll watches [0]
  std::atomic<bool> interrupted_{false};
  int read_error_ = 0;  ///< only the reading thread touches it
  std::array<char, 64 * 1024> buffer_{};
};

/// The -i input: a named file, or stdin for "-".
class ListSource {
 public:
  ListSource() = default;
  ~ListSource();
  ListSource(const ListSource&) = delete;
  ListSource& operator=(const ListSource&) = delete;

  /// Opens `path` ("-" is stdin). A missing, unreadable or directory path
  /// is a kUsage error naming it.
  Status Open(const std::string& path);
  /// The input as a stream; valid after a successful Open.
  std::istream& stream() { return stream_; }
  /// "stdin" or the path, for error messages.
  const std::string& name() const { return name_; }
  /// Ends the input early (any thread); see InterruptibleReader.
  void Interrupt();
  /// Success, or a kIo error when reading the list failed part way.
  Status ReadStatus() const;

 private:
  int fd_ = -1;
  bool owns_fd_ = false;
  std::string name_;
  std::unique_ptr<InterruptibleReader> reader_;
  std::istream stream_{nullptr};
};

}  // namespace haul::cli
