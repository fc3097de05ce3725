// An expected checksum, as the user writes it: aria2's "TYPE=HEX" form
// (--checksum=sha-256=e3b0c442...).
//
// Thread safety: plain values and pure functions; callable from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "integrity/digest.h"

namespace haul::integrity {

/// A digest and the algorithm that produced it.
struct Checksum {
  HashAlgorithm algorithm = HashAlgorithm::kSha256;
  std::vector<std::uint8_t> digest;  ///< raw bytes, digest_size() of them
};

/// Parses "TYPE=HEX". TYPE is md5, sha-1, sha-256 or sha-512 (or sha1,
/// sha256, sha512), any case; HEX is exactly the digest's length in hex
/// digits, any case. On failure returns nullopt and, if `error` is not null,
/// sets it to one line saying what is wrong, e.g.
///   unknown checksum type 'sha-3' (haul supports md5, sha-1, sha-256, sha-512)
///   sha-256 digest must be 64 hex digits (got 12)
std::optional<Checksum> ParseChecksum(std::string_view text, std::string* error);

/// Lower-case hex of `bytes`, two digits per byte.
std::string ToHex(std::span<const std::uint8_t> bytes);

/// The canonical "TYPE=HEX" form, e.g. "sha-256=e3b0c442...", which
/// ParseChecksum accepts.
std::string FormatChecksum(const Checksum& checksum);

}  // namespace haul::integrity
