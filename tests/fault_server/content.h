// The bytes the fault server serves, shared with the tests that check them.
//
// Byte i of version v is byte (i & 7), little-endian, of the 64-bit word
// SplitMix64(SplitMix64(i >> 3) + v). Nothing repeats at any period a
// download could hit, so a chunk written at the wrong offset never compares
// equal by accident, and two versions differ at almost every word (the
// second mix keeps version v + 1 from being version v shifted by a word).
// The byte order is fixed, not the host's, so the content is the same
// everywhere.
//
// Thread safety: pure functions of their arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace haul_fault {

/// One splitmix64 step: a bijective mix of x.
inline std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// The eight bytes of `version` that start at offset 8 * word.
inline std::uint64_t ContentWord(std::uint64_t word, std::uint64_t version) {
  return SplitMix64(SplitMix64(word) + version);
}

/// The byte at `offset` of the content of `version`.
inline std::uint8_t ContentByte(std::uint64_t offset, std::uint64_t version = 0) {
  return static_cast<std::uint8_t>(ContentWord(offset >> 3, version) >> (8 * (offset & 7)));
}

/// Writes the content of `version` from `offset` on into `out`, a word at a
/// time (about 1 GB/s at -O2).
inline void FillContent(std::uint64_t offset, std::span<std::byte> out, std::uint64_t version = 0) {
  std::size_t i = 0;
  // Up to the next word boundary, byte by byte.
  for (; i < out.size() && ((offset + i) & 7) != 0; ++i) {
    out[i] = std::byte{ContentByte(offset + i, version)};
  }
  // Whole words.
  for (; i + 8 <= out.size(); i += 8) {
    const std::uint64_t word = ContentWord((offset + i) >> 3, version);
    for (std::size_t b = 0; b < 8; ++b) {
      out[i + b] = static_cast<std::byte>(word >> (8 * b));
    }
  }
  // The tail.
  for (; i < out.size(); ++i) out[i] = std::byte{ContentByte(offset + i, version)};
}

/// `length` bytes of the content of `version`, starting at `offset`.
inline std::string ContentSlice(std::uint64_t offset, std::uint64_t length,
                                std::uint64_t version = 0) {
  std::string s(static_cast<std::size_t>(length), '\0');
  FillContent(offset, std::as_writable_bytes(std::span<char>(s)), version);
  return s;
}

/// The whole resource of `size` bytes, as served for `version`.
inline std::string Content(std::uint64_t size, std::uint64_t version = 0) {
  return ContentSlice(0, size, version);
}

}  // namespace haul_fault
