// ChunkPlan and PlanInitialSplit: worked examples, an exhaustive sweep of
// split parameters, and a simulated download in which fake slots take,
// advance, fail, retry and steal pieces under a seeded random schedule.
#include "scheduling/chunk_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <ostream>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include "scheduling/range_set.h"

namespace haul::scheduling {

// Lets GoogleTest print ranges as [begin,end) in failure messages.
static void PrintTo(const ByteRange& r, std::ostream* os) {
  *os << "[" << r.begin << "," << r.end << ")";
}

namespace {

using State = ChunkPlan::State;
using Ranges = std::vector<ByteRange>;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kTiB = std::uint64_t{1} << 40;
constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// ---------------------------------------------------------------------------
// PlanInitialSplit: worked examples.

TEST(PlanInitialSplit, TenMiBOverFourConnections) {
  const std::uint64_t q = 10 * kMiB / 4;
  EXPECT_EQ(PlanInitialSplit(10 * kMiB, 4, kMiB),
            (Ranges{{0, q}, {q, 2 * q}, {2 * q, 3 * q}, {3 * q, 4 * q}}));
}

TEST(PlanInitialSplit, RemainderGoesOneByteEachToTheFirstPieces) {
  EXPECT_EQ(PlanInitialSplit(10, 3, 1), (Ranges{{0, 4}, {4, 7}, {7, 10}}));
  EXPECT_EQ(PlanInitialSplit(11, 3, 1), (Ranges{{0, 4}, {4, 8}, {8, 11}}));
}

TEST(PlanInitialSplit, MinPieceLimitsThePieceCount) {
  // 9 / 2 = 4 pieces of at least 2 bytes; 7 / 2 = 3.
  EXPECT_EQ(PlanInitialSplit(9, 8, 2), (Ranges{{0, 3}, {3, 5}, {5, 7}, {7, 9}}));
  EXPECT_EQ(PlanInitialSplit(7, 8, 2), (Ranges{{0, 3}, {3, 5}, {5, 7}}));
  EXPECT_EQ(PlanInitialSplit(3 * kMiB - 1, 16, kMiB),
            (Ranges{{0, 3 * kMiB / 2}, {3 * kMiB / 2, 3 * kMiB - 1}}));
}

TEST(PlanInitialSplit, FileSmallerThanMinPieceIsOnePiece) {
  EXPECT_EQ(PlanInitialSplit(999, 8, 1000), (Ranges{{0, 999}}));
  EXPECT_EQ(PlanInitialSplit(1, 64, kMiB), (Ranges{{0, 1}}));
}

TEST(PlanInitialSplit, EmptyFileIsOneEmptyPiece) {
  EXPECT_EQ(PlanInitialSplit(0, 4, kMiB), (Ranges{{0, 0}}));
  EXPECT_EQ(PlanInitialSplit(0, 1, 0), (Ranges{{0, 0}}));
}

TEST(PlanInitialSplit, ConnectionsBelowOneCountAsOne) {
  EXPECT_EQ(PlanInitialSplit(100, 0, 1), (Ranges{{0, 100}}));
  EXPECT_EQ(PlanInitialSplit(100, -3, 1), (Ranges{{0, 100}}));
}

TEST(PlanInitialSplit, MinPieceZeroCountsAsOne) {
  EXPECT_EQ(PlanInitialSplit(3, 8, 0), (Ranges{{0, 1}, {1, 2}, {2, 3}}));
}

// ---------------------------------------------------------------------------
// PlanInitialSplit: properties over a sweep of parameters.

std::uint64_t SaturatingMul(std::uint64_t a, std::uint64_t b) {
  return (a != 0 && b > kMax / a) ? kMax : a * b;
}

// Checks every promise of PlanInitialSplit for one set of parameters without
// recomputing its formula: exact cover, count bounds, minimum size, maximal
// count, and sizes within one byte of each other.
void CheckSplit(std::uint64_t size, int connections, std::uint64_t min_piece) {
  SCOPED_TRACE(testing::Message() << "size=" << size << " connections="
                                  << connections << " min_piece=" << min_piece);
  const Ranges pieces = PlanInitialSplit(size, connections, min_piece);
  const auto max_count = static_cast<std::uint64_t>(std::max(connections, 1));
  const std::uint64_t min_size = std::max<std::uint64_t>(min_piece, 1);
  const std::uint64_t count = pieces.size();
  ASSERT_GE(count, 1u);
  ASSERT_LE(count, max_count);

  // Exact cover in order: each piece starts where the previous one ended.
  std::uint64_t expected_begin = 0;
  std::uint64_t smallest = kMax, largest = 0;
  for (const ByteRange& p : pieces) {
    ASSERT_EQ(p.begin, expected_begin) << "gap or overlap";
    ASSERT_LE(p.begin, p.end);
    if (count > 1) {
      ASSERT_GE(p.size(), min_size) << "piece below min_piece";
    }
    if (size > 0) {
      ASSERT_FALSE(p.empty());
    }
    smallest = std::min(smallest, p.size());
    largest = std::max(largest, p.size());
    expected_begin = p.end;
  }
  ASSERT_EQ(expected_begin, size);
  ASSERT_LE(largest - smallest, 1u) << "pieces not as equal as possible";
  // Maximal: with a connection to spare, one more piece must not fit, i.e.
  // size < (count + 1) * min_size (written to avoid overflow).
  if (count < max_count) {
    ASSERT_LT(size / (count + 1), min_size);
  }
}

TEST(PlanInitialSplitProperty, CoversExactlyForManyCombinations) {
  const std::uint64_t min_pieces[] = {0, 1, 2, 3, 7, 4096, kMiB, kTiB, kMax};
  int checked = 0;
  for (std::uint64_t m : min_pieces) {
    const std::uint64_t e = std::max<std::uint64_t>(m, 1);
    const std::uint64_t sizes[] = {
        0, 1, 2, e - 1, e, e + 1, 2 * e - 1, SaturatingMul(2, e),
        SaturatingMul(2, e) + (e < kMax / 2 ? 1 : 0), SaturatingMul(3, e),
        SaturatingMul(63, e) + 1, SaturatingMul(64, e) - 1,
        SaturatingMul(64, e), SaturatingMul(65, e), kTiB, kTiB + 7,
        kTiB - 1, kMax - 1, kMax};
    for (std::uint64_t size : sizes) {
      for (int c : {-5, 0, 1000}) CheckSplit(size, c, m);
      for (int c = 1; c <= 64; ++c) {
        CheckSplit(size, c, m);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

TEST(PlanInitialSplitProperty, EverySmallSizeAndMinPiece) {
  // Exhaustive over a small cube, where off-by-one errors live.
  for (std::uint64_t size = 0; size <= 130; ++size) {
    for (std::uint64_t m = 0; m <= 20; ++m) {
      for (int c = 1; c <= 12; ++c) CheckSplit(size, c, m);
    }
  }
}

// ---------------------------------------------------------------------------
// ChunkPlan: single operations.

TEST(ChunkPlan, StartsWithTheInitialSplitUnassigned) {
  ChunkPlan plan(1000, 4, 100);
  ASSERT_EQ(plan.piece_count(), 4u);
  for (PieceId id = 0; id < 4; ++id) {
    EXPECT_EQ(plan.piece(id).range, (ByteRange{250 * id, 250 * (id + 1)}));
    EXPECT_EQ(plan.piece(id).pos, 250 * id);
    EXPECT_EQ(plan.piece(id).state, State::kUnassigned);
  }
  EXPECT_EQ(plan.size(), 1000u);
  EXPECT_EQ(plan.received(), 0u);
  EXPECT_EQ(plan.in_flight(), 0);
  EXPECT_TRUE(plan.has_unassigned());
  EXPECT_FALSE(plan.done());
}

TEST(ChunkPlan, TakeUnassignedHandsOutInOffsetOrderUntilNoneLeft) {
  ChunkPlan plan(1000, 4, 100);
  for (PieceId want = 0; want < 4; ++want) {
    EXPECT_EQ(plan.TakeUnassigned(), want);
    EXPECT_EQ(plan.piece(want).state, State::kInFlight);
    EXPECT_EQ(plan.in_flight(), static_cast<int>(want) + 1);
  }
  EXPECT_EQ(plan.TakeUnassigned(), std::nullopt);
  EXPECT_FALSE(plan.has_unassigned());
  EXPECT_EQ(plan.in_flight(), 4);
}

TEST(ChunkPlan, TakeUnassignedPrefersLowestOffsetOverLowestId) {
  ChunkPlan plan(100, 2, 10);  // [0,50) [50,100)
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  ASSERT_EQ(plan.TakeUnassigned(), 1u);
  ASSERT_EQ(plan.StealLargest(), 2u);  // tie: victim 0 keeps [0,25)
  ASSERT_EQ(plan.piece(2).range, (ByteRange{25, 50}));
  plan.Advance(2, 5);
  plan.Release(2);  // requeues [30,50)
  plan.Release(1);  // requeues [50,100)
  // Piece 2 has the higher id but the lower offset.
  EXPECT_EQ(plan.TakeUnassigned(), 2u);
  EXPECT_EQ(plan.TakeUnassigned(), 1u);
}

TEST(ChunkPlan, StealSplitsTheTailOfThePieceWithMostBytesLeft) {
  ChunkPlan plan(400, 2, 10);  // [0,200) [200,400)
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  ASSERT_EQ(plan.TakeUnassigned(), 1u);
  plan.Advance(0, 150);  // 50 left
  plan.Advance(1, 10);   // 190 left: the victim, though its id is higher
  const std::optional<PieceId> thief = plan.StealLargest();
  ASSERT_EQ(thief, 2u);
  EXPECT_EQ(plan.piece(1).range, (ByteRange{200, 305}));  // mid = 210 + 95
  EXPECT_EQ(plan.piece(1).pos, 210u);
  EXPECT_EQ(plan.piece(2).range, (ByteRange{305, 400}));
  EXPECT_EQ(plan.piece(2).pos, 305u);
  EXPECT_EQ(plan.piece(2).state, State::kInFlight);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 200}));  // untouched
  EXPECT_EQ(plan.in_flight(), 3);
  EXPECT_EQ(plan.piece_count(), 3u);
  EXPECT_EQ(plan.received(), 160u);  // a steal moves no bytes
}

TEST(ChunkPlan, StealOfOddRemainderLeavesVictimTheSmallerHalf) {
  ChunkPlan plan(101, 1, 10);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  ASSERT_EQ(plan.StealLargest(), 1u);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 50}));
  EXPECT_EQ(plan.piece(1).range, (ByteRange{50, 101}));
}

