// RangeSet keeps `ranges_` sorted by begin, disjoint and non-adjacent, so the
// ranges are sorted by end as well and each lookup is one binary search.
#include "scheduling/range_set.h"

#include <algorithm>
#include <iterator>

namespace haul::scheduling {

void RangeSet::Add(ByteRange r) {
  if (r.empty()) return;  // an empty range adds no bytes and must not split anything
  // The first range ending at or after r.begin: it overlaps or touches r, or
  // lies entirely after it. Ranges before it end too early to merge.
  auto first = std::lower_bound(
      ranges_.begin(), ranges_.end(), r.begin,
      [](const ByteRange& x, std::uint64_t begin) { return x.end < begin; });
  // The first range starting after r.end: neither it nor any later range
  // overlaps or touches r. Everything in [first, last) merges with r.
  auto last = std::upper_bound(
      first, ranges_.end(), r.end,
      [](std::uint64_t end, const ByteRange& x) { return end < x.begin; });
  if (first != last) {
    r.begin = std::min(r.begin, first->begin);
    r.end = std::max(r.end, std::prev(last)->end);
    first = ranges_.erase(first, last);
  }
  ranges_.insert(first, r);
}

bool RangeSet::Covers(ByteRange r) const {
  if (r.empty()) return true;
  // Only the first range ending after r.begin can hold r.begin. Because the
  // ranges are merged, a covered r lies inside that single range.
  auto it = std::upper_bound(
      ranges_.begin(), ranges_.end(), r.begin,
      [](std::uint64_t begin, const ByteRange& x) { return begin < x.end; });
  return it != ranges_.end() && it->begin <= r.begin && r.end <= it->end;
}

std::uint64_t RangeSet::covered() const {
  std::uint64_t total = 0;
  for (const ByteRange& r : ranges_) total += r.size();
  return total;
}

std::vector<ByteRange> RangeSet::Missing(std::uint64_t size) const {
  std::vector<ByteRange> gaps;
  std::uint64_t cursor = 0;  // everything before cursor is covered or reported
  for (const ByteRange& r : ranges_) {
    if (r.begin >= size) break;  // ranges past the end do not count
    if (r.begin > cursor) gaps.push_back({cursor, r.begin});
    cursor = r.end;
  }
  if (cursor < size) gaps.push_back({cursor, size});
  return gaps;
}

}  // namespace haul::scheduling
