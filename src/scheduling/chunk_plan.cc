// See docs/chunk-planner.md for the split rule, stealing and the invariants
// the tests check.
#include "scheduling/chunk_plan.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace haul::scheduling {
namespace {

// A min_piece of 0 would divide by zero in the split and allow steals that
// create empty pieces; one byte is the smallest piece that means anything.
std::uint64_t EffectiveMinPiece(std::uint64_t min_piece) {
  return std::max<std::uint64_t>(min_piece, 1);
}

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