TEST(ChunkPlan, StealNeedsMinLeftWhenItIsLarger) {
  ChunkPlan plan(1000, 1, 10);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  plan.Advance(0, 400);  // 600 left
  EXPECT_EQ(plan.StealLargest(601), std::nullopt);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 1000}));  // untouched
  EXPECT_EQ(plan.piece_count(), 1u);
  ASSERT_EQ(plan.StealLargest(600), 1u);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 700}));
  EXPECT_EQ(plan.piece(1).range, (ByteRange{700, 1000}));
  // A small min_left never lowers the 2 * min_piece floor.
  plan.Advance(0, 281);  // 19 left in piece 0
  plan.Advance(1, 281);  // 19 left in piece 1
  EXPECT_EQ(plan.StealLargest(1), std::nullopt);
}

TEST(MinStealRemainder, IsTwiceWhatTheThiefWouldGetInTheHorizon) {
  EXPECT_EQ(MinStealRemainder(100e6, 0.2), 40'000'000u);
  EXPECT_EQ(MinStealRemainder(4.0 * (1 << 20), 0.25), 2u << 20);
}

TEST(MinStealRemainder, UnknownRateOrHorizonIsNoConstraint) {
  EXPECT_EQ(MinStealRemainder(0, 0.2), 0u);
  EXPECT_EQ(MinStealRemainder(-5, 0.2), 0u);
  EXPECT_EQ(MinStealRemainder(std::numeric_limits<double>::quiet_NaN(), 0.2), 0u);
  EXPECT_EQ(MinStealRemainder(1e6, 0), 0u);
}

TEST(MinStealRemainder, SaturatesInsteadOfOverflowing) {
  EXPECT_EQ(MinStealRemainder(std::numeric_limits<double>::infinity(), 1),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(MinStealRemainder(1e300, 1), std::numeric_limits<std::uint64_t>::max());
}

TEST(ChunkPlan, StealNeedsTwiceMinPieceLeft) {
  ChunkPlan exact(100, 1, 10);
  ASSERT_EQ(exact.TakeUnassigned(), 0u);
  exact.Advance(0, 80);  // 20 left == 2 * min_piece: splits into 10 + 10
  ASSERT_EQ(exact.StealLargest(), 1u);
  EXPECT_EQ(exact.piece(0).range, (ByteRange{0, 90}));
  EXPECT_EQ(exact.piece(1).range, (ByteRange{90, 100}));
  EXPECT_EQ(exact.StealLargest(), std::nullopt);  // 10 left in each

  ChunkPlan short_by_one(100, 1, 10);
  ASSERT_EQ(short_by_one.TakeUnassigned(), 0u);
  short_by_one.Advance(0, 81);  // 19 left
  EXPECT_EQ(short_by_one.StealLargest(), std::nullopt);
  EXPECT_EQ(short_by_one.piece_count(), 1u);
  EXPECT_EQ(short_by_one.piece(0).range, (ByteRange{0, 100}));
  EXPECT_EQ(short_by_one.in_flight(), 1);
}

TEST(ChunkPlan, StealCountsBytesLeftNotPieceSize) {
  ChunkPlan plan(1000, 1, 100);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  plan.Advance(0, 850);  // a 1000-byte piece with 150 left
  EXPECT_EQ(plan.StealLargest(), std::nullopt);
}

TEST(ChunkPlan, StealTakesOnlyFromPiecesInFlight) {
  ChunkPlan plan(1000, 2, 10);  // [0,500) [500,1000)
  EXPECT_EQ(plan.StealLargest(), std::nullopt);  // nothing in flight
  EXPECT_EQ(plan.piece_count(), 2u);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  plan.Advance(0, 400);  // 100 left; unassigned piece 1 has 500
  ASSERT_EQ(plan.StealLargest(), 2u);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 450}));
  EXPECT_EQ(plan.piece(2).range, (ByteRange{450, 500}));
  EXPECT_EQ(plan.piece(1).range, (ByteRange{500, 1000}));
  EXPECT_EQ(plan.piece(1).state, State::kUnassigned);
}

