#include "transfer/http_headers.h"

#include <gtest/gtest.h>

namespace haul::transfer {
namespace {

TEST(ParseContentRange, WellFormed) {
  auto cr = ParseContentRange("bytes 0-99/1000");
  ASSERT_TRUE(cr.has_value());
  EXPECT_EQ(cr->first, 0U);
  EXPECT_EQ(cr->last, 99U);
  EXPECT_EQ(cr->total, 1000U);
  EXPECT_FALSE(cr->unsatisfied);
}

TEST(ParseContentRange, UnknownTotal) {
  auto cr = ParseContentRange("bytes 5-9/*");
  ASSERT_TRUE(cr.has_value());
  EXPECT_FALSE(cr->total.has_value());
}

TEST(ParseContentRange, Unsatisfied) {
  auto cr = ParseContentRange("bytes */0");
  ASSERT_TRUE(cr.has_value());
  EXPECT_TRUE(cr->unsatisfied);
  EXPECT_EQ(cr->total, 0U);
}

TEST(ParseContentRange, CaseAndSpaceTolerant) {
  EXPECT_TRUE(ParseContentRange("  Bytes 1-2/3\r\n").has_value());
}

TEST(ParseContentRange, RejectsHostileValues) {
  for (const char* bad : {"", "bytes", "bytes 1-0/10", "bytes 0-10/10", "bytes 0-9",
                          "items 0-9/10", "bytes -1-9/10", "bytes 0-9/ten", "bytes */*",
                          "bytes 0-99999999999999999999999/5", "bytes 0--9/10", "bytes 0-9/10x"}) {
    EXPECT_FALSE(ParseContentRange(bad).has_value()) << bad;
  }
}

TEST(ResponseHeadBuilder, KeepsOnlyTheFinalResponse) {
  ResponseHeadBuilder b;
  b.Feed("HTTP/1.1 302 Found\r\n");
  b.Feed("Location: /x\r\n");
  b.Feed("ETag: \"old\"\r\n");
  b.Feed("\r\n");
  b.Feed("HTTP/1.1 206 Partial Content\r\n");
  b.Feed("content-range: bytes 0-9/10\r\n");
  b.Feed("Content-Length: 10\r\n");
  b.Feed("Last-Modified: Mon, 23 Nov 2026 09:00:40 GMT\r\n");
  const ResponseHead& h = b.head();
  EXPECT_EQ(h.status, 206);
  EXPECT_EQ(h.reason, "Partial Content");
  ASSERT_TRUE(h.content_range.has_value());
  EXPECT_EQ(h.content_range->total, 10U);
  EXPECT_EQ(h.content_length, 10U);
  EXPECT_TRUE(h.etag.empty());
  EXPECT_EQ(h.last_modified, "Mon, 23 Nov 2026 09:00:40 GMT");
}

TEST(ResponseHeadBuilder, FlagsMalformedContentRange) {
  ResponseHeadBuilder b;
  b.Feed("HTTP/2 206\r\n");
  b.Feed("content-range: bytes 9-0/10\r\n");
  EXPECT_EQ(b.head().status, 206);
  EXPECT_TRUE(b.head().reason.empty());
  EXPECT_TRUE(b.head().bad_content_range);
  EXPECT_FALSE(b.head().content_range.has_value());
}

TEST(ParseUint64, RejectsPartialAndOverflow) {
  EXPECT_EQ(ParseUint64("42"), 42U);
  EXPECT_FALSE(ParseUint64("42 ").has_value());
  EXPECT_FALSE(ParseUint64("").has_value());
  EXPECT_FALSE(ParseUint64("18446744073709551616").has_value());
}

}  // namespace
}  // namespace haul::transfer
