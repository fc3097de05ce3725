#include "cli/list_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

namespace haul::cli {
namespace {

/// Every item a reader produces for `text`, read one at a time.
std::vector<ListItem> ReadAll(const std::string& text, const std::string& name = "urls.txt") {
  std::istringstream in(text);
  ListReader reader(in, name);
  std::vector<ListItem> items;
  while (auto item = reader.Next()) items.push_back(std::move(*item));
  EXPECT_FALSE(reader.Next().has_value()) << "the end must stay the end";
  return items;
}

/// The single item for `text`; fails the test if there is not exactly one.
ListItem ReadOne(const std::string& text) {
  std::vector<ListItem> items = ReadAll(text);
  if (items.size() != 1) {
    ADD_FAILURE() << "expected one item, got " << items.size();
    return {};
  }
  return std::move(items.front());
}

TEST(ListReader, OneUrlPerLine) {
  const std::vector<ListItem> items = ReadAll("http://h/a\nhttps://h/b");
  ASSERT_EQ(items.size(), 2U);
  EXPECT_TRUE(items[0].ok());
  EXPECT_EQ(items[0].job.urls, std::vector<std::string>{"http://h/a"});
  EXPECT_EQ(items[0].job.origin, "urls.txt:1");
  EXPECT_EQ(items[0].line, 1U);
  EXPECT_TRUE(items[0].job.out.empty() && items[0].job.dir.empty());
  EXPECT_EQ(items[1].job.urls, std::vector<std::string>{"https://h/b"});
  EXPECT_EQ(items[1].job.origin, "urls.txt:2");
}

TEST(ListReader, EmptyInputAndOnlyCommentsGiveNothing) {
  EXPECT_TRUE(ReadAll("").empty());
  EXPECT_TRUE(ReadAll("# just a comment\n\n   \n\t# indented comment\n").empty());
}

TEST(ListReader, UrlsOnOneLineAreMirrors) {
  const ListItem item = ReadOne("http://a/x \t https://b/x\thttp://c/x  \n");
  EXPECT_EQ(item.job.urls, (std::vector<std::string>{"http://a/x", "https://b/x", "http://c/x"}));
}

TEST(ListReader, IndentedOptionsApplyToTheEntryAbove) {
  const std::vector<ListItem> items = ReadAll(
      "http://h/a\n"
      "  out=first.bin\n"
      "\tdir=some/dir\n"
      "http://h/b\n"
      "  dir=/abs/dir\n");
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items[0].job.out, "first.bin");
  EXPECT_EQ(items[0].job.dir, "some/dir");
  EXPECT_EQ(items[0].job.origin, "urls.txt:1");
  EXPECT_EQ(items[1].job.out, "");
  EXPECT_EQ(items[1].job.dir, "/abs/dir");
  EXPECT_EQ(items[1].job.origin, "urls.txt:4");
}

TEST(ListReader, CommentsAndBlankLinesKeepLineNumbers) {
  const std::vector<ListItem> items = ReadAll(
      "# header\n"
      "\n"
      "http://h/a\n"
      "   # a comment between options\n"
      "  out=a\n"
      "\n"
      "http://h/b\n");
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items[0].line, 3U);
  EXPECT_EQ(items[0].job.out, "a");
  EXPECT_EQ(items[1].line, 7U);
}

TEST(ListReader, CrlfLineEndingsAreStripped) {
  const std::vector<ListItem> items = ReadAll("http://h/a\r\n  out=x.bin\r\n\r\nhttp://h/b\r\n");
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items[0].job.urls, std::vector<std::string>{"http://h/a"});
  EXPECT_EQ(items[0].job.out, "x.bin");
  EXPECT_EQ(items[1].job.urls, std::vector<std::string>{"http://h/b"});
  EXPECT_EQ(items[1].line, 4U);
}

TEST(ListReader, ByteOrderMarkOnTheFirstLineIsIgnored) {
  const ListItem item = ReadOne("\xEF\xBB\xBFhttp://h/a\n");
  ASSERT_TRUE(item.ok()) << item.error.message();
  EXPECT_EQ(item.job.urls, std::vector<std::string>{"http://h/a"});
  // Only at the very start: elsewhere it is garbage.
  const std::vector<ListItem> items = ReadAll("http://h/a\n\xEF\xBB\xBFhttp://h/b\n");
  ASSERT_EQ(items.size(), 2U);
  EXPECT_FALSE(items[1].ok());
  EXPECT_EQ(items[1].line, 2U);
}

TEST(ListReader, GarbageLinesAreErrorsWithTheirLineNumbers) {
  const std::vector<ListItem> items = ReadAll(
      "http://h/a\n"
      "garbage here\n"
      "\n"
      "# comment\n"
      "not-a-url\n"
      "http://h/b\n");
  ASSERT_EQ(items.size(), 4U);
  EXPECT_TRUE(items[0].ok());
  EXPECT_FALSE(items[1].ok());
  EXPECT_EQ(items[1].line, 2U);
  EXPECT_EQ(items[1].error.error_class(), ErrorClass::kUsage);
  EXPECT_EQ(items[1].error.message(),
            "urls.txt:2: not a URL (expected http://HOST/... or https://HOST/...)");
  EXPECT_EQ(items[2].line, 5U);
  EXPECT_EQ(items[2].error.message().rfind("urls.txt:5: ", 0), 0U);
  EXPECT_TRUE(items[3].ok());
  EXPECT_EQ(items[3].line, 6U);
}