TEST(ChunkPlan, StealWithMinPieceZeroNeverMakesEmptyPieces) {
  ChunkPlan plan(2, 1, 0);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  ASSERT_EQ(plan.StealLargest(), 1u);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 1}));
  EXPECT_EQ(plan.piece(1).range, (ByteRange{1, 2}));
  EXPECT_EQ(plan.StealLargest(), std::nullopt);  // 1 byte left in each
}

TEST(ChunkPlan, VictimReachingMidCompletes) {
  ChunkPlan plan(100, 1, 10);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  ASSERT_EQ(plan.StealLargest(), 1u);  // victim keeps [0,50)
  plan.Advance(0, 50);
  plan.Release(0);  // the engine closed the victim's connection at mid
  EXPECT_EQ(plan.piece(0).state, State::kComplete);
  EXPECT_FALSE(plan.done());
  plan.Advance(1, 50);
  plan.Release(1);
  EXPECT_TRUE(plan.done());
  EXPECT_EQ(plan.received(), 100u);
}

TEST(ChunkPlan, ReleaseOfFinishedPieceCompletesIt) {
  ChunkPlan plan(200, 2, 10);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  plan.Advance(0, 60);
  plan.Advance(0, 40);
  EXPECT_EQ(plan.received(), 100u);
  plan.Release(0);
  EXPECT_EQ(plan.piece(0).state, State::kComplete);
  EXPECT_EQ(plan.in_flight(), 0);
  EXPECT_FALSE(plan.done());  // piece 1 is still unassigned
  ASSERT_EQ(plan.TakeUnassigned(), 1u);
  plan.Advance(1, 100);
  plan.Release(1);
  EXPECT_TRUE(plan.done());
  EXPECT_EQ(plan.TakeUnassigned(), std::nullopt);
}

TEST(ChunkPlan, ReleaseOfPartialPieceRequeuesExactlyTheRemainder) {
  ChunkPlan plan(1000, 1, 10);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  plan.Advance(0, 300);
  plan.Release(0);
  EXPECT_EQ(plan.piece(0).state, State::kUnassigned);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{300, 1000}));
  EXPECT_EQ(plan.piece(0).pos, 300u);
  EXPECT_EQ(plan.received(), 300u);  // received bytes stay received
  EXPECT_EQ(plan.in_flight(), 0);
  EXPECT_TRUE(plan.has_unassigned());
  EXPECT_FALSE(plan.done());

  ASSERT_EQ(plan.TakeUnassigned(), 0u);  // the retry resumes at 300
  EXPECT_EQ(plan.piece(0).pos, 300u);
  plan.Advance(0, 700);
  plan.Release(0);
  EXPECT_TRUE(plan.done());
  EXPECT_EQ(plan.received(), 1000u);
}

TEST(ChunkPlan, ReleaseWithoutProgressRequeuesTheWholePiece) {
  ChunkPlan plan(1000, 2, 10);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  plan.Release(0);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 500}));
  EXPECT_EQ(plan.piece(0).state, State::kUnassigned);
  EXPECT_EQ(plan.TakeUnassigned(), 0u);
}

TEST(ChunkPlan, ReassignRetriesASpecificPiece) {
  ChunkPlan plan(1000, 2, 10);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  ASSERT_EQ(plan.TakeUnassigned(), 1u);
  plan.Advance(1, 123);
  plan.Release(1);
  ASSERT_EQ(plan.in_flight(), 1);
  plan.Reassign(1);
  EXPECT_EQ(plan.piece(1).state, State::kInFlight);
  EXPECT_EQ(plan.piece(1).range, (ByteRange{623, 1000}));
  EXPECT_EQ(plan.in_flight(), 2);
  EXPECT_FALSE(plan.has_unassigned());
  EXPECT_EQ(plan.TakeUnassigned(), std::nullopt);
}

TEST(ChunkPlan, EmptyFileIsOnePieceThatMustBeTakenAndReleased) {
  ChunkPlan plan(0, 4, kMiB);
  ASSERT_EQ(plan.piece_count(), 1u);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 0}));
  EXPECT_FALSE(plan.done());
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  EXPECT_EQ(plan.StealLargest(), std::nullopt);
  EXPECT_FALSE(plan.done());
  plan.Release(0);
  EXPECT_EQ(plan.piece(0).state, State::kComplete);
  EXPECT_TRUE(plan.done());
  EXPECT_EQ(plan.received(), 0u);
  EXPECT_EQ(plan.in_flight(), 0);
}

// ---------------------------------------------------------------------------
// ChunkPlan: resume planning.

// The pieces' ranges, in id order.
Ranges RangesOf(const ChunkPlan& plan) {
  Ranges out;
  for (PieceId id = 0; id < plan.piece_count(); ++id) out.push_back(plan.piece(id).range);
  return out;
}

// The ids of the pieces in `state`, in id order.
std::vector<PieceId> IdsIn(const ChunkPlan& plan, State state) {
  std::vector<PieceId> out;
  for (PieceId id = 0; id < plan.piece_count(); ++id) {
    if (plan.piece(id).state == state) out.push_back(id);
  }
  return out;
}

// Complete pieces have pos == end, the others pos == begin (nothing received).
void ExpectFreshlyResumed(const ChunkPlan& plan) {
  for (PieceId id = 0; id < plan.piece_count(); ++id) {
    const ChunkPlan::Piece& p = plan.piece(id);
    EXPECT_EQ(p.pos, p.state == State::kComplete ? p.range.end : p.range.begin) << id;
  }
  EXPECT_EQ(plan.in_flight(), 0);
}

