// Implements src/storage/stream_output.h.
#include "storage/stream_output.h"

#include <poll.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace haul::storage {

Status WriteInOrder(int fd, std::span<const std::unique_ptr<Buffer>> buffers,
                    std::uint64_t& written) {
  written = 0;
  std::vector<iovec> iov;
  iov.reserve(buffers.size());
  for (const auto& b : buffers) {
    if (b->size > 0) iov.push_back({b->data.get(), b->size});
  }
  std::size_t first = 0;
  // Bounded: every pass either writes at least one byte, or waits for the
  // reader (poll), or fails.
  while (first < iov.size()) {
    const int count = static_cast<int>(std::min<std::size_t>(iov.size() - first, IOV_MAX));
    const ssize_t n = ::writev(fd, iov.data() + first, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, -1) < 0 && errno != EINTR) {
          return Status::Error(ErrorClass::kIo, std::string("stdout: ") + std::strerror(errno));
        }
        continue;
      }
      if (errno == EPIPE) return Status::Error(ErrorClass::kOutputClosed, "stdout was closed by its reader");
      return Status::Error(ErrorClass::kIo, std::string("writing to stdout: ") + std::strerror(errno));
    }
    written += static_cast<std::uint64_t>(n);
    auto left = static_cast<std::size_t>(n);
    while (first < iov.size() && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      ++first;
    }
    if (left > 0) {
      iov[first].iov_base = static_cast<std::byte*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return Status::Ok();
}

}  // namespace haul::storage
