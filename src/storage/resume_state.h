// The resume state file: what a later run needs to continue a partial download.
//
// Beside every partial "NAME.part" lies "NAME.haul", one line of JSON:
//
//   {"format":"haul-resume","version":1,"urls":["https://a/x.iso"],
//    "size":10485760,"etag":"\"abc\"","last_modified":"...",
//    "piece_size":1048576,"completed":[[0,2621440],[5242880,6291456]]}
//
// (shown wrapped; the file is one line plus a newline). `completed` lists the
// byte ranges known to be written to the partial. ParseState is strict: a
// file that is not exactly this shape is corrupt, and a corrupt state means
// "start over", never "guess". Adding a field means bumping the version.
//
// SaveState replaces the file atomically (write a ".tmp", fdatasync, rename),
// so a crash leaves the old state or the new one, never a torn mix. It does
// not fsync the directory: after a power cut the rename may be lost, which
// leaves the older state, and an older state only vouches for fewer bytes.
// Durability of the state is only worth having if the partial's bytes are
// durable first: the caller must fdatasync the partial before saving a state
// that vouches for them (see docs/storage.md, "Why no fsync").
//
// Thread safety: all functions are safe to call from any thread; they share
// no state. SaveState, LoadState and RemoveState block on the disk, so the
// engine runs them on the writer pool, never on the loop thread. Two
// SaveState calls for the same path must not overlap (they share the
// ".tmp"); the partial's lock already keeps a download to one process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "haul/status.h"

namespace haul::storage {

/// The largest download size a state file may record: 2^62 bytes. It keeps
/// every offset well inside off_t and every sum of two offsets from wrapping.
inline constexpr std::uint64_t kMaxStateSize = std::uint64_t{1} << 62;
/// The largest state file LoadState reads; a larger file is corrupt.
inline constexpr std::size_t kMaxStateFileBytes = std::size_t{16} << 20;

/// A half-open byte range [begin, end) of the partial.
struct StateRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  bool operator==(const StateRange&) const = default;
};

/// Everything a later run needs to resume one download.
struct ResumeState {
  std::vector<std::string> urls;  ///< the sources, at least one
  std::uint64_t size = 0;         ///< the file's size, at most kMaxStateSize
  std::string etag;               ///< the ETag validator; empty if none
  std::string last_modified;      ///< the Last-Modified validator; empty if none
  std::uint64_t piece_size = 0;   ///< the planner's min piece; not 0
  /// Bytes known written to the partial: sorted, disjoint, non-adjacent,
  /// non-empty ranges within [0, size).
  std::vector<StateRange> completed;
  bool operator==(const ResumeState&) const = default;
};

/// The state path for a final path: final + ".haul".
std::string StatePathFor(const std::string& final_path);

/// The state as one line of compact JSON plus "\n". Strings that are not
/// valid UTF-8 are written with U+FFFD in place of the bad bytes, so such a
/// validator never matches again and the download starts over instead of
/// resuming against a validator it cannot compare.
std::string SerializeState(const ResumeState& state);

/// Parses and checks a state file's text. nullopt, with a one-line reason in
/// *why (if why is not null), unless `json` is exactly one object with
/// "format" "haul-resume", "version" 1 and the fields of ResumeState, each of
/// its JSON type (sizes are non-negative integers), and no other field; urls
/// non-empty strings, at least one; size <= kMaxStateSize; piece_size not 0;
/// and each completed range a pair [begin, end] with begin < end <= size,
/// starting at or after the previous range's end. Adjacent ranges are merged,
/// so the result meets ResumeState's invariants. Never throws on bad input.
std::optional<ResumeState> ParseState(std::string_view json, std::string* why);

/// Atomically replaces `path` with SerializeState(state): writes and
/// fdatasyncs path + ".tmp", then renames it over `path`. On failure the
/// ".tmp" is removed, `path` is left as it was, and the result is kIo
/// "cannot save resume state <path>: <strerror>". A state that ParseState
/// would reject is not written (kInternal): it could never be loaded.
Status SaveState(const std::string& path, const ResumeState& state);

/// What LoadState found.
enum class LoadOutcome {
  kMissing,  ///< there is no state file: nothing to resume
  kLoaded,   ///< `state` holds the parsed state
  kCorrupt,  ///< unreadable, too large or invalid; `why` says which
};

/// LoadState's result; `state` is meaningful only when kLoaded.
struct LoadedState {
  LoadOutcome outcome = LoadOutcome::kMissing;
  ResumeState state;
  std::string why;  ///< one line naming the path, when kCorrupt
};

/// Reads and parses the state file at `path`. kMissing when it does not exist
/// (ENOENT); kCorrupt when it cannot be read, is not a regular file, is larger
/// than kMaxStateFileBytes, or ParseState rejects it.
LoadedState LoadState(const std::string& path);

/// Deletes the state file and any leftover path + ".tmp". Errors (a missing
/// file included) are ignored: there is nothing better to do with a state we
/// cannot delete, and a stale one is checked against the server's validators
/// before it is used.
void RemoveState(const std::string& path);

/// True when `state` is for this source and size: `url` is one of its urls
/// and its size equals `size`. The caller still compares the validators.
bool StateMatches(const ResumeState& state, const std::string& url, std::uint64_t size);

}  // namespace haul::storage
