// Chunk planning for one download of known size: the initial split and work
// stealing. Pure logic: no curl, no threads, no I/O.
//
// A download is a set of pieces. Each piece is a byte range that one transfer
// fetches front to back. A piece is unassigned (waiting for a slot), in flight
// (a slot is receiving it; `pos` says how far it got) or complete.
//
//   size 10 MiB, 4 connections, min piece 1 MiB:
//   [0,2.5M) [2.5M,5M) [5M,7.5M) [7.5M,10M)   <- initial split
//   When a slot finishes and nothing is unassigned, it steals: the in-flight
//   piece with the most bytes left keeps [pos, mid) and a new piece [mid, end)
//   goes to the thief. The victim's transfer stops when it reaches mid.
//
// Resume planning starts from the byte ranges a previous run completed (the
// resume state file). Each completed range becomes a complete piece, each gap
// an unassigned piece, and the largest gaps are split further into equal
// pieces, never below min piece, until there is one unassigned piece per
// connection. With nothing completed the pieces are those of the fresh plan
// (except that an empty file is done at once).
//
//   size 10 MiB, 4 connections, min piece 1 MiB, completed [2M,8M):
//   [0,1M) [1M,2M) [2M,8M) done [8M,9M) [9M,10M)
//
// MergeFollowing covers the case where only the first request of a download
// works and its open-ended response carries the rest of the file: that piece
// swallows the unassigned pieces after it instead of closing at its end.
//
// Thread safety: not thread-safe; the engine uses it on the loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "scheduling/byte_range.h"

namespace haul::scheduling {

/// Index of a piece within its ChunkPlan; stable for the plan's lifetime.
using PieceId = std::uint32_t;

/// The initial split of [0, size) for `connections` transfers: as many equal
/// pieces as connections allow, but none smaller than min_piece (except when
/// the whole file is smaller). Always at least one piece, even for size 0.
/// The pieces cover [0, size) exactly, in order, without overlap.
/// Precisely: count = clamp(size / min_piece, 1, connections); the first
/// size % count pieces are one byte longer than the rest. connections < 1
/// counts as 1 and min_piece 0 as 1.
std::vector<ByteRange> PlanInitialSplit(std::uint64_t size, int connections,
                                        std::uint64_t min_piece);

/// The pieces of one download and their progress; see the file comment.
class ChunkPlan {
 public:
  /// Plans [0, size) with PlanInitialSplit. `min_piece` also bounds steals:
  /// a steal never creates a piece smaller than min_piece. min_piece 0
  /// counts as 1. For size 0 the plan holds one empty piece [0, 0), which is
  /// taken and released like any other before done() becomes true.
  ChunkPlan(std::uint64_t size, int connections, std::uint64_t min_piece);

  /// Plans the resume of a download of which `completed` is already written.
  /// `completed` is clipped to [0, size), sorted and merged first, so any
  /// list of ranges is accepted. Each merged range becomes a complete piece,
  /// each gap between them an unassigned one. Then, while there are fewer
  /// unassigned pieces than `connections`, the gap whose pieces are largest
  /// gets one piece more, as long as every piece of it still holds min_piece
  /// bytes; each gap is then cut by PlanInitialSplit. So a gap smaller than
  /// 2 * min_piece is never split, and with nothing completed the pieces are
  /// exactly those of the fresh plan. Pieces get ids in offset order.
  /// received() starts at the completed byte count. When nothing is missing
  /// (size 0 included) done() is true at once; a plan always has at least one
  /// piece (a complete empty [0, 0) when there is nothing else).
  ChunkPlan(std::uint64_t size, int connections, std::uint64_t min_piece,
            const std::vector<ByteRange>& completed);

  /// Where a piece is in its life: unassigned <-> in flight -> complete.
  enum class State { kUnassigned, kInFlight, kComplete };
  /// One piece. After Release of a partial piece, range.begin moves up to pos.
  struct Piece {
    ByteRange range;          ///< [begin, end); end shrinks (steals), grows (MergeFollowing)
    std::uint64_t pos;        ///< next byte to receive, begin <= pos <= end
    State state;
  };

  /// Marks the unassigned piece with the lowest offset in flight and returns
  /// it, or nullopt when none is unassigned.
  std::optional<PieceId> TakeUnassigned();

