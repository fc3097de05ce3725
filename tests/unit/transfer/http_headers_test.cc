#include "transfer/http_headers.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

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

TEST(ResponseHeadBuilder, KeepsRawDispositionAndRetryAfter) {
  ResponseHeadBuilder b;
  b.Feed("HTTP/1.1 503 Service Unavailable\r\n");
  b.Feed("retry-after: 30\r\n");
  b.Feed("CONTENT-DISPOSITION:   attachment; filename=\"x.bin\"  \r\n");
  EXPECT_EQ(b.head().retry_after, "30");
  EXPECT_EQ(b.head().content_disposition, "attachment; filename=\"x.bin\"");
  // The last occurrence wins; a new status line starts over.
  b.Feed("Retry-After:\tSun, 06 Nov 1994 08:49:37 GMT\r\n");
  b.Feed("Content-Disposition: inline\r\n");
  EXPECT_EQ(b.head().retry_after, "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(b.head().content_disposition, "inline");
  b.Feed("HTTP/1.1 200 OK\r\n");
  EXPECT_TRUE(b.head().retry_after.empty());
  EXPECT_TRUE(b.head().content_disposition.empty());
}

TEST(ParseUint64, RejectsPartialAndOverflow) {
  EXPECT_EQ(ParseUint64("42"), 42U);
  EXPECT_FALSE(ParseUint64("42 ").has_value());
  EXPECT_FALSE(ParseUint64("").has_value());
  EXPECT_FALSE(ParseUint64("18446744073709551616").has_value());
}

// ---- ParseContentDispositionFilename -------------------------------------

/// The name, or "<none>" so a failure message shows what came back.
std::string NameOf(std::string_view value) {
  return ParseContentDispositionFilename(value).value_or("<none>");
}

TEST(ParseContentDispositionFilename, QuotedAndTokenNames) {
  EXPECT_EQ(NameOf("attachment; filename=\"a b.txt\""), "a b.txt");
  EXPECT_EQ(NameOf("attachment; filename=a.txt"), "a.txt");
  EXPECT_EQ(NameOf("inline; filename=a.txt"), "a.txt");
  EXPECT_EQ(NameOf("form-data; name=\"f\"; filename=\"up.bin\""), "up.bin");
  EXPECT_EQ(NameOf("attachment; filename=\"a;b=c.txt\""), "a;b=c.txt");
}

TEST(ParseContentDispositionFilename, QuotedStringEscapes) {
  EXPECT_EQ(NameOf(R"(attachment; filename="say \"hi\".txt")"), "say \"hi\".txt");
  EXPECT_EQ(NameOf(R"(attachment; filename="back\\slash\x.txt")"), "back\\slashx.txt");
}

TEST(ParseContentDispositionFilename, ToleratesSpacesCaseAndOtherParameters) {
  EXPECT_EQ(NameOf("  ATTACHMENT ;  size=42 ;FileName = \"x.txt\" ; "
                   "creation-date=\"Wed, 12 Feb 1997 16:29:51 -0500\"  \r\n"),
            "x.txt");
  EXPECT_EQ(NameOf("attachment;;filename=x.txt;"), "x.txt");
  // Not a token, but sent by real servers and accepted by browsers.
  EXPECT_EQ(NameOf("attachment; filename=my file (1).pdf ; size=3"), "my file (1).pdf");
}

TEST(ParseContentDispositionFilename, ExtValueIsPercentDecodedUtf8) {
  EXPECT_EQ(NameOf("attachment; filename*=UTF-8''%e2%82%ac%20rates.txt"),
            "\xE2\x82\xAC rates.txt");
  EXPECT_EQ(NameOf("attachment; FILENAME*=utf-8'en'plain.txt"), "plain.txt");
}

TEST(ParseContentDispositionFilename, Latin1IsConvertedToUtf8) {
  EXPECT_EQ(NameOf("attachment; filename*=iso-8859-1'en'%A3%20rates%E9.txt"),
            "\xC2\xA3 rates\xC3\xA9.txt");
  EXPECT_EQ(NameOf("attachment; filename*=ISO-8859-1''%FF"), "\xC3\xBF");
}

TEST(ParseContentDispositionFilename, ExtValueWinsInEitherOrder) {
  EXPECT_EQ(NameOf("attachment; filename=\"fallback.txt\"; filename*=UTF-8''real.txt"),
            "real.txt");
  EXPECT_EQ(NameOf("attachment; filename*=UTF-8''real.txt; filename=\"fallback.txt\""),
            "real.txt");
}

TEST(ParseContentDispositionFilename, UndecodableExtValueFallsBackToFilename) {
  for (const char* ext : {"filename*=KOI8-R''x.txt", "filename*=UTF-8''bad%zz.txt",
                          "filename*=UTF-8''cut%4", "filename*=UTF-8''%ff%fe.txt",
                          "filename*=UTF-8''%c3", "filename*=UTF-8''%c0%af",
                          "filename*=\"UTF-8''quoted.txt\"", "filename*=no-quotes.txt",
                          "filename*=UTF-8'only-one.txt", "filename*=UTF-8''"}) {
    const std::string value = std::string("attachment; ") + ext + "; filename=plain.txt";
    EXPECT_EQ(NameOf(value), "plain.txt") << value;
    EXPECT_EQ(NameOf(std::string("attachment; ") + ext), "<none>") << ext;
  }
}

TEST(ParseContentDispositionFilename, ReturnsHostileNamesRawForTheSanitizer) {
  EXPECT_EQ(NameOf("attachment; filename=\"../../etc/passwd\""), "../../etc/passwd");
  EXPECT_EQ(NameOf("attachment; filename=/etc/passwd"), "/etc/passwd");
  EXPECT_EQ(NameOf(R"(attachment; filename="..\\..\\win.ini")"), "..\\..\\win.ini");
  EXPECT_EQ(NameOf("attachment; filename*=UTF-8''%2e%2e%2f%2e%2e%2fetc%2fpasswd"),
            "../../etc/passwd");
  EXPECT_EQ(NameOf("attachment; filename*=UTF-8''a%0Ab%00c"), std::string("a\nb\0c", 5));
  // Only filename* is percent-decoded: a plain "%2e%2e%2f" is a literal name.
  EXPECT_EQ(NameOf("attachment; filename=%2e%2e%2f"), "%2e%2e%2f");
  EXPECT_EQ(NameOf("attachment; filename=\"..\""), "..");
}

TEST(ParseContentDispositionFilename, NoneOrMalformedGivesNullopt) {
  for (const char* bad : {"", "   ", "attachment", "inline;", "attachment; size=3",
                          "; filename=a.txt", "filename=a.txt", "attachment filename=a.txt",
                          "attachment; filename", "attachment; filename=",
                          "attachment; filename=\"\"", "attachment; =a.txt",
                          "attachment; filename=\"unbalanced.txt",
                          "attachment; filename=\"ends in backslash\\",
                          "attachment; filename=\"a\"junk.txt",
                          "attachment; filename=a.txt; filename=b.txt",
                          "attachment; filename*=UTF-8''a; FILENAME*=UTF-8''b",
                          "attachment; name=\"x; filename=a.txt"}) {
    EXPECT_FALSE(ParseContentDispositionFilename(bad).has_value()) << bad;
  }
}

// ---- ParseRetryAfter -----------------------------------------------------

using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::system_clock;
using namespace std::chrono_literals;

/// 1994-11-06 08:49:00 UTC, 37 seconds before RFC 9110's example date.
const system_clock::time_point kNow =
    sys_days{std::chrono::year{1994} / 11 / 6} + 8h + 49min;

TEST(ParseRetryAfter, DeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("120", kNow), 120s);
  EXPECT_EQ(ParseRetryAfter("0", kNow), 0s);
  EXPECT_EQ(ParseRetryAfter("  5 \r\n", kNow), 5s);
  EXPECT_EQ(ParseRetryAfter("000000000000000007", kNow), 7s);
  EXPECT_EQ(ParseRetryAfter("86400", kNow), kMaxRetryAfter);
}

