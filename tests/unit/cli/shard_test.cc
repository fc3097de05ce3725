// Tests for src/cli/shard.h: strict K/N parsing, and the assignment that
// puts every download in exactly one shard.
#include "cli/shard.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace haul::cli {
namespace {

TEST(ParseShard, AcceptsKOfNWithinRange) {
  const auto s = ParseShard("3/7");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->index, 3u);
  EXPECT_EQ(s->count, 7u);
  EXPECT_TRUE(ParseShard("1/1").has_value());
  EXPECT_TRUE(ParseShard("1000000/1000000").has_value());
  EXPECT_TRUE(ParseShard("01/4").has_value());  // digits are digits
}

TEST(ParseShard, RejectsEverythingElse) {
  for (const char* bad : {"", "3", "/", "1/", "/3", "0/3", "4/3", "1/0", "0/0", "-1/3", "+1/3",
                          "1/+3", " 1/3", "1/3 ", "1 /3", "1/3x", "1.0/3", "1//3", "1/3/5",
                          "a/b", "1/1000001", "18446744073709551617/18446744073709551617",
                          "1\\3", "1:3"}) {
    EXPECT_FALSE(ParseShard(bad).has_value()) << "'" << bad << "'";
  }
}

/// URLs shaped like a real batch: numbered files under one directory.
std::vector<std::string> NumberedUrls(int count) {
  std::vector<std::string> urls;
  for (int i = 0; i < count; ++i) {
    char name[96];
    std::snprintf(name, sizeof name, "https://cache.example.com/artifacts/part-%05d.tar.gz", i);
    urls.emplace_back(name);
  }
  return urls;
}

TEST(ShardOf, EveryUrlIsInExactlyOneShard) {
  const std::vector<std::string> urls = NumberedUrls(5000);
  for (const std::uint64_t n : {1u, 2u, 3u, 7u}) {
    for (const std::string& url : urls) {
      int owners = 0;
      for (std::uint64_t k = 1; k <= n; ++k) owners += InShard(Shard{k, n}, url) ? 1 : 0;
      ASSERT_EQ(owners, 1) << url << " in " << owners << " of " << n << " shards";
      const std::uint64_t s = ShardOf(url, n);
      EXPECT_GE(s, 1u);
      EXPECT_LE(s, n);
    }
  }
}

TEST(ShardOf, SharesAreBalanced) {
  constexpr int kUrls = 10000;
  const std::vector<std::string> urls = NumberedUrls(kUrls);
  for (const std::uint64_t n : {2u, 3u, 4u, 7u, 16u}) {
    std::vector<int> sizes(n + 1, 0);
    for (const std::string& url : urls) ++sizes[ShardOf(url, n)];
    const double expected = static_cast<double>(kUrls) / static_cast<double>(n);
    for (std::uint64_t k = 1; k <= n; ++k) {
      // About 4 standard deviations of a uniform assignment.
      EXPECT_NEAR(sizes[k], expected, 0.1 * expected) << "shard " << k << "/" << n;
    }
  }
}

TEST(ShardOf, DependsOnTheUrlOnlyAndIsPinned) {
  // The algorithm is documented (docs/scaling.md) so that other tools can
  // compute the same split: these values must never change.
  EXPECT_EQ(ShardHash(""), 0xefd01f60ba992926ULL);
  EXPECT_EQ(ShardHash("a"), 0x82a2a958a9bece5bULL);
  EXPECT_EQ(ShardHash("https://example.com/a.iso"), 0x8c191fd015c3a4cfULL);
  EXPECT_EQ(ShardOf("https://example.com/a.iso", 4), 4u);
  EXPECT_EQ(ShardOf("anything", 1), 1u);
}

}  // namespace
}  // namespace haul::cli
