// --shard K/N: which downloads of a batch this process takes, so that N
// machines given the same URLs and list split it among themselves with no
// coordinator (docs/scaling.md).
//
// A download belongs to shard 1 + (Mix(FNV-1a-64(primary URL)) mod N): its
// first URL's bytes exactly as written, hashed with 64-bit FNV-1a, then
// mixed with MurmurHash3's fmix64 finalizer (FNV-1a's low bits alone follow
// the low bits of the input bytes, so "mod 2" of it would split lists of
// numbered names by the parity of their digits). Every URL lands on one
// shard whatever its position, so the shards of one list are disjoint and
// together are the whole list, and a URL added to or removed from the list
// moves no other URL to another machine.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace haul::cli {

/// The most shards --shard accepts.
inline constexpr std::uint64_t kMaxShards = 1'000'000;

/// One share of a batch: shard `index` (1-based) of `count`.
struct Shard {
  std::uint64_t index = 1;  ///< K: 1 <= K <= N
  std::uint64_t count = 1;  ///< N: 1 <= N <= kMaxShards
};

/// Parses "K/N": two unsigned decimal numbers and a '/', nothing else (no
/// signs, spaces or suffixes), with 1 <= K <= N <= kMaxShards.
std::optional<Shard> ParseShard(std::string_view text);

/// The shard key: FNV-1a 64 of `url`'s bytes, then fmix64.
std::uint64_t ShardHash(std::string_view url);

/// The 1-based shard of `count` that the download with primary URL `url` belongs to.
std::uint64_t ShardOf(std::string_view url, std::uint64_t count);

/// True when the download with primary URL `url` belongs to `shard`.
inline bool InShard(const Shard& shard, std::string_view url) {
  return ShardOf(url, shard.count) == shard.index;
}

}  // namespace haul::cli