TEST(ParseRetryAfter, AbsurdDelayIsCappedNotOverflowed) {
  EXPECT_EQ(ParseRetryAfter("86401", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("4294967296", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("18446744073709551616", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter(std::string(500, '9'), kNow), kMaxRetryAfter);
}

TEST(ParseRetryAfter, ThreeDateForms) {
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kNow), 37s);
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", kNow), 37s);
  EXPECT_EQ(ParseRetryAfter("Sun Nov  6 08:49:37 1994", kNow), 37s);
  EXPECT_EQ(ParseRetryAfter("Sun Nov 06 08:49:37 1994", kNow), 37s);
  EXPECT_EQ(ParseRetryAfter("Wed Nov 16 08:49:00 1994", kNow + 10 * 24h - 1h), 1h);
}

TEST(ParseRetryAfter, PastDateIsZeroAndFarFutureIsCapped) {
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:48:59 GMT", kNow), 0s);
  EXPECT_EQ(ParseRetryAfter("Thu, 01 Jan 1970 00:00:00 GMT", kNow), 0s);
  EXPECT_EQ(ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("Sat, 01 Jan 0000 00:00:00 GMT", kNow), 0s);
}

TEST(ParseRetryAfter, FractionOfASecondRoundsUp) {
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kNow + 500ms), 37s);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:00 GMT", kNow + 1ms), 0s);
}

