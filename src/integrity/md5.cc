// MD5 (RFC 1321) as a BlockHasher core. Declared in block_hasher.h.
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

// RFC 1321 3.4: T[i] = floor(2^32 * |sin(i + 1)|).
constexpr std::array<std::uint32_t, 64> kT = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

// The four auxiliary functions of RFC 1321 3.4, in forms with fewer
// operations than the RFC's but the same truth tables.
constexpr std::uint32_t F(std::uint32_t x, std::uint32_t y, std::uint32_t z) {
  return z ^ (x & (y ^ z));
}
constexpr std::uint32_t G(std::uint32_t x, std::uint32_t y, std::uint32_t z) {
  return y ^ (z & (x ^ y));
}
constexpr std::uint32_t H(std::uint32_t x, std::uint32_t y, std::uint32_t z) { return x ^ y ^ z; }
constexpr std::uint32_t I(std::uint32_t x, std::uint32_t y, std::uint32_t z) {
  return y ^ (x | ~z);
}

using AuxFunction = std::uint32_t (*)(std::uint32_t, std::uint32_t, std::uint32_t);

/// One operation "a = b + ((a + Fn(b,c,d) + X[k] + T[i]) <<< s)".
template <AuxFunction Fn>
inline void Step(std::uint32_t& a, std::uint32_t b, std::uint32_t c, std::uint32_t d,
                 std::uint32_t x_plus_t, int s) {
  a = b + std::rotl(a + Fn(b, c, d) + x_plus_t, s);
}

/// One of the four rounds: 16 steps with the round's function, shifts and
/// message-word order (word k = (first + stride * i) mod 16 at step i).
template <AuxFunction Fn, int kS0, int kS1, int kS2, int kS3, int kFirst, int kStride>
inline void Round(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c, std::uint32_t& d,
                  const std::uint32_t* x, const std::uint32_t* t) {
  auto word = [x](int i) { return x[(kFirst + kStride * i) & 15]; };
  for (int i = 0; i < 16; i += 4) {
    Step<Fn>(a, b, c, d, word(i) + t[i], kS0);
    Step<Fn>(d, a, b, c, word(i + 1) + t[i + 1], kS1);
    Step<Fn>(c, d, a, b, word(i + 2) + t[i + 2], kS2);
    Step<Fn>(b, c, d, a, word(i + 3) + t[i + 3], kS3);
  }
}

/// MD5's compression function and state, for BlockHasher.
class Md5Core {
 public:
  static constexpr std::size_t kBlockSize = 64;
  static constexpr std::size_t kDigestSize = 16;
  static constexpr std::size_t kLengthSize = 8;
  static constexpr bool kLittleEndian = true;

  /// RFC 1321 3.4: process each 16-word block.
  void Compress(const std::uint8_t* blocks, std::size_t count) {
    std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
    for (; count > 0; --count, blocks += kBlockSize) {
      std::uint32_t x[16];
      for (std::size_t i = 0; i < 16; ++i) x[i] = LoadLe32(blocks + 4 * i);
      const std::uint32_t aa = a, bb = b, cc = c, dd = d;
      Round<F, 7, 12, 17, 22, 0, 1>(a, b, c, d, x, kT.data());
      Round<G, 5, 9, 14, 20, 1, 5>(a, b, c, d, x, kT.data() + 16);
      Round<H, 4, 11, 16, 23, 5, 3>(a, b, c, d, x, kT.data() + 32);
      Round<I, 6, 10, 15, 21, 0, 7>(a, b, c, d, x, kT.data() + 48);
      a += aa;
      b += bb;
      c += cc;
      d += dd;
    }
    state_ = {a, b, c, d};
  }

  /// RFC 1321 3.5: A, B, C, D, each low-order byte first.
  void WriteDigest(std::uint8_t* out) const {
    for (std::size_t i = 0; i < state_.size(); ++i) StoreLe32(state_[i], out + 4 * i);
  }

 private:
  // RFC 1321 3.3: the initial buffer A, B, C, D.
  std::array<std::uint32_t, 4> state_ = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
};

}  // namespace

std::unique_ptr<Hasher> MakeMd5Hasher() { return std::make_unique<BlockHasher<Md5Core>>(); }

}  // namespace haul::integrity::detail
