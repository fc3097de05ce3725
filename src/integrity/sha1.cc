// SHA-1 (FIPS 180-4 section 6.1) as a BlockHasher core. Declared in
// block_hasher.h.
//
// Thread safety: as for Hasher (digest.h).
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "integrity/block_hasher.h"

namespace haul::integrity::detail {
namespace {

// FIPS 180-4 4.1.1: the functions f_t, in forms with fewer operations but the
// same truth tables (Ch, Parity, Maj).
constexpr std::uint32_t Ch(std::uint32_t x, std::uint32_t y, std::uint32_t z) {
  return z ^ (x & (y ^ z));
}
constexpr std::uint32_t Parity(std::uint32_t x, std::uint32_t y, std::uint32_t z) {
  return x ^ y ^ z;
}
constexpr std::uint32_t Maj(std::uint32_t x, std::uint32_t y, std::uint32_t z) {
  return (x & y) | (z & (x | y));
}

using RoundFunction = std::uint32_t (*)(std::uint32_t, std::uint32_t, std::uint32_t);

/// Message schedule word W_t (6.1.2 step 1), kept in a ring of the last 16
/// words and expanded in place as the steps reach it. Expanding into a full
/// 80-word array instead lets GCC vectorize that loop into something slower.
inline std::uint32_t ScheduleWord(std::uint32_t* ring, int t) {
  if (t < 16) return ring[t];
  std::uint32_t& w = ring[t & 15];
  w = std::rotl(ring[(t - 3) & 15] ^ ring[(t - 8) & 15] ^ ring[(t - 14) & 15] ^ w, 1);
  return w;
}

/// One step of 6.1.2 step 3 with the variables renamed instead of shifted:
/// the caller rotates the argument order, so only e and b change.
template <RoundFunction Fn, std::uint32_t kK>
inline void Step(std::uint32_t a, std::uint32_t& b, std::uint32_t c, std::uint32_t d,
                 std::uint32_t& e, std::uint32_t w) {
  e += std::rotl(a, 5) + Fn(b, c, d) + kK + w;
  b = std::rotl(b, 30);
}

/// Steps t = kFirst .. kFirst+19, which share one f_t and K_t (4.1.1, 4.2.1).
template <RoundFunction Fn, std::uint32_t kK, int kFirst>
inline void TwentySteps(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c, std::uint32_t& d,
                        std::uint32_t& e, std::uint32_t* ring) {
  for (int t = kFirst; t < kFirst + 20; t += 5) {
    Step<Fn, kK>(a, b, c, d, e, ScheduleWord(ring, t));
    Step<Fn, kK>(e, a, b, c, d, ScheduleWord(ring, t + 1));
    Step<Fn, kK>(d, e, a, b, c, ScheduleWord(ring, t + 2));
    Step<Fn, kK>(c, d, e, a, b, ScheduleWord(ring, t + 3));
    Step<Fn, kK>(b, c, d, e, a, ScheduleWord(ring, t + 4));
  }
}

/// SHA-1's compression function and state, for BlockHasher.
class Sha1Core {
 public:
  static constexpr std::size_t kBlockSize = 64;
  static constexpr std::size_t kDigestSize = 20;
  static constexpr std::size_t kLengthSize = 8;
  static constexpr bool kLittleEndian = false;

  /// FIPS 180-4 6.1.2, once per 512-bit block (step 1 runs inside the steps).
  void Compress(const std::uint8_t* blocks, std::size_t count) {
    for (; count > 0; --count, blocks += kBlockSize) {
      std::uint32_t ring[16];
      for (std::size_t t = 0; t < 16; ++t) ring[t] = LoadBe32(blocks + 4 * t);
      std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4];
      TwentySteps<Ch, 0x5a827999, 0>(a, b, c, d, e, ring);
      TwentySteps<Parity, 0x6ed9eba1, 20>(a, b, c, d, e, ring);
      TwentySteps<Maj, 0x8f1bbcdc, 40>(a, b, c, d, e, ring);
      TwentySteps<Parity, 0xca62c1d6, 60>(a, b, c, d, e, ring);
      state_[0] += a;
      state_[1] += b;
      state_[2] += c;
      state_[3] += d;
      state_[4] += e;
    }
  }

  void WriteDigest(std::uint8_t* out) const {
    for (std::size_t i = 0; i < state_.size(); ++i) StoreBe32(state_[i], out + 4 * i);
  }

 private:
  // FIPS 180-4 5.3.1: H(0).
  std::array<std::uint32_t, 5> state_ = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
                                         0xc3d2e1f0};
};

}  // namespace

std::unique_ptr<Hasher> MakeSha1Hasher() { return std::make_unique<BlockHasher<Sha1Core>>(); }

}  // namespace haul::integrity::detail