TEST(ChunkPlanResume, HoleAtTheStartIsSplitPerConnection) {
  const ChunkPlan plan(1000, 4, 100, {{400, 1000}});
  EXPECT_EQ(RangesOf(plan),
            (Ranges{{0, 100}, {100, 200}, {200, 300}, {300, 400}, {400, 1000}}));
  EXPECT_EQ(IdsIn(plan, State::kComplete), (std::vector<PieceId>{4}));
  EXPECT_EQ(plan.received(), 600u);
  EXPECT_EQ(plan.size(), 1000u);
  EXPECT_FALSE(plan.done());
  ExpectFreshlyResumed(plan);
}

TEST(ChunkPlanResume, HoleInTheMiddle) {
  const ChunkPlan plan(1000, 4, 100, {{0, 300}, {700, 1000}});
  EXPECT_EQ(RangesOf(plan), (Ranges{{0, 300}, {300, 400}, {400, 500}, {500, 600},
                                    {600, 700}, {700, 1000}}));
  EXPECT_EQ(IdsIn(plan, State::kComplete), (std::vector<PieceId>{0, 5}));
  EXPECT_EQ(plan.received(), 600u);
  ExpectFreshlyResumed(plan);
}

TEST(ChunkPlanResume, HoleAtTheEndSplitsLikeAFreshPlanOfTheHole) {
  const ChunkPlan plan(1000, 3, 10, {{0, 600}});
  // PlanInitialSplit(400, 3, 10): the first 400 % 3 pieces get a byte more.
  EXPECT_EQ(RangesOf(plan), (Ranges{{0, 600}, {600, 734}, {734, 867}, {867, 1000}}));
  EXPECT_EQ(plan.received(), 600u);
}

TEST(ChunkPlanResume, TakeUnassignedStillGoesFrontToBack) {
  ChunkPlan plan(1000, 2, 10, {{100, 200}, {600, 700}});
  // Gaps [0,100) [200,600) [700,1000): three pieces already, none split.
  ASSERT_EQ(RangesOf(plan),
            (Ranges{{0, 100}, {100, 200}, {200, 600}, {600, 700}, {700, 1000}}));
  EXPECT_EQ(plan.TakeUnassigned(), 0u);
  EXPECT_EQ(plan.TakeUnassigned(), 2u);
  EXPECT_EQ(plan.TakeUnassigned(), 4u);
  EXPECT_EQ(plan.TakeUnassigned(), std::nullopt);
}

TEST(ChunkPlanResume, ExtraPiecesGoToTheGapWithTheLargestPieces) {
  // Gaps of 600 and 300. Three connections: the 600 splits into 300 + 300.
  EXPECT_EQ(RangesOf(ChunkPlan(1000, 3, 10, {{600, 700}})),
            (Ranges{{0, 300}, {300, 600}, {600, 700}, {700, 1000}}));
  // Four: all pieces are 300 now, and the tie goes to the lowest offset.
  EXPECT_EQ(RangesOf(ChunkPlan(1000, 4, 10, {{600, 700}})),
            (Ranges{{0, 200}, {200, 400}, {400, 600}, {600, 700}, {700, 1000}}));
  // Five: 200 each in the first gap, 300 in the second, which splits.
  EXPECT_EQ(RangesOf(ChunkPlan(1000, 5, 10, {{600, 700}})),
            (Ranges{{0, 200}, {200, 400}, {400, 600}, {600, 700}, {700, 850}, {850, 1000}}));
}

TEST(ChunkPlanResume, GapsBelowTwiceMinPieceAreNotSplit) {
  // Gaps of 150, 100 and 5 bytes with min piece 100 and plenty of
  // connections: none can hold two pieces of 100.
  const ChunkPlan plan(1000, 16, 100, {{150, 500}, {600, 995}});
  EXPECT_EQ(RangesOf(plan),
            (Ranges{{0, 150}, {150, 500}, {500, 600}, {600, 995}, {995, 1000}}));
  EXPECT_EQ(IdsIn(plan, State::kUnassigned), (std::vector<PieceId>{0, 2, 4}));
  // At exactly 2 * min piece the gap splits.
  EXPECT_EQ(RangesOf(ChunkPlan(1000, 16, 100, {{200, 1000}})),
            (Ranges{{0, 100}, {100, 200}, {200, 1000}}));
}

TEST(ChunkPlanResume, MoreGapsThanConnectionsAreOnePieceEach) {
  const ChunkPlan plan(100, 2, 1, {{10, 20}, {30, 40}, {50, 60}});
  EXPECT_EQ(IdsIn(plan, State::kUnassigned).size(), 4u);
  EXPECT_EQ(plan.piece_count(), 7u);
}

TEST(ChunkPlanResume, NothingMissingIsDoneAtOnce) {
  ChunkPlan plan(1000, 4, 10, {{0, 1000}});
  EXPECT_TRUE(plan.done());
  EXPECT_EQ(plan.received(), 1000u);
  EXPECT_EQ(RangesOf(plan), (Ranges{{0, 1000}}));
  EXPECT_FALSE(plan.has_unassigned());
  EXPECT_EQ(plan.TakeUnassigned(), std::nullopt);
  EXPECT_EQ(plan.StealLargest(), std::nullopt);
  EXPECT_TRUE(plan.Unfinished().empty());
  EXPECT_EQ(plan.in_flight(), 0);
}

TEST(ChunkPlanResume, EmptyFileIsDoneAtOnce) {
  for (const Ranges& completed : {Ranges{}, Ranges{{0, 0}}, Ranges{{0, 10}}}) {
    ChunkPlan plan(0, 4, kMiB, completed);
    ASSERT_EQ(plan.piece_count(), 1u);
    EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 0}));
    EXPECT_EQ(plan.piece(0).state, State::kComplete);
    EXPECT_TRUE(plan.done());
    EXPECT_EQ(plan.received(), 0u);
    EXPECT_EQ(plan.TakeUnassigned(), std::nullopt);
    EXPECT_TRUE(plan.Unfinished().empty());
  }
}

TEST(ChunkPlanResume, CompletedRangesAreClippedSortedAndMerged) {
  // Out of order, overlapping, adjacent, empty, and past the end.
  const ChunkPlan plan(1000, 1, 10,
                       {{900, 5000}, {100, 200}, {150, 250}, {250, 300}, {50, 50}, {2000, 3000}});
  EXPECT_EQ(RangesOf(plan), (Ranges{{0, 100}, {100, 300}, {300, 900}, {900, 1000}}));
  EXPECT_EQ(IdsIn(plan, State::kComplete), (std::vector<PieceId>{1, 3}));
  EXPECT_EQ(plan.received(), 300u);
}

