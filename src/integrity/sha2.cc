// SHA-256 and SHA-512 (FIPS 180-4 sections 6.2 and 6.4) as BlockHasher cores.
// The two differ only in word size, round count, constants and rotation
// amounts, so one template, Sha2Core<Params>, implements both. Declared in
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

/// SHA-256's parameters: 32-bit words, 64 rounds (FIPS 180-4 4.1.2, 4.2.2, 5.3.3).
struct Sha256Params {
  using Word = std::uint32_t;
  static constexpr std::size_t kRounds = 64;
  static constexpr std::size_t kLengthSize = 8;
  // Rotations of Σ0, Σ1 and σ0, σ1 (the last of each σ is a shift).
  static constexpr int kBigSigma0[3] = {2, 13, 22};
  static constexpr int kBigSigma1[3] = {6, 11, 25};
  static constexpr int kSmallSigma0[3] = {7, 18, 3};
  static constexpr int kSmallSigma1[3] = {17, 19, 10};
  static constexpr std::array<Word, 8> kInitial = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  };
  // The first 32 bits of the fractional parts of the cube roots of the
  // first 64 primes.
  static constexpr std::array<Word, kRounds> kK = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  };
  static Word Load(const std::uint8_t* p) { return LoadBe32(p); }
  static void Store(Word v, std::uint8_t* p) { StoreBe32(v, p); }
};

/// SHA-512's parameters: 64-bit words, 80 rounds (FIPS 180-4 4.1.3, 4.2.3, 5.3.5).
struct Sha512Params {
  using Word = std::uint64_t;
  static constexpr std::size_t kRounds = 80;
  static constexpr std::size_t kLengthSize = 16;
  static constexpr int kBigSigma0[3] = {28, 34, 39};
  static constexpr int kBigSigma1[3] = {14, 18, 41};
  static constexpr int kSmallSigma0[3] = {1, 8, 7};
  static constexpr int kSmallSigma1[3] = {19, 61, 6};
  static constexpr std::array<Word, 8> kInitial = {
      0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
      0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
  };
  // The first 64 bits of the fractional parts of the cube roots of the
  // first 80 primes.
  static constexpr std::array<Word, kRounds> kK = {
      0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
      0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
      0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
      0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
      0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
      0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
      0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
      0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
      0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
      0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
      0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
      0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
      0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
      0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
      0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
      0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
      0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
      0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
      0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
      0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
  };
  static Word Load(const std::uint8_t* p) { return LoadBe64(p); }
  static void Store(Word v, std::uint8_t* p) { StoreBe64(v, p); }
};

/// The SHA-2 compression function and state for parameters P (Sha256Params
/// or Sha512Params), for BlockHasher.
template <typename P>
class Sha2Core {
 public:
  using Word = typename P::Word;
  static constexpr std::size_t kBlockSize = 16 * sizeof(Word);
  static constexpr std::size_t kDigestSize = 8 * sizeof(Word);
  static constexpr std::size_t kLengthSize = P::kLengthSize;
  static constexpr bool kLittleEndian = false;

  /// FIPS 180-4 6.2.2 / 6.4.2, once per block.
  void Compress(const std::uint8_t* blocks, std::size_t count) {
    for (; count > 0; --count, blocks += kBlockSize) {
      Word w[P::kRounds];
      Schedule(blocks, w);
      std::array<Word, 8> v = state_;
      auto& [a, b, c, d, e, f, g, h] = v;
      // Eight rounds per pass, renaming the variables instead of shifting.
      for (std::size_t t = 0; t < P::kRounds; t += 8) {
        Round(a, b, c, d, e, f, g, h, P::kK[t] + w[t]);
        Round(h, a, b, c, d, e, f, g, P::kK[t + 1] + w[t + 1]);
        Round(g, h, a, b, c, d, e, f, P::kK[t + 2] + w[t + 2]);
        Round(f, g, h, a, b, c, d, e, P::kK[t + 3] + w[t + 3]);
        Round(e, f, g, h, a, b, c, d, P::kK[t + 4] + w[t + 4]);
        Round(d, e, f, g, h, a, b, c, P::kK[t + 5] + w[t + 5]);
        Round(c, d, e, f, g, h, a, b, P::kK[t + 6] + w[t + 6]);
        Round(b, c, d, e, f, g, h, a, P::kK[t + 7] + w[t + 7]);
      }
      for (std::size_t i = 0; i < state_.size(); ++i) state_[i] += v[i];
    }
  }

  void WriteDigest(std::uint8_t* out) const {
    for (std::size_t i = 0; i < state_.size(); ++i) P::Store(state_[i], out + sizeof(Word) * i);
  }

 private:
  static Word BigSigma0(Word x) {
    return std::rotr(x, P::kBigSigma0[0]) ^ std::rotr(x, P::kBigSigma0[1]) ^
           std::rotr(x, P::kBigSigma0[2]);
  }
  static Word BigSigma1(Word x) {
    return std::rotr(x, P::kBigSigma1[0]) ^ std::rotr(x, P::kBigSigma1[1]) ^
           std::rotr(x, P::kBigSigma1[2]);
  }
  static Word SmallSigma0(Word x) {
    return std::rotr(x, P::kSmallSigma0[0]) ^ std::rotr(x, P::kSmallSigma0[1]) ^
           (x >> P::kSmallSigma0[2]);
  }
  static Word SmallSigma1(Word x) {
    return std::rotr(x, P::kSmallSigma1[0]) ^ std::rotr(x, P::kSmallSigma1[1]) ^
           (x >> P::kSmallSigma1[2]);
  }
  // Ch and Maj (4.1.2) in forms with fewer operations but the same truth tables.
  static Word Ch(Word x, Word y, Word z) { return z ^ (x & (y ^ z)); }
  static Word Maj(Word x, Word y, Word z) { return (x & y) | (z & (x | y)); }

  /// Step 1: the message schedule W_0 .. W_{rounds-1}.
  static void Schedule(const std::uint8_t* block, Word* w) {
    for (std::size_t t = 0; t < 16; ++t) w[t] = P::Load(block + sizeof(Word) * t);
    for (std::size_t t = 16; t < P::kRounds; ++t) {
      w[t] = SmallSigma1(w[t - 2]) + w[t - 7] + SmallSigma0(w[t - 15]) + w[t - 16];
    }
  }

  /// One round of step 3 where the caller rotates the argument order: only
  /// d and h change (d becomes the next e, h the next a).
  static void Round(Word a, Word b, Word c, Word& d, Word e, Word f, Word g, Word& h, Word kw) {
    const Word t1 = h + BigSigma1(e) + Ch(e, f, g) + kw;
    const Word t2 = BigSigma0(a) + Maj(a, b, c);
    d += t1;
    h = t1 + t2;
  }

  std::array<Word, 8> state_ = P::kInitial;
};

}  // namespace

std::unique_ptr<Hasher> MakeSha256Hasher() {
  return std::make_unique<BlockHasher<Sha2Core<Sha256Params>>>();
}

std::unique_ptr<Hasher> MakeSha512Hasher() {
  return std::make_unique<BlockHasher<Sha2Core<Sha512Params>>>();
}

}  // namespace haul::integrity::detail
