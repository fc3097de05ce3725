// Tests for src/integrity/checksum.h: every accepted spelling, every error
// message, and ToHex / FormatChecksum round trips.
#include "integrity/checksum.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace haul::integrity {
namespace {

const std::string kSha256Empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// ParseChecksum's error for `text`, or "<parsed>" if it parsed.
std::string ErrorFor(std::string_view text) {
  std::string error;
  if (ParseChecksum(text, &error)) return "<parsed>";
  return error;
}

TEST(ChecksumTest, AcceptsEveryNameAndAlias) {
  struct Case {
    const char* type;
    HashAlgorithm algorithm;
    std::size_t digest_size;
  };
  const Case cases[] = {
      {"md5", HashAlgorithm::kMd5, 16},       {"sha-1", HashAlgorithm::kSha1, 20},
      {"sha1", HashAlgorithm::kSha1, 20},     {"sha-256", HashAlgorithm::kSha256, 32},
      {"sha256", HashAlgorithm::kSha256, 32}, {"sha-512", HashAlgorithm::kSha512, 64},
      {"sha512", HashAlgorithm::kSha512, 64}, {"MD5", HashAlgorithm::kMd5, 16},
      {"SHA-1", HashAlgorithm::kSha1, 20},    {"Sha256", HashAlgorithm::kSha256, 32},
      {"sHa-512", HashAlgorithm::kSha512, 64},
  };
  for (const Case& c : cases) {
    const std::string text = std::string(c.type) + "=" + std::string(2 * c.digest_size, '7');
    std::string error;
    const std::optional<Checksum> parsed = ParseChecksum(text, &error);
    ASSERT_TRUE(parsed) << text << ": " << error;
    EXPECT_EQ(parsed->algorithm, c.algorithm) << text;
    EXPECT_EQ(parsed->digest, std::vector<std::uint8_t>(c.digest_size, 0x77)) << text;
  }
}

TEST(ChecksumTest, DecodesHexInEitherCase) {
  const std::optional<Checksum> lower =
      ParseChecksum("md5=00ff10abcdef0123456789abcdefABCD", nullptr);
  ASSERT_TRUE(lower);
  const std::vector<std::uint8_t> want = {0x00, 0xff, 0x10, 0xab, 0xcd, 0xef, 0x01, 0x23,
                                          0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xab, 0xcd};
  EXPECT_EQ(lower->digest, want);

  const std::optional<Checksum> upper = ParseChecksum("SHA-256=E3B0C44298FC1C149AFBF4C8996FB924"
                                                      "27AE41E4649B934CA495991B7852B855",
                                                      nullptr);
  ASSERT_TRUE(upper);
  EXPECT_EQ(ToHex(upper->digest), kSha256Empty);
}

TEST(ChecksumTest, RejectsUnknownType) {
  EXPECT_EQ(ErrorFor("sha-3=" + kSha256Empty),
            "unknown checksum type 'sha-3' (haul supports md5, sha-1, sha-256, sha-512)");
  EXPECT_EQ(ErrorFor("=" + kSha256Empty),
            "unknown checksum type '' (haul supports md5, sha-1, sha-256, sha-512)");
  EXPECT_EQ(ErrorFor("sha-2566=" + kSha256Empty),
            "unknown checksum type 'sha-2566' (haul supports md5, sha-1, sha-256, sha-512)");
}

TEST(ChecksumTest, RejectsWrongLength) {
  EXPECT_EQ(ErrorFor("sha-256=0123456789ab"), "sha-256 digest must be 64 hex digits (got 12)");
  EXPECT_EQ(ErrorFor("sha256="), "sha-256 digest must be 64 hex digits (got 0)");
  EXPECT_EQ(ErrorFor("md5=" + std::string(33, 'a')), "md5 digest must be 32 hex digits (got 33)");
  EXPECT_EQ(ErrorFor("sha1=" + std::string(64, 'a')),
            "sha-1 digest must be 40 hex digits (got 64)");
  EXPECT_EQ(ErrorFor("sha-512=" + kSha256Empty), "sha-512 digest must be 128 hex digits (got 64)");
}

TEST(ChecksumTest, RejectsNonHex) {
  std::string text = "md5=" + std::string(32, '0');
  text[4 + 9] = 'g';
  EXPECT_EQ(ErrorFor(text), "md5 digest has a non-hex character 'g' at position 10");
  text[4 + 9] = '\n';
  EXPECT_EQ(ErrorFor(text), "md5 digest has a non-hex character '\\x0a' at position 10");
  EXPECT_EQ(ErrorFor("md5=" + std::string(31, '0') + " "),
            "md5 digest has a non-hex character ' ' at position 32");
}

TEST(ChecksumTest, RejectsTextWithoutEquals) {
  EXPECT_EQ(ErrorFor(kSha256Empty),
            "checksum '" + kSha256Empty + "' is not TYPE=HEX (e.g. sha-256=<64 hex digits>)");
  EXPECT_EQ(ErrorFor(""), "checksum '' is not TYPE=HEX (e.g. sha-256=<64 hex digits>)");
}

TEST(ChecksumTest, NullErrorIsAllowed) {
  EXPECT_FALSE(ParseChecksum("nope", nullptr));
  EXPECT_FALSE(ParseChecksum("sha-3=00", nullptr));
  EXPECT_FALSE(ParseChecksum("md5=00", nullptr));
}

TEST(ChecksumTest, ToHexIsLowerCaseTwoDigitsPerByte) {
  EXPECT_EQ(ToHex({}), "");
  const std::vector<std::uint8_t> bytes = {0x00, 0x0f, 0xa0, 0xff, 0x5c};
  EXPECT_EQ(ToHex(bytes), "000fa0ff5c");
}

TEST(ChecksumTest, FormatRoundTrips) {
  const std::optional<Checksum> parsed = ParseChecksum("SHA256=" + kSha256Empty, nullptr);
  ASSERT_TRUE(parsed);
  const std::string formatted = FormatChecksum(*parsed);
  EXPECT_EQ(formatted, "sha-256=" + kSha256Empty);
  const std::optional<Checksum> again = ParseChecksum(formatted, nullptr);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->algorithm, parsed->algorithm);
  EXPECT_EQ(again->digest, parsed->digest);

  EXPECT_EQ(FormatChecksum({HashAlgorithm::kSha1, {0xde, 0xad}}), "sha-1=dead");
}

}  // namespace
}  // namespace haul::integrity