TEST(ChunkPlanResume, EverythingMissingIsTheFreshPlan) {
  // Exhaustive over a small cube, plus large sizes: same pieces, same states.
  const auto check = [](std::uint64_t size, int c, std::uint64_t m) {
    const ChunkPlan fresh(size, c, m);
    const ChunkPlan resumed(size, c, m, {});
    ASSERT_EQ(RangesOf(resumed), RangesOf(fresh))
        << "size=" << size << " connections=" << c << " min_piece=" << m;
    ASSERT_EQ(IdsIn(resumed, State::kUnassigned).size(), fresh.piece_count());
    ASSERT_EQ(resumed.received(), 0u);
  };
  for (std::uint64_t size = 1; size <= 130; ++size) {
    for (std::uint64_t m = 0; m <= 20; ++m) {
      for (int c = -1; c <= 12; ++c) check(size, c, m);
    }
  }
  for (std::uint64_t size : {kMiB, kTiB, kTiB + 7, kMax}) {
    for (int c : {1, 3, 16, 64}) {
      for (std::uint64_t m : {std::uint64_t{1}, kMiB, kTiB, kMax}) check(size, c, m);
    }
  }
}

TEST(ChunkPlanResume, AResumedPlanRunsLikeAnyOther) {
  ChunkPlan plan(1000, 2, 100, {{0, 500}});  // [0,500) done, [500,750) [750,1000)
  ASSERT_EQ(plan.TakeUnassigned(), 1u);
  plan.Advance(1, 250);
  plan.Release(1);
  ASSERT_EQ(plan.TakeUnassigned(), 2u);
  ASSERT_EQ(plan.StealLargest(), 3u);  // [875,1000)
  plan.Advance(2, 125);
  plan.Release(2);
  plan.Advance(3, 125);
  plan.Release(3);
  EXPECT_TRUE(plan.done());
  EXPECT_EQ(plan.received(), 1000u);
}

// Property: for random completed sets, the plan tiles [0, size) exactly, the
// complete pieces are the merged completed ranges, no split gap has a piece
// below min piece, and if there are fewer unassigned pieces than connections
// no gap could take one more.
TEST(ChunkPlanResume, RandomCompletedSets) {
  std::mt19937 rng(3);
  for (int round = 0; round < 3000; ++round) {
    const std::uint64_t size = 1 + rng() % 5000;
    const std::uint64_t m = rng() % 300;
    const int c = 1 + static_cast<int>(rng() % 20);
    Ranges completed;
    RangeSet merged;
    for (auto n = rng() % 8; n > 0; --n) {
      const std::uint64_t b = rng() % size;
      const ByteRange r{b, b + rng() % (size / 4 + 1)};
      completed.push_back(r);
      merged.Add({r.begin, std::min(r.end, size)});
    }
    SCOPED_TRACE(testing::Message() << "round=" << round << " size=" << size << " m=" << m
                                    << " c=" << c);
    const ChunkPlan plan(size, c, m, completed);
    Ranges done;
    std::uint64_t cursor = 0;
    for (PieceId id = 0; id < plan.piece_count(); ++id) {
      const ChunkPlan::Piece& p = plan.piece(id);
      ASSERT_EQ(p.range.begin, cursor) << "pieces in offset order, no gap or overlap";
      ASSERT_FALSE(p.range.empty());
      cursor = p.range.end;
      if (p.state == State::kComplete) done.push_back(p.range);
    }
    ASSERT_EQ(cursor, size);
    ASSERT_EQ(done, merged.ranges());
    ASSERT_EQ(plan.received(), merged.covered());
    ExpectFreshlyResumed(plan);
    // Each gap holds pieces from PlanInitialSplit: check its count rule.
    const std::uint64_t min_size = std::max<std::uint64_t>(m, 1);
    std::uint64_t unassigned = 0;
    bool could_split = false;
    for (const ByteRange& gap : merged.Missing(size)) {
      std::uint64_t count = 0;
      for (PieceId id = 0; id < plan.piece_count(); ++id) {
        const ByteRange& r = plan.piece(id).range;
        if (r.begin >= gap.begin && r.end <= gap.end) {
          ++count;
          ASSERT_EQ(plan.piece(id).state, State::kUnassigned);
        }
      }
      ASSERT_GE(count, 1u);
      if (count > 1) {
        ASSERT_GE(gap.size() / count, min_size) << "a piece below min piece";
      }
      if (gap.size() / min_size > count) could_split = true;
      unassigned += count;
    }
    const std::uint64_t gaps = merged.Missing(size).size();
    ASSERT_LE(unassigned, std::max<std::uint64_t>(static_cast<std::uint64_t>(c), gaps));
    if (unassigned < static_cast<std::uint64_t>(c)) {
      ASSERT_FALSE(could_split) << "stopped splitting early";
    }
  }
}

// ---------------------------------------------------------------------------
// ChunkPlan: MergeFollowing.

TEST(ChunkPlanMerge, AbsorbsEveryFollowingUnassignedPiece) {
  // The engine's case: only the first, open-ended request works.
  ChunkPlan plan(1000, 4, 100);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  plan.Advance(0, 100);
  plan.MergeFollowing(0);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 1000}));
  EXPECT_EQ(plan.piece(0).pos, 100u);
  EXPECT_EQ(plan.piece(0).state, State::kInFlight);
  for (PieceId id = 1; id < 4; ++id) {
    EXPECT_EQ(plan.piece(id).state, State::kComplete);
    EXPECT_EQ(plan.piece(id).range, (ByteRange{250 * id, 250 * id}));
    EXPECT_EQ(plan.piece(id).pos, 250 * id);
  }
  EXPECT_EQ(plan.piece_count(), 4u);
  EXPECT_EQ(plan.received(), 100u);
  EXPECT_EQ(plan.in_flight(), 1);
  EXPECT_FALSE(plan.has_unassigned());
  EXPECT_EQ(plan.TakeUnassigned(), std::nullopt);
  EXPECT_FALSE(plan.done());
  EXPECT_EQ(plan.Unfinished(), (Ranges{{100, 1000}}));

  plan.Advance(0, 900);
  plan.Release(0);
  EXPECT_TRUE(plan.done());
  EXPECT_EQ(plan.received(), 1000u);
}

TEST(ChunkPlanMerge, AfterFailedRequestsWereReleased) {
  ChunkPlan plan(1000, 4, 100);
  for (PieceId want = 0; want < 4; ++want) ASSERT_EQ(plan.TakeUnassigned(), want);
  for (PieceId id = 1; id < 4; ++id) plan.Release(id);  // failed, nothing received
  plan.MergeFollowing(0);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 1000}));
  EXPECT_EQ(IdsIn(plan, State::kComplete), (std::vector<PieceId>{1, 2, 3}));
  EXPECT_EQ(plan.in_flight(), 1);
}