  /// Splits the in-flight piece with the most bytes left (end - pos): the
  /// victim keeps [pos, mid), a new in-flight piece [mid, end) is returned.
  /// nullopt when no piece has at least max(2 * min_piece, min_left) left
  /// (see MinStealRemainder for the caller's min_left). Only in-flight
  /// pieces are victims; ties go to the lowest id. mid = pos + (end - pos) / 2,
  /// so the victim keeps the smaller half when the remainder is odd. The
  /// victim's transfer must stop at its new end (the engine closes it there).
  std::optional<PieceId> StealLargest(std::uint64_t min_left = 0);

  /// Splits in-flight piece `victim` at `split`: the victim keeps
  /// [pos, split), a new in-flight piece [split, end) is returned. For a
  /// rate-aware steal, where the engine picks the victim (the transfer that
  /// would finish last) and how much it keeps (what it can fetch in the time
  /// the thief needs for the rest). split == pos takes everything not yet
  /// received: the victim's transfer is then superseded. No min_piece
  /// bound: the caller decides what is worth a request. Preconditions
  /// (asserted): in flight, pos <= split < end.
  PieceId StealAt(PieceId victim, std::uint64_t split);

  /// Marks `n` more bytes of piece `id` received. Preconditions (asserted):
  /// the piece is in flight and pos + n <= end. After a steal the engine
  /// must clip a write that runs past the piece's new end.
  void Advance(PieceId id, std::uint64_t n);

  /// The transfer of `id` ended. When pos == end the piece is complete;
  /// otherwise its remainder [pos, end) becomes unassigned again (a retry).
  /// Precondition (asserted): the piece is in flight.
  void Release(PieceId id);

  /// Marks the piece in flight again after Release left it unassigned, for
  /// the caller that wants to retry a specific piece. Precondition: unassigned.
  void Reassign(PieceId id);

  /// Extends the in-flight piece `id` over the unassigned pieces that follow
  /// it without a gap: while a non-empty piece starts exactly at id's end and
  /// is unassigned, id's end moves to that piece's end and the absorbed piece
  /// becomes complete and empty (range and pos all at its old begin), so it
  /// owns no bytes, is never returned by TakeUnassigned or StealLargest, and
  /// leaves received() and done() as they were. Stops at the end of the file,
  /// at a piece in flight or complete, and where received bytes lie between
  /// (a released piece's begin moved past them): those bytes must not be
  /// received twice. The caller keeps receiving id up to its new end, which
  /// it may still lose to a steal. For the engine, whose first request was
  /// open-ended and streams on past its piece while the requests for the
  /// pieces after it failed. Precondition (asserted): id is in flight.
  void MergeFollowing(PieceId id);

  /// The piece with id `id`; id < piece_count().
  const Piece& piece(PieceId id) const { return pieces_[id]; }
  /// Pieces planned so far; steals append, nothing is ever removed.
  std::size_t piece_count() const { return pieces_.size(); }
  /// The download's size in bytes.
  std::uint64_t size() const { return size_; }
  /// Bytes received across all pieces.
  std::uint64_t received() const { return received_; }
  /// Pieces currently in flight.
  int in_flight() const { return in_flight_; }
  /// True when some piece waits for TakeUnassigned or Reassign.
  bool has_unassigned() const;
  /// True when every piece is complete.
  bool done() const;
  /// The bytes not yet received: [pos, end) of every piece that is not
  /// complete and has bytes left, sorted by offset (not merged). received()
  /// plus their total is size(); the complement is what a resume state may
  /// record as completed once those bytes are on disk.
  std::vector<ByteRange> Unfinished() const;

 private:
  /// The non-empty piece whose range begins at `offset`, if any. Piece
  /// ranges are disjoint, so there is at most one.
  std::optional<PieceId> PieceStartingAt(std::uint64_t offset) const;

  std::uint64_t size_;
  std::uint64_t min_piece_;  // at least 1
  std::vector<Piece> pieces_;
  std::uint64_t received_ = 0;
  int in_flight_ = 0;
};

/// The smallest remainder worth a steal when each connection of the download
/// moves `bytes_per_second`: the stolen half must take at least
/// `horizon_seconds` at that rate. A steal costs a new connection
/// (handshakes, slow start) and closes the victim's, which is pointless for a
/// tail the victim finishes in a few milliseconds. 0 when the rate or the
/// horizon is not positive.
std::uint64_t MinStealRemainder(double bytes_per_second, double horizon_seconds);

}  // namespace haul::scheduling
