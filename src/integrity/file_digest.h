// Hashing and verifying a file on disk, by descriptor.
//
// Reads use pread, so they never move the descriptor's file offset and may
// run while other threads pwrite elsewhere in the same file. Hashing is
// blocking disk and CPU work: call these from the worker pool, never from
// the transfer loop thread.
//
// Thread safety: reentrant. Concurrent calls may share an fd but not a Hasher.
#pragma once

#include <cstdint>

#include "haul/status.h"
#include "integrity/checksum.h"
#include "integrity/digest.h"

namespace haul::integrity {

/// Feeds bytes [0, size) of the file open on `fd` to `hasher`, reading in
/// 1 MiB blocks and retrying EINTR. Does not call Finish. kIo with strerror
/// text if a read fails, and kIo "...ended early" if the file has fewer than
/// `size` bytes.
Status HashFileRange(int fd, std::uint64_t size, Hasher& hasher);

/// Hashes bytes [0, size) of the file open on `fd` with expected.algorithm
/// and compares the digest with expected.digest. kIntegrity "checksum
/// mismatch: expected sha-256=<hex>, got <hex>" if they differ; read errors
/// as HashFileRange.
Status VerifyFile(int fd, std::uint64_t size, const Checksum& expected);

}  // namespace haul::integrity