TEST(ChunkPlanMerge, StopsAtAPieceInFlight) {
  ChunkPlan plan(1000, 4, 100);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  ASSERT_EQ(plan.TakeUnassigned(), 1u);
  ASSERT_EQ(plan.TakeUnassigned(), 2u);
  plan.Release(1);  // [250,500) unassigned; 2 stays in flight
  plan.MergeFollowing(0);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 500}));
  EXPECT_EQ(plan.piece(1).state, State::kComplete);
  EXPECT_EQ(plan.piece(1).range, (ByteRange{250, 250}));
  EXPECT_EQ(plan.piece(2).range, (ByteRange{500, 750}));  // untouched
  EXPECT_EQ(plan.piece(3).state, State::kUnassigned);
  // Nothing more to absorb: a second call changes nothing.
  plan.MergeFollowing(0);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 500}));
  EXPECT_EQ(plan.TakeUnassigned(), 3u);
}

TEST(ChunkPlanMerge, StopsAtACompletePiece) {
  ChunkPlan plan(1000, 2, 10, {{500, 600}});  // [0,500) done[500,600) [600,1000)
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  plan.MergeFollowing(0);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 500}));
  EXPECT_EQ(plan.piece(1).range, (ByteRange{500, 600}));
  EXPECT_EQ(plan.piece(2).state, State::kUnassigned);
}

TEST(ChunkPlanMerge, NothingFollowsTheLastPiece) {
  ChunkPlan plan(1000, 2, 10);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  ASSERT_EQ(plan.TakeUnassigned(), 1u);
  plan.MergeFollowing(1);
  EXPECT_EQ(plan.piece(1).range, (ByteRange{500, 1000}));
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 500}));
}

TEST(ChunkPlanMerge, StopsWhereReceivedBytesLieBetween) {
  ChunkPlan plan(1000, 4, 100);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  ASSERT_EQ(plan.TakeUnassigned(), 1u);
  plan.Advance(1, 30);
  plan.Release(1);  // [280,500) unassigned; [250,280) received, no piece's
  plan.MergeFollowing(0);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 250}));
  EXPECT_EQ(plan.piece(1).range, (ByteRange{280, 500}));
  EXPECT_EQ(plan.piece(1).state, State::kUnassigned);
}

TEST(ChunkPlanMerge, MergedPieceCanBeStolenFromAndRetried) {
  ChunkPlan plan(1000, 4, 100);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  plan.MergeFollowing(0);
  plan.Advance(0, 200);
  // Absorbed pieces are never victims; the merged piece is.
  ASSERT_EQ(plan.StealLargest(), 4u);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 600}));
  EXPECT_EQ(plan.piece(4).range, (ByteRange{600, 1000}));
  plan.Release(0);  // fails at 200: [200,600) is retried, absorbed ones are not
  EXPECT_EQ(plan.TakeUnassigned(), 0u);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{200, 600}));
  EXPECT_EQ(plan.TakeUnassigned(), std::nullopt);
  plan.Advance(0, 400);
  plan.Release(0);
  plan.Advance(4, 400);
  plan.Release(4);
  EXPECT_TRUE(plan.done());
  EXPECT_EQ(plan.received(), 1000u);
}

TEST(ChunkPlanMerge, ReabsorbsAThiefThatGaveUp) {
  ChunkPlan plan(1000, 1, 10);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  ASSERT_EQ(plan.StealLargest(), 1u);  // victim [0,500), thief [500,1000)
  plan.Release(1);                     // the thief's request failed
  plan.MergeFollowing(0);
  EXPECT_EQ(plan.piece(0).range, (ByteRange{0, 1000}));
  EXPECT_EQ(plan.piece(1).state, State::kComplete);
  EXPECT_EQ(plan.piece(1).range, (ByteRange{500, 500}));
}

// ---------------------------------------------------------------------------
// ChunkPlan: Unfinished.

TEST(ChunkPlanUnfinished, ListsWhatIsLeftInOffsetOrder) {
  ChunkPlan plan(1000, 2, 10);  // [0,500) [500,1000)
  EXPECT_EQ(plan.Unfinished(), (Ranges{{0, 500}, {500, 1000}}));
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  ASSERT_EQ(plan.TakeUnassigned(), 1u);
  plan.Advance(1, 500);
  plan.Release(1);
  plan.Advance(0, 100);
  ASSERT_EQ(plan.StealLargest(), 2u);  // piece 0 keeps [100,300), 2 gets [300,500)
  EXPECT_EQ(plan.Unfinished(), (Ranges{{100, 300}, {300, 500}}));
  std::uint64_t left = 0;
  for (const ByteRange& r : plan.Unfinished()) left += r.size();
  EXPECT_EQ(plan.received() + left, plan.size());
}

TEST(ChunkPlanUnfinished, SkipsEmptyPieces) {
  ChunkPlan plan(0, 1, 1);  // the fresh plan's empty piece has nothing missing
  EXPECT_TRUE(plan.Unfinished().empty());
  EXPECT_FALSE(plan.done());
}

#if GTEST_HAS_DEATH_TEST && !defined(NDEBUG)
TEST(ChunkPlanDeathTest, AdvancePastEndAsserts) {
  ChunkPlan plan(100, 1, 10);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  plan.Advance(0, 60);
  EXPECT_DEATH(plan.Advance(0, 41), "");
}

TEST(ChunkPlanDeathTest, AdvancePastStolenEndAsserts) {
  ChunkPlan plan(100, 1, 10);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  ASSERT_EQ(plan.StealLargest(), 1u);  // victim now ends at 50
  EXPECT_DEATH(plan.Advance(0, 51), "");
}

TEST(ChunkPlanDeathTest, AdvanceOfPieceNotInFlightAsserts) {
  ChunkPlan plan(100, 1, 10);
  EXPECT_DEATH(plan.Advance(0, 1), "");
}

TEST(ChunkPlanDeathTest, ReleaseOfPieceNotInFlightAsserts) {
  ChunkPlan plan(100, 1, 10);
  EXPECT_DEATH(plan.Release(0), "");
}

TEST(ChunkPlanDeathTest, ReassignOfPieceInFlightAsserts) {
  ChunkPlan plan(100, 1, 10);
  ASSERT_EQ(plan.TakeUnassigned(), 0u);
  EXPECT_DEATH(plan.Reassign(0), "");
}

TEST(ChunkPlanDeathTest, MergeFollowingOfPieceNotInFlightAsserts) {
  ChunkPlan plan(100, 2, 10);
  EXPECT_DEATH(plan.MergeFollowing(0), "");
}
#endif

// ---------------------------------------------------------------------------
// ChunkPlan: simulated downloads.

struct SimConfig {
  std::uint64_t size;
  int connections;
  std::uint64_t min_piece;
  int slots;  // fake transfers; more than connections forces early steals
  std::uint32_t seed;
};

struct SimStats {
  int steals = 0;
  int failures = 0;
  int reassigns = 0;
  int merges = 0;  // MergeFollowing calls that absorbed at least one piece
};