TEST(ListReader, UnsupportedSchemesAreRejected) {
  const ListItem item = ReadOne("ftp://h/a\n");
  EXPECT_EQ(item.error.message(), "urls.txt:1: unsupported scheme 'ftp' (haul supports http and https)");
  // One bad mirror rejects the whole line.
  EXPECT_FALSE(ReadOne("http://h/a file:///etc/passwd\n").ok());
  EXPECT_TRUE(ReadOne("HTTPS://h/a Http://m/a\n").ok());
}

TEST(ListReader, OptionsOfARejectedEntryAreDropped) {
  const std::vector<ListItem> items = ReadAll("ftp://h/a\n  out=a\n  bogus\nhttp://h/b\n  out=b\n");
  ASSERT_EQ(items.size(), 2U);
  EXPECT_FALSE(items[0].ok());
  EXPECT_EQ(items[1].job.out, "b");
}

/// Checks that the option on line 2 of `text` is an error starting with
/// `prefix` and that the entry on line 1 still runs, without the option.
void ExpectBadOptionLine(const std::string& text, const std::string& prefix) {
  const std::vector<ListItem> items = ReadAll(text);
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items[0].line, 2U);
  EXPECT_EQ(items[0].error.message().rfind(prefix, 0), 0U) << items[0].error.message();
  EXPECT_TRUE(items[1].ok());
  EXPECT_EQ(items[1].line, 1U);
  EXPECT_EQ(items[1].job.out, "");
}

TEST(ListReader, OutMustStayInsideTheDirectory) {
  for (const char* bad : {"../x", "..", "a/../../b", "a/..", "/etc/passwd", ""}) {
    SCOPED_TRACE(bad);
    ExpectBadOptionLine(std::string("http://h/a\n  out=") + bad + "\n", "urls.txt:2: out=");
  }
  EXPECT_EQ(ReadAll("http://h/a\n  out=../x\n")[0].error.message(),
            "urls.txt:2: out= must not contain '..' (got '../x')");
  EXPECT_EQ(ReadAll("http://h/a\n  out=/x\n")[0].error.message(),
            "urls.txt:2: out= must be a relative path (got '/x')");
}

TEST(ListReader, OutMayHaveSubdirectoriesAndDotsInNames) {
  for (const char* good : {"sub/file.bin", "..hidden", "a..b", "./x"}) {
    EXPECT_EQ(ReadOne(std::string("http://h/a\n  out=") + good + "\n").job.out, good);
  }
}

TEST(ListReader, UnknownKeyIsAnErrorButTheEntryRuns) {
  const std::vector<ListItem> items = ReadAll("http://h/a\n  split=5\n  out=a\n");
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items[0].error.message(),
            "urls.txt:2: unknown option 'split' (haul supports out=, dir= and checksum=)");
  EXPECT_TRUE(items[1].ok());
  EXPECT_EQ(items[1].job.out, "a");
  EXPECT_EQ(items[1].line, 1U);
}

TEST(ListReader, OptionLineWithoutEqualsIsAnError) {
  const std::vector<ListItem> items = ReadAll("http://h/a\n  out\n");
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items[0].line, 2U);
  EXPECT_FALSE(items[0].ok());
}

TEST(ListReader, IndentedLineWithNoEntryAboveIsAnError) {
  const std::vector<ListItem> items = ReadAll("\n  out=a\nhttp://h/b\n");
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items[0].error.message(), "urls.txt:2: indented option line with no entry above it");
  EXPECT_TRUE(items[1].ok());
  EXPECT_EQ(items[1].job.out, "") << "the stray option must not leak into the next entry";
}

TEST(ListReader, OverlongLineIsAnErrorAndTheNextLineStillParses) {
  const std::string long_url = "http://h/" + std::string(kMaxListLine, 'a');
  const std::vector<ListItem> items = ReadAll("http://h/a\n" + long_url + "\n  out=x\nhttp://h/c\n");
  ASSERT_EQ(items.size(), 3U);
  EXPECT_TRUE(items[0].ok());
  EXPECT_EQ(items[1].error.message(), "urls.txt:2: line is longer than 65536 bytes");
  EXPECT_EQ(items[2].line, 4U);
  EXPECT_EQ(items[2].job.urls, std::vector<std::string>{"http://h/c"});
}

TEST(ListReader, LineOfExactlyTheLimitIsAccepted) {
  std::string url = "http://h/";
  url += std::string(kMaxListLine - url.size(), 'a');
  ASSERT_EQ(url.size(), kMaxListLine);
  EXPECT_TRUE(ReadOne(url + "\r\n").ok());
  EXPECT_FALSE(ReadOne(url + "a\r\n").ok());
}

