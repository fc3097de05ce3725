// Message digests (MD5, SHA-1, SHA-256, SHA-512) behind one streaming Hasher.
//
// haul checks a finished download against a checksum the user gave (aria2's
// --checksum=TYPE=HEX). The algorithms are implemented here from their
// specifications (RFC 1321, FIPS 180-4) so haul needs no crypto library; they
// are used for integrity only, never for security decisions.
//
// Thread safety: a Hasher is a plain object with no shared state. One Hasher
// must not be used from two threads at once; distinct Hashers are independent.
// HashAlgorithmName and MakeHasher may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace haul::integrity {

/// The digest algorithms haul can check a download against.
enum class HashAlgorithm { kMd5, kSha1, kSha256, kSha512 };

/// The lower-case name aria2 uses for the algorithm: "md5", "sha-1",
/// "sha-256" or "sha-512".
std::string_view HashAlgorithmName(HashAlgorithm algorithm);

/// Computes one digest over data fed in any number of pieces.
class Hasher {
 public:
  virtual ~Hasher() = default;

  /// Appends `data` to the message. Any split of a message into Update calls
  /// gives the same digest as one call with the whole message.
  virtual void Update(std::span<const std::byte> data) = 0;
  /// Pads the message and returns its digest (digest_size() bytes, in the
  /// algorithm's canonical byte order). Call it once: calling Update or
  /// Finish again afterwards is a bug and aborts.
  virtual std::vector<std::uint8_t> Finish() = 0;
  /// The digest length in bytes: 16, 20, 32 or 64.
  virtual std::size_t digest_size() const = 0;
};

/// A fresh Hasher for `algorithm`; never null.
std::unique_ptr<Hasher> MakeHasher(HashAlgorithm algorithm);

}  // namespace haul::integrity