// Resumed downloads: the defaults are a fresh download, as before.
struct SimResume {
  std::optional<Ranges> completed;  // plan with the resume constructor
  bool merge = false;               // busy slots sometimes MergeFollowing
};

// A fake download: slots, the bytes they received, and the checks that run
// after every step. Every byte received is recorded in `received_`; a byte
// received twice shows up as covered() growing by less than the range size.
class Simulation {
 public:
  explicit Simulation(const SimConfig& c, const SimResume& resume = {})
      : c_(c),
        plan_(MakePlan(c, resume.completed)),
        min_size_(std::max<std::uint64_t>(c.min_piece, 1)),
        step_max_(std::max<std::uint64_t>(c.size / 40, 1)),
        rng_(c.seed),
        slots_(static_cast<std::size_t>(c.slots)),
        merge_(resume.merge) {
    // Completed bytes count as received before the first step.
    for (const ByteRange& r : resume.completed.value_or(Ranges{})) {
      received_.Add({r.begin, std::min(r.end, c.size)});
    }
  }

  void Run(SimStats& stats) {
    for (int round = 0; !plan_.done(); ++round) {
      ASSERT_LT(round, 100000) << "download never finished";
      for (std::optional<PieceId>& slot : slots_) {
        if (slot) {
          ASSERT_NO_FATAL_FAILURE(Step(slot, stats));
        } else {
          ASSERT_NO_FATAL_FAILURE(Fill(slot, stats));
        }
      }
      ASSERT_NO_FATAL_FAILURE(CheckInvariants());
    }
    ASSERT_NO_FATAL_FAILURE(CheckFinished());
  }

 private:
  static ChunkPlan MakePlan(const SimConfig& c, const std::optional<Ranges>& completed) {
    if (!completed) return ChunkPlan(c.size, c.connections, c.min_piece);
    return ChunkPlan(c.size, c.connections, c.min_piece, *completed);
  }

  // An idle slot takes unassigned work first and steals only when none is left.
  void Fill(std::optional<PieceId>& slot, SimStats& stats) {
    slot = plan_.TakeUnassigned();
    if (slot) return;
    const std::uint64_t most_left = MostBytesLeftInFlight();
    slot = plan_.StealLargest();
    ASSERT_EQ(slot.has_value(), most_left >= 2 * min_size_)
        << "most_left=" << most_left;
    if (slot) {
      ++stats.steals;
      ASSERT_NO_FATAL_FAILURE(CheckSteal(*slot, most_left));
    }
  }

  // A busy slot receives some bytes, finishes, or fails (sometimes retrying
  // the same piece at once).
  void Step(std::optional<PieceId>& slot, SimStats& stats) {
    const ChunkPlan::Piece p = plan_.piece(*slot);
    const std::uint64_t left = p.range.end - p.pos;
    const auto roll = rng_() % 100;
    if (left == 0) {  // reached its end, possibly a stolen mid: close it
      plan_.Release(*slot);
      ASSERT_EQ(plan_.piece(*slot).state, State::kComplete);
      slot.reset();
    } else if (roll < 3) {
      ++stats.failures;
      plan_.Release(*slot);
      ASSERT_EQ(plan_.piece(*slot).state, State::kUnassigned);
      ASSERT_EQ(plan_.piece(*slot).range, (ByteRange{p.pos, p.range.end}));
      ASSERT_EQ(plan_.piece(*slot).pos, p.pos);
      if (roll == 0) {
        ++stats.reassigns;
        plan_.Reassign(*slot);
      } else {
        slot.reset();
      }
    } else if (merge_ && roll < 6) {
      plan_.MergeFollowing(*slot);
      const ChunkPlan::Piece& after = plan_.piece(*slot);
      ASSERT_GE(after.range.end, p.range.end);
      ASSERT_EQ(after.pos, p.pos);
      if (after.range.end > p.range.end) ++stats.merges;
    } else {
      // Often a full step, so that huge pieces finish in bounded rounds.
      const std::uint64_t cap = std::min(left, step_max_);
      const std::uint64_t n =
          roll < 40 ? cap
                    : std::uniform_int_distribution<std::uint64_t>(1, cap)(rng_);
      const std::uint64_t before = received_.covered();
      received_.Add({p.pos, p.pos + n});
      ASSERT_EQ(received_.covered(), before + n) << "a byte was received twice";
      plan_.Advance(*slot, n);
    }
  }

  std::uint64_t MostBytesLeftInFlight() const {
    std::uint64_t most = 0;
    for (PieceId id = 0; id < plan_.piece_count(); ++id) {
      const ChunkPlan::Piece& p = plan_.piece(id);
      if (p.state == State::kInFlight) most = std::max(most, p.range.end - p.pos);
    }
    return most;
  }

  // The thief's piece and the victim's new remainder are both at least
  // min_piece and together make up what the victim had left.
  void CheckSteal(PieceId thief, std::uint64_t most_left) {
    ASSERT_EQ(thief, plan_.piece_count() - 1) << "steals append";
    const ChunkPlan::Piece& t = plan_.piece(thief);
    ASSERT_EQ(t.state, State::kInFlight);
    ASSERT_EQ(t.pos, t.range.begin);
    ASSERT_GE(t.range.size(), min_size_);
    int victims = 0;
    for (PieceId id = 0; id < thief; ++id) {
      const ChunkPlan::Piece& v = plan_.piece(id);
      if (v.state != State::kInFlight || v.range.end != t.range.begin) continue;
      ++victims;
      ASSERT_GE(v.range.end - v.pos, min_size_);
      ASSERT_LE(v.range.end - v.pos, t.range.size());  // victim keeps <= half
      ASSERT_EQ(v.range.end - v.pos + t.range.size(), most_left);
    }
    ASSERT_EQ(victims, 1);
  }

  // Bytes received plus every piece's outstanding [pos, end) tile [0, size)
  // exactly; counters agree with the slots.
  void CheckInvariants() {
    RangeSet tiles = received_;
    int in_flight = 0;
    std::set<PieceId> held;
    for (const std::optional<PieceId>& slot : slots_) {
      if (slot) {
        ASSERT_TRUE(held.insert(*slot).second) << "piece in two slots";
      }
    }
    for (PieceId id = 0; id < plan_.piece_count(); ++id) {
      const ChunkPlan::Piece& p = plan_.piece(id);
      ASSERT_LE(p.range.begin, p.pos);
      ASSERT_LE(p.pos, p.range.end);
      if (p.state == State::kComplete) {
        ASSERT_EQ(p.pos, p.range.end);
      }
      if (p.state == State::kInFlight) ++in_flight;
      ASSERT_EQ(p.state == State::kInFlight, held.count(id) == 1);
      const std::uint64_t before = tiles.covered();
      tiles.Add({p.pos, p.range.end});
      ASSERT_EQ(tiles.covered(), before + p.range.end - p.pos) << "overlap";
    }
    ASSERT_EQ(plan_.in_flight(), in_flight);
    ASSERT_EQ(plan_.received(), received_.covered());
    ASSERT_TRUE(tiles.Missing(c_.size).empty());
    ASSERT_EQ(tiles.covered(), c_.size);
  }

