// See docs/chunk-planner.md for the split rule, stealing and the invariants
// the tests check.
#include "scheduling/chunk_plan.h"

#include <algorithm>
#include <cassert>
#include <limits>

#include "scheduling/range_set.h"

namespace haul::scheduling {
namespace {

// A min_piece of 0 would divide by zero in the split and allow steals that
// create empty pieces; one byte is the smallest piece that means anything.
std::uint64_t EffectiveMinPiece(std::uint64_t min_piece) {
  return std::max<std::uint64_t>(min_piece, 1);
}

/// How many pieces each gap of a resumed download is cut into: one each,
/// then one more at a time to the gap whose pieces are largest, while the
/// total is below `connections` and that gap's pieces keep min_piece bytes.
/// For a single gap this is PlanInitialSplit's count.
std::vector<std::uint64_t> PiecesPerGap(const std::vector<ByteRange>& gaps,
                                        int connections, std::uint64_t min_piece) {
  std::vector<std::uint64_t> counts(gaps.size(), 1);
  const auto wanted = static_cast<std::uint64_t>(std::max(connections, 1));
  for (std::uint64_t total = gaps.size(); total < wanted; ++total) {
    std::optional<std::size_t> best;  // ties go to the lowest offset
    for (std::size_t i = 0; i < gaps.size(); ++i) {
      const std::uint64_t size = gaps[i].size();
      // PlanInitialSplit's rule: count <= size / min_piece.
      if (size / min_piece <= counts[i]) continue;
      if (!best || size / counts[i] > gaps[*best].size() / counts[*best]) best = i;
    }
    if (!best) break;
    ++counts[*best];
  }
  return counts;
}

bool BeginsEarlier(const ByteRange& a, const ByteRange& b) { return a.begin < b.begin; }

}  // namespace

std::vector<ByteRange> PlanInitialSplit(std::uint64_t size, int connections,
                                        std::uint64_t min_piece) {
  const auto max_pieces = static_cast<std::uint64_t>(std::max(connections, 1));
  // size / min_piece is the most pieces that can each hold min_piece bytes;
  // the floor of 1 keeps a file smaller than min_piece (or empty) in one piece.
  const std::uint64_t count = std::clamp<std::uint64_t>(
      size / EffectiveMinPiece(min_piece), 1, max_pieces);
  const std::uint64_t base = size / count;
  // The first `longer` pieces get one extra byte, so sizes differ by at most 1.
  const std::uint64_t longer = size % count;

  std::vector<ByteRange> pieces;
  pieces.reserve(count);
  std::uint64_t begin = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t length = base + (i < longer ? 1u : 0u);
    pieces.push_back({begin, begin + length});
    begin += length;
  }
  return pieces;
}

ChunkPlan::ChunkPlan(std::uint64_t size, int connections,
                     std::uint64_t min_piece)
    : size_(size), min_piece_(EffectiveMinPiece(min_piece)) {
  for (const ByteRange& r : PlanInitialSplit(size, connections, min_piece)) {
    pieces_.push_back({r, r.begin, State::kUnassigned});
  }
}

ChunkPlan::ChunkPlan(std::uint64_t size, int connections, std::uint64_t min_piece,
                     const std::vector<ByteRange>& completed)
    : size_(size), min_piece_(EffectiveMinPiece(min_piece)) {
  // RangeSet sorts and merges whatever the caller passes; clip it to the file.
  RangeSet done;
  for (const ByteRange& r : completed) done.Add({r.begin, std::min(r.end, size)});
  for (const ByteRange& r : done.ranges()) {
    pieces_.push_back({r, r.end, State::kComplete});
    received_ += r.size();
  }
  const std::vector<ByteRange> gaps = done.Missing(size);
  const std::vector<std::uint64_t> counts = PiecesPerGap(gaps, connections, min_piece_);
  for (std::size_t i = 0; i < gaps.size(); ++i) {
    const std::uint64_t base = gaps[i].begin;
    // counts[i] <= connections, so the cast cannot narrow.
    const int count = static_cast<int>(counts[i]);
    for (const ByteRange& r : PlanInitialSplit(gaps[i].size(), count, min_piece_)) {
      pieces_.push_back({{base + r.begin, base + r.end}, base + r.begin, State::kUnassigned});
    }
  }
  // Nothing at all only for size 0: keep the promise of at least one piece.
  if (pieces_.empty()) pieces_.push_back({{0, 0}, 0, State::kComplete});
  // Non-empty disjoint ranges have distinct begins: ids follow offsets.
  std::sort(pieces_.begin(), pieces_.end(),
            [](const Piece& a, const Piece& b) { return BeginsEarlier(a.range, b.range); });
  assert(pieces_.size() < std::numeric_limits<PieceId>::max());
}

std::optional<PieceId> ChunkPlan::TakeUnassigned() {
  // Steals append pieces and retries move a piece's begin, so id order is
  // not offset order: scan for the lowest begin. Writing front to back keeps
  // the file's prefix growing, which is what a streaming consumer wants.
  std::optional<PieceId> best;
  for (PieceId id = 0; id < pieces_.size(); ++id) {
    const Piece& p = pieces_[id];
    if (p.state != State::kUnassigned) continue;
    if (!best || p.range.begin < pieces_[*best].range.begin) best = id;
  }
  if (best) {
    pieces_[*best].state = State::kInFlight;
    ++in_flight_;
  }
  return best;
}

