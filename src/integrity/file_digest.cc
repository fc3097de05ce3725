// Implements src/integrity/file_digest.h with pread on a raw fd.
#include "integrity/file_digest.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace haul::integrity {
namespace {

// Big enough that the syscall cost vanishes next to hashing, small enough to
// stay in L2 cache and to allocate per call.
constexpr std::size_t kReadBlock = std::size_t{1} << 20;

constexpr std::uint64_t kMaxOffset = std::numeric_limits<off_t>::max();

Status ReadError(int err) {
  return Status::Error(ErrorClass::kIo,
                       "cannot read file to verify it: " + std::generic_category().message(err));
}

/// Reads up to `buf.size()` bytes at `offset`, retrying EINTR. Returns the
/// byte count (0 at end of file) in *got.
Status ReadAt(int fd, std::uint64_t offset, std::span<std::byte> buf, std::size_t* got) {
  ssize_t n = 0;
  do {
    n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ReadError(errno);
  *got = static_cast<std::size_t>(n);
  return Status::Ok();
}

}  // namespace

Status HashFileRange(int fd, std::uint64_t size, Hasher& hasher) {
  if (size > kMaxOffset) return ReadError(EFBIG);
  const auto buffer = std::make_unique_for_overwrite<std::byte[]>(kReadBlock);
  std::uint64_t offset = 0;
  while (offset < size) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(kReadBlock, size - offset));
    std::size_t got = 0;
    if (Status s = ReadAt(fd, offset, {buffer.get(), want}, &got); !s.ok()) return s;
    if (got == 0) {
      return Status::Error(ErrorClass::kIo, "file ended early: read " + std::to_string(offset) +
                                                " of " + std::to_string(size) + " bytes");
    }
    hasher.Update({buffer.get(), got});
    offset += got;
  }
  return Status::Ok();
}

Status VerifyFile(int fd, std::uint64_t size, const Checksum& expected) {
  const std::unique_ptr<Hasher> hasher = MakeHasher(expected.algorithm);
  if (Status s = HashFileRange(fd, size, *hasher); !s.ok()) return s;
  const std::vector<std::uint8_t> actual = hasher->Finish();
  if (actual == expected.digest) return Status::Ok();
  return Status::Error(ErrorClass::kIntegrity, "checksum mismatch: expected " +
                                                   FormatChecksum(expected) + ", got " +
                                                   ToHex(actual));
}

}  // namespace haul::integrity