  void CheckFinished() {
    ASSERT_EQ(plan_.received(), c_.size);
    ASSERT_EQ(plan_.in_flight(), 0);
    ASSERT_FALSE(plan_.has_unassigned());
    ASSERT_EQ(plan_.TakeUnassigned(), std::nullopt);
    ASSERT_EQ(plan_.StealLargest(), std::nullopt);
    ASSERT_TRUE(received_.Missing(c_.size).empty());
    const Ranges whole = c_.size == 0 ? Ranges{} : Ranges{{0, c_.size}};
    ASSERT_EQ(received_.ranges(), whole);
  }

  SimConfig c_;
  ChunkPlan plan_;
  std::uint64_t min_size_;
  std::uint64_t step_max_;
  std::mt19937 rng_;
  std::vector<std::optional<PieceId>> slots_;
  bool merge_;
  RangeSet received_;
};

TEST(ChunkPlanSimulation, EveryByteReceivedExactlyOnce) {
  const std::uint64_t min_pieces[] = {0, 1, 16, 1000, kMiB};
  const int connections[] = {1, 2, 3, 4, 8, 16, 64};
  SimStats stats;
  std::uint32_t seed = 1;
  for (std::uint64_t m : min_pieces) {
    const std::uint64_t e = std::max<std::uint64_t>(m, 1);
    const std::uint64_t sizes[] = {0,     1,         7,          e - 1, e,
                                   2 * e, 10 * e + 3, 100 * e + 1, kTiB};
    for (std::uint64_t size : sizes) {
      for (int c : connections) {
        for (int slots : {c, c + 3}) {
          const SimConfig config{size, c, m, slots, seed++};
          SCOPED_TRACE(testing::Message()
                       << "size=" << size << " connections=" << c
                       << " min_piece=" << m << " slots=" << slots
                       << " seed=" << config.seed);
          Simulation sim(config);
          ASSERT_NO_FATAL_FAILURE(sim.Run(stats));
        }
      }
    }
  }
  // The schedule must have exercised every path, or the test proves little.
  EXPECT_GT(stats.steals, 1000);
  EXPECT_GT(stats.failures, 100);
  EXPECT_GT(stats.reassigns, 10);
}

TEST(ChunkPlanSimulation, ManySeedsOnOneMediumDownload) {
  SimStats stats;
  for (std::uint32_t seed = 0; seed < 200; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed=" << seed);
    Simulation sim({123457, 8, 1000, 8 + static_cast<int>(seed % 5), seed});
    ASSERT_NO_FATAL_FAILURE(sim.Run(stats));
  }
  EXPECT_GT(stats.steals, 200);
  EXPECT_GT(stats.failures, 50);
}

TEST(ChunkPlanSimulation, ResumedDownloadsReceiveEveryMissingByteOnce) {
  SimStats stats;
  std::mt19937 rng(99);
  for (std::uint32_t seed = 0; seed < 300; ++seed) {
    const std::uint64_t size = 1 + rng() % 200'000;
    Ranges completed;
    for (auto n = rng() % 10; n > 0; --n) {
      const std::uint64_t b = rng() % size;
      completed.push_back({b, b + rng() % (size / 5 + 1)});
    }
    const int c = 1 + static_cast<int>(seed % 8);
    const SimConfig config{size, c, 1 + rng() % 2000, 1 + static_cast<int>(seed % 10), seed};
    SCOPED_TRACE(testing::Message() << "seed=" << seed << " size=" << size);
    Simulation sim(config, {completed, false});
    ASSERT_NO_FATAL_FAILURE(sim.Run(stats));
  }
  EXPECT_GT(stats.steals, 100);
  EXPECT_GT(stats.failures, 50);
}

TEST(ChunkPlanSimulation, MergeFollowingKeepsEveryByteReceivedOnce) {
  // Fewer slots than pieces, so unassigned pieces wait next to busy ones and
  // merges absorb them; the invariants run after every round.
  SimStats stats;
  std::mt19937 rng(5);
  for (std::uint32_t seed = 0; seed < 300; ++seed) {
    const std::uint64_t size = 1 + rng() % 200'000;
    std::optional<Ranges> completed;
    if (seed % 2 == 1) completed = Ranges{{size / 3, size / 2}};
    const int c = 2 + static_cast<int>(seed % 15);
    const SimConfig config{size, c, 1 + rng() % 1000, 1 + static_cast<int>(seed % 3), seed};
    SCOPED_TRACE(testing::Message() << "seed=" << seed << " size=" << size);
    Simulation sim(config, {completed, true});
    ASSERT_NO_FATAL_FAILURE(sim.Run(stats));
  }
  EXPECT_GT(stats.merges, 100);
  EXPECT_GT(stats.steals, 100);
  EXPECT_GT(stats.failures, 50);
}

}  // namespace
}  // namespace haul::scheduling

namespace haul::scheduling {
namespace {

TEST(ChunkPlanStealAt, VictimKeepsTheHeadAndTheThiefGetsTheTail) {
  ChunkPlan plan(4 * 1024 * 1024, 1, 1024 * 1024);
  const PieceId v = *plan.TakeUnassigned();
  plan.Advance(v, 1000);
  const PieceId t = plan.StealAt(v, 5000);
  EXPECT_EQ(plan.piece(v).range.end, 5000u);
  EXPECT_EQ(plan.piece(t).range.begin, 5000u);
  EXPECT_EQ(plan.piece(t).range.end, 4u * 1024 * 1024);
  EXPECT_EQ(plan.piece(t).pos, 5000u);
  EXPECT_EQ(plan.in_flight(), 2);
  plan.Advance(v, 4000);
  plan.Release(v);
  EXPECT_EQ(plan.piece(v).state, ChunkPlan::State::kComplete);
  EXPECT_FALSE(plan.done());
}

TEST(ChunkPlanStealAt, StealingEverythingLeavesTheVictimNothingToFetch) {
  ChunkPlan plan(2 * 1024 * 1024, 1, 1024 * 1024);
  const PieceId v = *plan.TakeUnassigned();
  plan.Advance(v, 300);
  const PieceId t = plan.StealAt(v, 300);
  plan.Release(v);  // the superseded transfer ends
  EXPECT_EQ(plan.piece(v).state, ChunkPlan::State::kComplete);
  plan.Advance(t, 2 * 1024 * 1024 - 300);
  plan.Release(t);
  EXPECT_TRUE(plan.done());
  EXPECT_EQ(plan.received(), 2u * 1024 * 1024);
}

}  // namespace
}  // namespace haul::scheduling