TEST(ParseRetryAfter, LeapSecondIsTheNextMinute) {
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:60 GMT", kNow), 60s);
}

TEST(ParseRetryAfter, TwoDigitYearIsAtMostFiftyYearsAhead) {
  const system_clock::time_point y2k_eve =
      sys_days{std::chrono::year{1999} / 12 / 31} + 23h + 59min;
  EXPECT_EQ(ParseRetryAfter("Saturday, 01-Jan-00 00:00:00 GMT", y2k_eve), 60s);
  // From 2026, "80" would be 54 years ahead, so it is 1980: in the past.
  const system_clock::time_point y2026 = sys_days{std::chrono::year{2026} / 1 / 1};
  EXPECT_EQ(ParseRetryAfter("Tuesday, 01-Jan-80 00:00:00 GMT", y2026), 0s);
  EXPECT_EQ(ParseRetryAfter("Thursday, 01-Jan-26 00:00:10 GMT", y2026), 10s);
  // From 1999, "49" is 2049, exactly 50 years ahead, and "50" is 1950.
  const system_clock::time_point y1999 = sys_days{std::chrono::year{1999} / 1 / 1};
  EXPECT_EQ(ParseRetryAfter("Friday, 01-Jan-49 00:00:00 GMT", y1999), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("Sunday, 01-Jan-50 00:00:00 GMT", y1999), 0s);
}

TEST(ParseRetryAfter, ExtremeClocksDoNotOverflow) {
  const char* date = "Sun, 06 Nov 1994 08:49:37 GMT";
  EXPECT_EQ(ParseRetryAfter(date, system_clock::time_point::max()), 0s);
  EXPECT_EQ(ParseRetryAfter(date, system_clock::time_point::min()), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", system_clock::time_point::min()),
            kMaxRetryAfter);
}

TEST(ParseRetryAfter, MalformedGivesNullopt) {
  for (const char* bad : {"", "  ", "-5", "+5", "1.5", "5s", "0x10", "1 2", "soon",
                          "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
                          "sun, 06 nov 1994 08:49:37 gmt", "Sun, 06 Nov 94 08:49:37 GMT",
                          "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
                          "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT",
                          "Sun, 06 Nov 1994 08:49:37 GMT trailing", "Sun, 06 Nov 1994",
                          "Sun, 06 Nov 1994 8:49:37 GMT", "Sunday, 06 Nov 1994 08:49:37 GMT",
                          "Sun, 06-Nov-94 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT",
                          "Sun Nov  6 08:49:37 1994 GMT", "Sun Nov 6 08:49:37 1994",
                          "Sun Nov   6 08:49:37 1994", "Sun, 00 Nov 1994 08:49:37 GMT",
                          "Sun, 06 Foo 1994 08:49:37 GMT"}) {
    EXPECT_FALSE(ParseRetryAfter(bad, kNow).has_value()) << bad;
  }
}

// ---- ParseLastModified ---------------------------------------------------

TEST(ParseLastModified, AllThreeDateFormsGiveTheSameSecond) {
  const auto expected = sys_days{std::chrono::year{1994} / 11 / 6} + 8h + 49min + 37s;
  EXPECT_EQ(ParseLastModified("Sun, 06 Nov 1994 08:49:37 GMT", kNow), expected);
  EXPECT_EQ(ParseLastModified("Sunday, 06-Nov-94 08:49:37 GMT", kNow), expected);
  EXPECT_EQ(ParseLastModified("Sun Nov  6 08:49:37 1994", kNow), expected);
  EXPECT_EQ(ParseLastModified(" Sun, 06 Nov 1994 08:49:37 GMT ", kNow), expected);
}

TEST(ParseLastModified, AnythingElseIsNoDate) {
  for (const char* bad : {"", "120", "yesterday", "Sun, 06 Nov 1994 25:49:37 GMT"}) {
    EXPECT_FALSE(ParseLastModified(bad, kNow).has_value()) << bad;
  }
}

}  // namespace
}  // namespace haul::transfer
