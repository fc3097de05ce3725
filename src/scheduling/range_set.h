// A set of byte offsets kept as sorted, disjoint, non-adjacent ranges.
// Used to record which parts of a file have been written.
//
// Thread safety: not thread-safe; owned by one thread.
#pragma once

#include <cstdint>
#include <vector>

#include "scheduling/byte_range.h"

namespace haul::scheduling {

class RangeSet {
 public:
  /// Adds [r.begin, r.end); merges with overlapping or adjacent ranges.
  void Add(ByteRange r);
  /// True when every byte of r is in the set (an empty r is always covered).
  bool Covers(ByteRange r) const;
  /// Total bytes in the set.
  std::uint64_t covered() const;
  /// The gaps of [0, size) not in the set, in order.
  std::vector<ByteRange> Missing(std::uint64_t size) const;
  /// The ranges, sorted and disjoint.
  const std::vector<ByteRange>& ranges() const { return ranges_; }

 private:
  std::vector<ByteRange> ranges_;
};

}  // namespace haul::scheduling