std::optional<PieceId> ChunkPlan::StealLargest(std::uint64_t min_left) {
  // Only in-flight pieces are victims: an unassigned piece should be taken
  // whole with TakeUnassigned. Ties go to the lowest id.
  std::optional<PieceId> victim;
  std::uint64_t most_left = 0;
  for (PieceId id = 0; id < pieces_.size(); ++id) {
    const Piece& p = pieces_[id];
    if (p.state == State::kInFlight && p.range.end - p.pos > most_left) {
      victim = id;
      most_left = p.range.end - p.pos;
    }
  }
  // most_left / 2 >= min_piece_ is most_left >= 2 * min_piece_ without the
  // overflow for huge min_piece values. It keeps both halves >= min_piece_.
  if (!victim || most_left / 2 < min_piece_ || most_left < min_left) return std::nullopt;
  assert(pieces_.size() < std::numeric_limits<PieceId>::max());

  // The victim keeps the smaller half (floor), the thief gets the rest. The
  // split is at the tail only: the victim's HTTP response cannot be shortened
  // in flight, so the engine closes its connection when it reaches mid.
  Piece& v = pieces_[*victim];
  const std::uint64_t mid = v.pos + most_left / 2;
  const ByteRange stolen{mid, v.range.end};
  v.range.end = mid;  // before push_back, which invalidates `v`
  pieces_.push_back({stolen, mid, State::kInFlight});
  ++in_flight_;
  return static_cast<PieceId>(pieces_.size() - 1);
}

PieceId ChunkPlan::StealAt(PieceId victim, std::uint64_t split) {
  assert(victim < pieces_.size());
  Piece& v = pieces_[victim];
  assert(v.state == State::kInFlight && v.pos <= split && split < v.range.end);
  assert(pieces_.size() < std::numeric_limits<PieceId>::max());
  const ByteRange stolen{split, v.range.end};
  v.range.end = split;  // before push_back, which invalidates `v`
  pieces_.push_back({stolen, split, State::kInFlight});
  ++in_flight_;
  return static_cast<PieceId>(pieces_.size() - 1);
}

void ChunkPlan::Advance(PieceId id, std::uint64_t n) {
  assert(id < pieces_.size());
  Piece& p = pieces_[id];
  assert(p.state == State::kInFlight);
  // The engine must clip a write that runs past a stolen piece's new end.
  assert(n <= p.range.end - p.pos);
  p.pos += n;
  received_ += n;
}

void ChunkPlan::Release(PieceId id) {
  assert(id < pieces_.size());
  Piece& p = pieces_[id];
  assert(p.state == State::kInFlight);
  --in_flight_;
  if (p.pos == p.range.end) {
    p.state = State::kComplete;
    return;
  }
  // Bytes before pos are already received; only the remainder is retried.
  p.range.begin = p.pos;
  p.state = State::kUnassigned;
}

void ChunkPlan::Reassign(PieceId id) {
  assert(id < pieces_.size());
  Piece& p = pieces_[id];
  assert(p.state == State::kUnassigned);
  p.state = State::kInFlight;
  ++in_flight_;
}

void ChunkPlan::MergeFollowing(PieceId id) {
  assert(id < pieces_.size());
  assert(pieces_[id].state == State::kInFlight);
  // A piece starting exactly at id's end has no received bytes before it:
  // Release moves a piece's begin past its received bytes, which then belong
  // to no piece, so the search finds nothing there and the merge stops.
  while (const std::optional<PieceId> next = PieceStartingAt(pieces_[id].range.end)) {
    Piece& q = pieces_[*next];
    if (q.state != State::kUnassigned) break;
    assert(q.pos == q.range.begin);  // an unassigned piece has nothing received
    pieces_[id].range.end = q.range.end;
    q = {{q.range.begin, q.range.begin}, q.range.begin, State::kComplete};
  }
}

std::optional<PieceId> ChunkPlan::PieceStartingAt(std::uint64_t offset) const {
  for (PieceId id = 0; id < pieces_.size(); ++id) {
    const ByteRange& r = pieces_[id].range;
    if (!r.empty() && r.begin == offset) return id;
  }
  return std::nullopt;
}

bool ChunkPlan::has_unassigned() const {
  return std::any_of(pieces_.begin(), pieces_.end(), [](const Piece& p) {
    return p.state == State::kUnassigned;
  });
}

bool ChunkPlan::done() const {
  return std::all_of(pieces_.begin(), pieces_.end(), [](const Piece& p) {
    return p.state == State::kComplete;
  });
}

std::vector<ByteRange> ChunkPlan::Unfinished() const {
  std::vector<ByteRange> left;
  for (const Piece& p : pieces_) {
    if (p.state != State::kComplete && p.pos < p.range.end) left.push_back({p.pos, p.range.end});
  }
  // Steals append and retries move begins: id order is not offset order.
  std::sort(left.begin(), left.end(), BeginsEarlier);
  return left;
}

std::uint64_t MinStealRemainder(double bytes_per_second, double horizon_seconds) {
  // NaN fails both comparisons and lands here too.
  if (!(bytes_per_second > 0) || !(horizon_seconds > 0)) return 0;
  // Both halves: the remainder is twice what the thief gets.
  const double bytes = 2 * bytes_per_second * horizon_seconds;
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  if (bytes >= static_cast<double>(kMax)) return kMax;
  return static_cast<std::uint64_t>(bytes);
}

}  // namespace haul::scheduling
