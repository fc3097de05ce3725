// A half-open range of byte offsets, [begin, end).
//
// Thread safety: a plain value.
#pragma once

#include <cstdint>

namespace haul::scheduling {

struct ByteRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;  ///< one past the last byte

  std::uint64_t size() const { return end > begin ? end - begin : 0; }
  bool empty() const { return end <= begin; }
  bool operator==(const ByteRange&) const = default;
};

}  // namespace haul::scheduling
