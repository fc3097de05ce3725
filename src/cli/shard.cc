// Implements src/cli/shard.h.
#include "cli/shard.h"

#include <charconv>

namespace haul::cli {
namespace {

/// A whole decimal number, digits only.
std::optional<std::uint64_t> Digits(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Shard> ParseShard(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::optional<std::uint64_t> k = Digits(text.substr(0, slash));
  const std::optional<std::uint64_t> n = Digits(text.substr(slash + 1));
  if (!k || !n || *k < 1 || *k > *n || *n > kMaxShards) return std::nullopt;
  return Shard{*k, *n};
}

std::uint64_t ShardHash(std::string_view url) {
  // FNV-1a 64 (http://www.isthe.com/chongo/tech/comp/fnv/).
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : url) {
    h ^= static_cast<std::uint64_t>(static_cast<unsigned char>(c));
    h *= 0x100000001b3ULL;
  }
  // MurmurHash3's fmix64: every output bit depends on every input bit.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

std::uint64_t ShardOf(std::string_view url, std::uint64_t count) {
  if (count <= 1) return 1;
  return 1 + ShardHash(url) % count;
}

}  // namespace haul::cli
