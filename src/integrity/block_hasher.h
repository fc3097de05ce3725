// Internal to src/integrity: the Merkle–Damgård framing shared by MD5 and SHA.
//
// All four algorithms cut the message into fixed-size blocks, run a
// compression function over each, and end with the same padding: a 0x80
// byte, zeros, then the message length in bits. BlockHasher<Core> does that
// framing once; a Core supplies only the compression function and constants.
// Whole blocks are compressed straight from the caller's span; only a
// partial block at either end is copied into the buffer.
//
// A Core provides:
//   static constexpr std::size_t kBlockSize;    // 64 or 128 bytes
//   static constexpr std::size_t kDigestSize;   // bytes
//   static constexpr std::size_t kLengthSize;   // bytes of length field: 8 or 16
//   static constexpr bool kLittleEndian;        // length byte order (MD5: true)
//   void Compress(const std::uint8_t* blocks, std::size_t count);
//   void WriteDigest(std::uint8_t* out) const;  // kDigestSize bytes
//
// Thread safety: as for Hasher (digest.h).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "integrity/digest.h"

namespace haul::integrity::detail {

/// Reports a Hasher used after Finish (a bug in the caller) and aborts.
[[noreturn]] void DieUsedAfterFinish(const char* method);

// Byte-order helpers. The shift forms are portable and GCC compiles each to
// a single (byte-swapping) load or store.
inline std::uint32_t LoadLe32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
inline std::uint32_t LoadBe32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | static_cast<std::uint32_t>(p[3]);
}
inline std::uint64_t LoadBe64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(LoadBe32(p)) << 32 | LoadBe32(p + 4);
}
inline void StoreLe32(std::uint32_t v, std::uint8_t* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void StoreBe32(std::uint32_t v, std::uint8_t* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
inline void StoreBe64(std::uint64_t v, std::uint8_t* p) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
}

/// A Hasher made of a Core's compression function plus the shared framing.
template <typename Core>
class BlockHasher final : public Hasher {
 public:
  void Update(std::span<const std::byte> data) override {
    if (finished_) DieUsedAfterFinish("Update");
    if (data.empty()) return;  // data() may be null; memcpy must not see it
    const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
    std::size_t left = data.size();
    total_bytes_ += left;
    if (buffered_ > 0) {
      const std::size_t take = std::min(left, kBlock - buffered_);
      std::memcpy(buffer_.data() + buffered_, p, take);
      buffered_ += take;
      p += take;
      left -= take;
      if (buffered_ < kBlock) return;
      core_.Compress(buffer_.data(), 1);
      buffered_ = 0;
    }
    const std::size_t blocks = left / kBlock;
    if (blocks > 0) core_.Compress(p, blocks);
    p += blocks * kBlock;
    left -= blocks * kBlock;
    if (left > 0) std::memcpy(buffer_.data(), p, left);
    buffered_ = left;
  }

  std::vector<std::uint8_t> Finish() override {
    if (finished_) DieUsedAfterFinish("Finish");
    finished_ = true;
    Pad();
    std::vector<std::uint8_t> digest(Core::kDigestSize);
    core_.WriteDigest(digest.data());
    return digest;
  }

  std::size_t digest_size() const override { return Core::kDigestSize; }

 private:
  static constexpr std::size_t kBlock = Core::kBlockSize;
  static constexpr std::size_t kLengthAt = kBlock - Core::kLengthSize;

  /// Appends 0x80, zeros and the bit length, compressing the last block(s).
  void Pad() {
    buffer_[buffered_++] = 0x80;
    if (buffered_ > kLengthAt) {  // no room for the length: one more block
      std::fill(buffer_.begin() + static_cast<std::ptrdiff_t>(buffered_), buffer_.end(), 0);
      core_.Compress(buffer_.data(), 1);
      buffered_ = 0;
    }
    std::fill(buffer_.begin() + static_cast<std::ptrdiff_t>(buffered_), buffer_.end(), 0);
    WriteBitLength(buffer_.data() + kLengthAt);
    core_.Compress(buffer_.data(), 1);
  }

  /// The message length in bits, as a kLengthSize-byte integer. A byte count
  /// below 2^64 needs at most 67 bits, so the high part is total_bytes_ >> 61;
  /// the 64-bit fields keep the length mod 2^64 bits, as the specs say.
  void WriteBitLength(std::uint8_t* out) const {
    const std::uint64_t low = total_bytes_ << 3;
    if constexpr (Core::kLittleEndian) {
      static_assert(Core::kLengthSize == 8);
      StoreLe32(static_cast<std::uint32_t>(low), out);
      StoreLe32(static_cast<std::uint32_t>(low >> 32), out + 4);
    } else if constexpr (Core::kLengthSize == 8) {
      StoreBe64(low, out);
    } else {
      static_assert(Core::kLengthSize == 16);
      StoreBe64(total_bytes_ >> 61, out);
      StoreBe64(low, out + 8);
    }
  }

  Core core_;
  std::array<std::uint8_t, kBlock> buffer_{};
  std::size_t buffered_ = 0;        // bytes of buffer_ holding message data
  std::uint64_t total_bytes_ = 0;   // message length so far, mod 2^64
  bool finished_ = false;
};

// One factory per algorithm, each defined next to its compression function.
std::unique_ptr<Hasher> MakeMd5Hasher();
std::unique_ptr<Hasher> MakeSha1Hasher();
std::unique_ptr<Hasher> MakeSha256Hasher();
std::unique_ptr<Hasher> MakeSha512Hasher();

}  // namespace haul::integrity::detail
