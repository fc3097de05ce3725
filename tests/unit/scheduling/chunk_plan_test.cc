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
};

// A fake download: slots, the bytes they received, and the checks that run
// after every step. Every byte received is recorded in `received_`; a byte
// received twice shows up as covered() growing by less than the range size.
class Simulation {
 public:
  explicit Simulation(const SimConfig& c)
      : c_(c),
        plan_(c.size, c.connections, c.min_piece),
        min_size_(std::max<std::uint64_t>(c.min_piece, 1)),
        step_max_(std::max<std::uint64_t>(c.size / 40, 1)),
        rng_(c.seed),
        slots_(static_cast<std::size_t>(c.slots)) {}

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

}  // namespace
}  // namespace haul::scheduling
