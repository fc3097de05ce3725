// Implements src/cli/list_source.h.
#include "cli/list_source.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace haul::cli {

InterruptibleReader::InterruptibleReader(int fd) : fd_(fd) {
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
}

InterruptibleReader::~InterruptibleReader() {
  for (int fd : wake_) {
    if (fd >= 0) close(fd);
  }
}

void InterruptibleReader::Interrupt() {
  interrupted_.store(true);
  if (wake_[1] >= 0) {
    const char byte = 0;
    // Non-blocking: when the pipe is full, a wake-up is already pending.
    [[maybe_unused]] const ssize_t n = write(wake_[1], &byte, 1);
  }
}

bool InterruptibleReader::WaitReadable() {
  if (!interruptible()) return !interrupted_.load();
  pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
  // Repeats only when a signal interrupts poll; every other outcome returns.
  for (;;) {
    if (interrupted_.load()) return false;
    const int n = poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return true;  // let read(2) report the problem
    if (fds[1].revents != 0) return false;
    // POLLHUP or POLLERR on the input: read(2) says EOF or the error.
    return true;
  }
}

InterruptibleReader::int_type InterruptibleReader::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  // Repeats only on EINTR and EAGAIN (a non-blocking stdin), after a wait.
  for (;;) {
    if (!WaitReadable()) return traits_type::eof();
    const ssize_t n = read(fd_, buffer_.data(), buffer_.size());
    if (n > 0) {
      setg(buffer_.data(), buffer_.data(), buffer_.data() + n);
      return traits_type::to_int_type(buffer_[0]);
    }
    if (n == 0) return traits_type::eof();
    if (errno == EINTR || errno == EAGAIN) continue;
    read_error_ = errno;
    return traits_type::eof();
  }
}

ListSource::~ListSource() {
  stream_.rdbuf(nullptr);
  reader_.reset();
  if (owns_fd_) close(fd_);
}

Status ListSource::Open(const std::string& path) {
  if (path == "-") {
    name_ = "stdin";
    fd_ = STDIN_FILENO;
  } else {
    name_ = path;
    fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      return Status::Error(ErrorClass::kUsage,
                           "cannot read list file " + path + ": " + std::strerror(errno));
    }
    owns_fd_ = true;
    struct stat st {};
    // open(2) succeeds on a directory; reading it then fails with EISDIR.
    if (fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
      return Status::Error(ErrorClass::kUsage,
                           "cannot read list file " + path + ": " + std::strerror(EISDIR));
    }
  }
  reader_ = std::make_unique<InterruptibleReader>(fd_);
  stream_.rdbuf(reader_.get());
  return Status::Ok();
}

void ListSource::Interrupt() {
  if (reader_) reader_->Interrupt();
}

Status ListSource::ReadStatus() const {
  if (!reader_ || reader_->read_error() == 0) return Status::Ok();
  return Status::Error(ErrorClass::kIo, "reading list file " + name_ + " failed: " +
                                            std::strerror(reader_->read_error()));
}

}  // namespace haul::cli
