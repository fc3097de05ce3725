// Tests for src/integrity/digest.h: known-answer vectors for every algorithm
// (FIPS 180-4 / RFC 1321 examples, plus padding-boundary lengths whose
// expected digests come from coreutils' md5sum, sha1sum, sha256sum and
// sha512sum), and incremental Update at every split point.
#include "integrity/digest.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "integrity/checksum.h"

namespace haul::integrity {
namespace {

constexpr HashAlgorithm kAll[] = {HashAlgorithm::kMd5, HashAlgorithm::kSha1,
                                  HashAlgorithm::kSha256, HashAlgorithm::kSha512};

std::span<const std::byte> Bytes(std::string_view s) { return std::as_bytes(std::span(s)); }

std::string HexDigest(HashAlgorithm algorithm, std::string_view message) {
  auto hasher = MakeHasher(algorithm);
  hasher->Update(Bytes(message));
  return ToHex(hasher->Finish());
}

/// The first n bytes of "abc...xyzabc...": the padding-boundary messages.
std::string Alphabet(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

const std::string kMsg448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const std::string kMsg896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopq"
    "rsmnopqrstnopqrstu";
const std::string kMillionA(1000000, 'a');

struct Vector {
  HashAlgorithm algorithm;
  std::string message;
  const char* hex;
};

const std::vector<Vector>& SpecVectors() {
  using A = HashAlgorithm;
  static const std::vector<Vector> v = {
      {A::kMd5, "", "d41d8cd98f00b204e9800998ecf8427e"},
      {A::kMd5, "abc", "900150983cd24fb0d6963f7d28e17f72"},
      {A::kMd5, kMsg448, "8215ef0796a20bcaaae116d3876c664a"},
      {A::kMd5, kMsg896, "03dd8807a93175fb062dfb55dc7d359c"},
      {A::kMd5, kMillionA, "7707d6ae4e027c70eea2a935c2296f21"},
      {A::kSha1, "", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
      {A::kSha1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
      {A::kSha1, kMsg448, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
      {A::kSha1, kMsg896, "a49b2446a02c645bf419f995b67091253a04a259"},
      {A::kSha1, kMillionA, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
      {A::kSha256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {A::kSha256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {A::kSha256, kMsg448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {A::kSha256, kMsg896, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
      {A::kSha256, kMillionA, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
      {A::kSha512, "",
       "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
       "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
      {A::kSha512, "abc",
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
      {A::kSha512, kMsg448,
       "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
       "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"},
      {A::kSha512, kMsg896,
       "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
       "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
      {A::kSha512, kMillionA,
       "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
       "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"},
  };
  return v;
}

TEST(DigestTest, SpecificationVectors) {
  for (const Vector& v : SpecVectors()) {
    EXPECT_EQ(HexDigest(v.algorithm, v.message), v.hex)
        << HashAlgorithmName(v.algorithm) << " of " << v.message.size() << " bytes";
  }
}

// Lengths where the 0x80 byte and the length field just fit, just miss, or
// fill a 64-byte (MD5, SHA-1, SHA-256) or 128-byte (SHA-512) block.
struct BoundaryVector {
  std::size_t length;
  const char* md5;
  const char* sha1;
  const char* sha256;
  const char* sha512;
};

constexpr BoundaryVector kBoundaryVectors[] = {
    {55, "0d7ae056b2f015cd7dc67494efd658f1", "a617d006d1ca12671785098a19a87fe58443bde9",
     "595615dbe4f0f407ae397d08b4c2cb870cb9b0e11937416f950c5160acf9c005",
     "9e50039c6597302efab3d4390664894b7adc7039ee61f22d752148f8c5d19245"
     "73278186434c21874a7502ef2bd76f3d2902c41a4ac5d6668c9146520f62ffa8"},
    {56, "31fcfb5165169eb55898e7e4cf34d19a", "4ad5bb7ae3c4024768d364b77c52128ea3cffebe",
     "784f623b787495078e93ff28a25b581df0584055a7e71d8cd90c454716b92f51",
     "9b9d6a750ece4b006491a375fc467024bd1e77a84f416b0de602ec75129a743e"
     "a5f880804481e91cd9231a58d01d26cf4a3a02e8f8c77b5f81b3fa40f2be395a"},
    {63, "1b30c0670c15e7da3c2ba7bce77ebe99", "fc8a5ab77259625085ead3ec96515b3b8d933fad",
     "5ca3e1ef5207490eac01a795e5cc94d59582a5118bf9534665c8668d87aa647c",
     "455561e15e7c42a73191e90b2c03fe0c569c9e6cd570ed0351f84063525cd68c"
     "a92c02948eb178cfc53300c94e21e5816ddfb020d98a74e0b09ebdd6650ee99b"},
    {64, "a2eaf6295c32adc403865fd96a2f182b", "93249d4c2f8903ebf41ac358473148ae6ddd7042",
     "2fcd5a0d60e4c941381fcc4e00a4bf8be422c3ddfafb93c809e8d1e2bfffae8e",
     "1cdcbebccccaed3fa2acc8bcd1835c67514bd29657a348de629aedb0d5503377"
     "285b78656a3a794f4cef88708916d23f78ead08d710101e3c9ba6a823ffc6067"},
    {111, "476e3ea2d442e99a17c0ea197686a3c5", "40d677ec1e0e859d20978f5cccce70a2dd3bd819",
     "11166d480c33d5cf2023d33251a2e024a4e9436cb3f061d99a1908fd1111c829",
     "a467698069eae8ed1e0c6dbfd1b4a247a9f1e7ff4e3af62145ed26f4468bc094"
     "610878b7644091141370a47a7638bddc95dbfe8971c34d13c4815d4bb1b3e7f2"},
    {112, "8b2440f973022830d439a97aadfbc74c", "971e9c5cc10c743a0882bbd8ff41b97ea13c8ae3",
     "43b9d01284b7170bc99bce5d032307646c76361e98da0f82360cc81884893852",
     "a473c93732eef627d02e86d19047a422b586110848ec17dcea13af282a152f76"
     "54b0c711e277fd42c1d94bea8b7fed615c52bb0f849227e16240afffc7c56e29"},
    {127, "f41f37f8b5a7782d5cfeafc43e3d3c1c", "4add81c7de2e43d621cdb34132bbb23178f4c500",
     "1b9907986f18ddc2b37e18be502d82d69d6e18bb9dff9e16f2aceea7d88cb933",
     "c6ce82cb15c8d7040ef3704b1cb161ae3a7f0ac430433e6d52e3f37bf561271b"
     "fd014328660d29ee733a9f7f178671390eb0f80231603c8360246753e6406b8d"},
    {128, "3e8c1ccbd71838ef3df4b72e57fb9bf6", "3698f9beb7cdf5b1e1ce786672fb234143d4df89",
     "6c05be2c4268843ae47e68e611277ce62c02153f2f4d2e1e2a1a4b44f766cf74",
     "217d3d9c0952c3e4907f06d4fbf34460ee852c6af591b07c2fa1c5e164558363"
     "74c95ae33e184227913f8a2e227e3bbd5187ce57aa1bad11a80f622412eb0884"},
};

TEST(DigestTest, PaddingBoundaries) {
  for (const BoundaryVector& v : kBoundaryVectors) {
    const std::string message = Alphabet(v.length);
    SCOPED_TRACE(v.length);
    EXPECT_EQ(HexDigest(HashAlgorithm::kMd5, message), v.md5);
    EXPECT_EQ(HexDigest(HashAlgorithm::kSha1, message), v.sha1);
    EXPECT_EQ(HexDigest(HashAlgorithm::kSha256, message), v.sha256);
    EXPECT_EQ(HexDigest(HashAlgorithm::kSha512, message), v.sha512);
  }
}

/// 200 bytes covering every byte value's high bits, so byte order matters.
std::string SplitMessage() {
  std::string s(200, '\0');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>((i * 37 + 11) & 0xff);
  return s;
}

/// The digest of `parts` fed as separate Update calls.
std::string HexDigestOfParts(HashAlgorithm algorithm,
                             std::initializer_list<std::string_view> parts) {
  auto hasher = MakeHasher(algorithm);
  for (std::string_view part : parts) hasher->Update(Bytes(part));
  return ToHex(hasher->Finish());
}

TEST(DigestTest, EverySplitIntoTwoPartsMatchesOneShot) {
  const std::string m = SplitMessage();
  const std::string_view view = m;
  for (HashAlgorithm algorithm : kAll) {
    const std::string whole = HexDigest(algorithm, m);
    for (std::size_t i = 0; i <= m.size(); ++i) {
      ASSERT_EQ(HexDigestOfParts(algorithm, {view.substr(0, i), view.substr(i)}), whole)
          << HashAlgorithmName(algorithm) << " split at " << i;
    }
  }
}

TEST(DigestTest, EverySplitIntoThreePartsMatchesOneShot) {
  const std::string m = SplitMessage();
  const std::string_view view = m;
  for (HashAlgorithm algorithm : kAll) {
    const std::string whole = HexDigest(algorithm, m);
    for (std::size_t i = 0; i <= m.size(); ++i) {
      for (std::size_t j = i; j <= m.size(); ++j) {
        ASSERT_EQ(HexDigestOfParts(algorithm, {view.substr(0, i), view.substr(i, j - i),
                                               view.substr(j)}),
                  whole)
            << HashAlgorithmName(algorithm) << " split at " << i << " and " << j;
      }
    }
  }
}

TEST(DigestTest, ByteAtATimeMatchesOneShot) {
  for (HashAlgorithm algorithm : kAll) {
    auto hasher = MakeHasher(algorithm);
    for (char c : kMsg896) hasher->Update(Bytes(std::string_view(&c, 1)));
    EXPECT_EQ(ToHex(hasher->Finish()), HexDigest(algorithm, kMsg896));
  }
}

TEST(DigestTest, EmptyUpdatesChangeNothing) {
  for (HashAlgorithm algorithm : kAll) {
    auto hasher = MakeHasher(algorithm);
    hasher->Update({});
    hasher->Update(Bytes("ab"));
    hasher->Update({});
    hasher->Update(Bytes("c"));
    EXPECT_EQ(ToHex(hasher->Finish()), HexDigest(algorithm, "abc"));
  }
}

TEST(DigestTest, NamesAndSizes) {
  const std::pair<std::string_view, std::size_t> expected[] = {
      {"md5", 16}, {"sha-1", 20}, {"sha-256", 32}, {"sha-512", 64}};
  for (std::size_t i = 0; i < std::size(kAll); ++i) {
    EXPECT_EQ(HashAlgorithmName(kAll[i]), expected[i].first);
    auto hasher = MakeHasher(kAll[i]);
    EXPECT_EQ(hasher->digest_size(), expected[i].second);
    EXPECT_EQ(hasher->Finish().size(), expected[i].second);
  }
}

TEST(DigestDeathTest, UseAfterFinishAborts) {
  auto hasher = MakeHasher(HashAlgorithm::kSha256);
  (void)hasher->Finish();
  EXPECT_DEATH(hasher->Update(Bytes("x")), "Update called after Finish");
  EXPECT_DEATH((void)hasher->Finish(), "Finish called after Finish");
}

}  // namespace
}  // namespace haul::integrity