TEST(ListReader, OverlongOptionLineIsAnErrorForThatLine) {
  const std::vector<ListItem> items =
      ReadAll("http://h/a\n  out=" + std::string(kMaxListLine, 'x') + "\n");
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items[0].line, 2U);
  EXPECT_FALSE(items[0].ok());
  EXPECT_TRUE(items[1].ok());
}

/// Makes a stream's text on demand, one piece per underflow, and counts the
/// pieces handed out so a test can see how far the reader has read.
class GeneratedStream : public std::streambuf {
 public:
  /// `piece(i)` is the i-th piece of text; an empty piece ends the stream.
  explicit GeneratedStream(std::function<std::string(std::uint64_t)> piece)
      : piece_(std::move(piece)) {}
  std::uint64_t pieces_made() const { return made_; }

 protected:
  int_type underflow() override {
    current_ = piece_(made_);
    if (current_.empty()) return traits_type::eof();
    ++made_;
    setg(current_.data(), current_.data(), current_.data() + current_.size());
    return traits_type::to_int_type(current_[0]);
  }

 private:
  std::function<std::string(std::uint64_t)> piece_;
  std::string current_;
  std::uint64_t made_ = 0;
};

TEST(ListReader, HundredThousandEntriesStreamOneAtATime) {
  constexpr std::uint64_t kEntries = 100'000;
  // Each entry is two lines, a URL and its out= option; one line per piece.
  GeneratedStream source([](std::uint64_t i) -> std::string {
    if (i >= 2 * kEntries) return {};
    const std::string n = std::to_string(i / 2);
    return i % 2 == 0 ? "http://h/f" + n + "\n" : "  out=f" + n + ".bin\n";
  });
  std::istream in(&source);
  ListReader reader(in, "big.txt");
  std::uint64_t count = 0;
  std::uint64_t wrong = 0;
  std::uint64_t max_ahead = 0;
  while (auto item = reader.Next()) {
    const std::string n = std::to_string(count);
    const bool right = item->ok() && item->job.urls.front() == "http://h/f" + n &&
                       item->job.out == "f" + n + ".bin" && item->line == 2 * count + 1;
    wrong += right ? 0 : 1;
    ++count;
    // Entry `count` ends at line 2*count; the reader may have read one more.
    max_ahead = std::max(max_ahead, source.pieces_made() - 2 * count);
  }
  EXPECT_EQ(count, kEntries);
  EXPECT_EQ(wrong, 0U);
  EXPECT_LE(max_ahead, 1U) << "the reader read more than one line ahead";
}

TEST(ListReader, HugeLineIsSkippedWithoutBeingKept) {
  // 64 MiB of one line, made 64 KiB at a time: never a whole string in memory.
  constexpr std::uint64_t kChunks = 1024;
  GeneratedStream source([](std::uint64_t i) -> std::string {
    if (i == 0) return "http://h/first\n";
    if (i <= kChunks) return std::string(std::size_t{64} * 1024, 'x');
    if (i == kChunks + 1) return "\nhttp://h/last\n";
    return {};
  });
  std::istream in(&source);
  ListReader reader(in, "huge.txt");
  std::vector<ListItem> items;
  while (auto item = reader.Next()) items.push_back(std::move(*item));
  ASSERT_EQ(items.size(), 3U);
  EXPECT_EQ(items[1].error.message(), "huge.txt:2: line is longer than 65536 bytes");
  EXPECT_EQ(items[2].job.urls, std::vector<std::string>{"http://h/last"});
  EXPECT_EQ(items[2].line, 3U);
}

TEST(CheckUrl, AcceptsHttpAndHttpsWithAHost) {
  for (const char* good : {"http://h", "http://h/", "https://example.com/a/b?c=d#e",
                           "HTTP://H/x", "hTTpS://h:8443/x", "http://user:pw@h/x",
                           "http://[::1]:8080/x", "http://127.0.0.1/x"}) {
    EXPECT_TRUE(CheckUrl(good).ok()) << good;
  }
}

TEST(CheckUrl, RejectsEverythingElseWithAReason) {
  EXPECT_EQ(CheckUrl("ftp://h/x").message(),
            "unsupported scheme 'ftp' (haul supports http and https)");
  EXPECT_EQ(CheckUrl("FTP://h/x").message(),
            "unsupported scheme 'FTP' (haul supports http and https)");
  for (const char* bad : {"", "garbage", "h/x", "://h/x", "1http://h/x", "http:/h/x",
                          "http//h/x", "-://h"}) {
    EXPECT_EQ(CheckUrl(bad).message(),
              "not a URL (expected http://HOST/... or https://HOST/...)") << bad;
  }
  for (const char* no_host : {"http://", "http:///x", "http://:80/x", "https://user@/x",
                              "http://?q", "http://#f"}) {
    EXPECT_EQ(CheckUrl(no_host).message(), "URL has no host") << no_host;
  }
  EXPECT_EQ(CheckUrl("http://h/a b").error_class(), ErrorClass::kUsage);
  EXPECT_FALSE(CheckUrl("http://h/a\r\nX: y").ok());
}

}  // namespace
}  // namespace haul::cli
