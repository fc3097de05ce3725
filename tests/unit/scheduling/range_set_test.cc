// RangeSet: hand-picked cases for each merge shape, then a property test that
// checks every operation against a bitmap model over a small universe.
#include "scheduling/range_set.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <vector>

namespace haul::scheduling {

// Lets GoogleTest print ranges as [begin,end) in failure messages.
static void PrintTo(const ByteRange& r, std::ostream* os) {
  *os << "[" << r.begin << "," << r.end << ")";
}

namespace {

using Ranges = std::vector<ByteRange>;

TEST(RangeSet, StartsEmpty) {
  RangeSet s;
  EXPECT_TRUE(s.ranges().empty());
  EXPECT_EQ(s.covered(), 0u);
  EXPECT_TRUE(s.Covers({5, 5}));
  EXPECT_FALSE(s.Covers({0, 1}));
  EXPECT_EQ(s.Missing(10), (Ranges{{0, 10}}));
  EXPECT_TRUE(s.Missing(0).empty());
}

TEST(RangeSet, EmptyRangesAreIgnored) {
  RangeSet s;
  s.Add({3, 3});
  s.Add({7, 2});  // end < begin is empty too
  EXPECT_TRUE(s.ranges().empty());
  s.Add({0, 10});
  s.Add({5, 5});  // an empty range inside must not split [0, 10)
  s.Add({10, 10});
  EXPECT_EQ(s.ranges(), (Ranges{{0, 10}}));
}

TEST(RangeSet, DisjointRangesStaySortedWhateverTheInsertOrder) {
  RangeSet s;
  s.Add({20, 30});
  s.Add({0, 5});
  s.Add({10, 15});
  EXPECT_EQ(s.ranges(), (Ranges{{0, 5}, {10, 15}, {20, 30}}));
  EXPECT_EQ(s.covered(), 20u);
}

TEST(RangeSet, AdjacentRangesMerge) {
  RangeSet s;
  s.Add({0, 5});
  s.Add({10, 15});
  s.Add({5, 10});  // touches both neighbours
  EXPECT_EQ(s.ranges(), (Ranges{{0, 15}}));
  s.Add({15, 20});  // touches on the right only
  EXPECT_EQ(s.ranges(), (Ranges{{0, 20}}));
}

TEST(RangeSet, OneByteGapDoesNotMerge) {
  RangeSet s;
  s.Add({0, 5});
  s.Add({6, 10});
  EXPECT_EQ(s.ranges(), (Ranges{{0, 5}, {6, 10}}));
  EXPECT_EQ(s.Missing(10), (Ranges{{5, 6}}));
}

TEST(RangeSet, OverlapsMergeAcrossSeveralRanges) {
  RangeSet s;
  s.Add({0, 2});
  s.Add({4, 6});
  s.Add({8, 10});
  s.Add({12, 14});
  s.Add({5, 9});  // swallows the middle two
  EXPECT_EQ(s.ranges(), (Ranges{{0, 2}, {4, 10}, {12, 14}}));
  s.Add({1, 13});
  EXPECT_EQ(s.ranges(), (Ranges{{0, 14}}));
}

TEST(RangeSet, ContainedAndContainingAdds) {
  RangeSet s;
  s.Add({10, 20});
  s.Add({12, 18});  // already inside: no change
  EXPECT_EQ(s.ranges(), (Ranges{{10, 20}}));
  s.Add({0, 30});  // around it
  EXPECT_EQ(s.ranges(), (Ranges{{0, 30}}));
}

TEST(RangeSet, CoversNeedsEveryByte) {
  RangeSet s;
  s.Add({0, 10});
  s.Add({20, 30});
  EXPECT_TRUE(s.Covers({0, 10}));
  EXPECT_TRUE(s.Covers({3, 7}));
  EXPECT_TRUE(s.Covers({29, 30}));
  EXPECT_FALSE(s.Covers({9, 11}));   // runs off the end of a range
  EXPECT_FALSE(s.Covers({5, 25}));   // spans a gap
  EXPECT_FALSE(s.Covers({10, 11}));  // first byte of the gap
  EXPECT_FALSE(s.Covers({19, 20}));  // last byte of the gap
  EXPECT_FALSE(s.Covers({30, 31}));
  EXPECT_TRUE(s.Covers({15, 15}));  // empty ranges are always covered
}

TEST(RangeSet, MissingClipsToSize) {
  RangeSet s;
  s.Add({2, 4});
  s.Add({8, 20});
  EXPECT_EQ(s.Missing(10), (Ranges{{0, 2}, {4, 8}}));
  EXPECT_EQ(s.Missing(6), (Ranges{{0, 2}, {4, 6}}));
  EXPECT_EQ(s.Missing(3), (Ranges{{0, 2}}));
  EXPECT_EQ(s.Missing(25), (Ranges{{0, 2}, {4, 8}, {20, 25}}));
}

TEST(RangeSet, HugeOffsets) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  RangeSet s;
  s.Add({kMax - 10, kMax});
  s.Add({0, std::uint64_t{1} << 40});
  s.Add({kMax - 20, kMax - 10});
  EXPECT_EQ(s.ranges(), (Ranges{{0, std::uint64_t{1} << 40}, {kMax - 20, kMax}}));
  EXPECT_EQ(s.covered(), (std::uint64_t{1} << 40) + 20);
  EXPECT_TRUE(s.Covers({kMax - 1, kMax}));
  EXPECT_EQ(s.Missing(kMax), (Ranges{{std::uint64_t{1} << 40, kMax - 20}}));
}

// The ranges a bitmap holds, as maximal runs of set bits.
Ranges RunsOf(const std::vector<bool>& bits) {
  Ranges runs;
  for (std::uint64_t i = 0; i < bits.size(); ++i) {
    if (!bits[i]) continue;
    if (!runs.empty() && runs.back().end == i) {
      runs.back().end = i + 1;
    } else {
      runs.push_back({i, i + 1});
    }
  }
  return runs;
}

// Adds random ranges and, after each, compares every operation with a bitmap.
// RunsOf yields maximal runs, so equality also checks sorted, disjoint and
// merged-when-adjacent.
TEST(RangeSetProperty, MatchesBitmapModel) {
  constexpr std::uint64_t kUniverse = 96;
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<std::uint64_t> offset(0, kUniverse);
  for (int round = 0; round < 300; ++round) {
    RangeSet s;
    std::vector<bool> bits(kUniverse, false);
    const int adds = 1 + round % 25;
    for (int a = 0; a < adds; ++a) {
      std::uint64_t b = offset(rng);
      std::uint64_t e = std::min(kUniverse, b + offset(rng) % 12);
      s.Add({b, e});
      for (std::uint64_t i = b; i < e; ++i) bits[i] = true;

      ASSERT_EQ(s.ranges(), RunsOf(bits)) << "round " << round;
      std::uint64_t set_bits = 0;
      for (bool bit : bits) set_bits += bit ? 1 : 0;
      ASSERT_EQ(s.covered(), set_bits);

      std::vector<bool> gaps(kUniverse);
      const std::uint64_t size = offset(rng);
      for (std::uint64_t i = 0; i < size; ++i) gaps[i] = !bits[i];
      ASSERT_EQ(s.Missing(size), RunsOf(gaps)) << "size " << size;

      for (int q = 0; q < 20; ++q) {
        std::uint64_t qb = offset(rng);
        std::uint64_t qe = std::min(kUniverse, qb + offset(rng) % 16);
        bool want = true;
        for (std::uint64_t i = qb; i < qe; ++i) want = want && bits[i];
        ASSERT_EQ(s.Covers({qb, qe}), want) << "[" << qb << "," << qe << ")";
      }
    }
  }
}

}  // namespace
}  // namespace haul::scheduling
