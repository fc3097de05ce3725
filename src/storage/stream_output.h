// Writing a download's bytes, in order, to a pipe or terminal (haul -o -).
//
// Thread safety: a plain function; the engine calls it on a writer thread,
// one call at a time per output.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "haul/status.h"
#include "storage/buffer_pool.h"

namespace haul::storage {

/// Writes every byte of `buffers`, in order, to `fd`. Retries EINTR and
/// short writes, and waits (poll) when fd is non-blocking and full, so a
/// slow reader only slows haul down. Sets `written` to the bytes that reached
/// fd, also on failure. kOutputClosed when the reader closed the pipe
/// (EPIPE: SIGPIPE must be ignored), kIo with strerror text otherwise.
Status WriteInOrder(int fd, std::span<const std::unique_ptr<Buffer>> buffers,
                    std::uint64_t& written);

}  // namespace haul::storage
