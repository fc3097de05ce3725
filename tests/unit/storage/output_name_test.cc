// Tests for src/storage/output_name.h, including hostile URLs that try to
// escape the output directory.
#include "storage/output_name.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace haul::storage {
namespace {

/// The length of the UTF-8 sequence a lead byte starts; 0 if not a lead byte.
std::size_t SequenceLength(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 0;
}

/// True if `s` is complete, well-formed UTF-8 (enough for these tests).
bool IsValidUtf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t len = SequenceLength(static_cast<unsigned char>(s[i]));
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

/// Empty if `path` is a single, ordinary name directly inside `dir`, else why not.
std::string WhyNotDirectlyInside(const std::string& dir, const std::string& path) {
  if (path.rfind(dir + "/", 0) != 0) return "not under " + dir;
  const std::string name = path.substr(dir.size() + 1);
  if (name.find('/') != std::string::npos) return "has a '/' in the name";
  if (name.empty() || name == "." || name == "..") return "empty or a dot name";
  return "";
}

TEST(PercentDecode, DecodesEscapes) {
  EXPECT_EQ(PercentDecode("a%2Fb%2fc"), "a/b/c");
  EXPECT_EQ(PercentDecode("%41%42%43"), "ABC");
  EXPECT_EQ(PercentDecode("caf%C3%A9"), "caf\xC3\xA9");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");  // '+' is only a space in forms
  EXPECT_EQ(PercentDecode("%00"), std::string(1, '\0'));
}

TEST(PercentDecode, KeepsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%4"), "%4");
  EXPECT_EQ(PercentDecode("%zz%41"), "%zzA");
  EXPECT_EQ(PercentDecode("%%41"), "%A");
  EXPECT_EQ(PercentDecode(""), "");
}

TEST(SanitizeFileName, DropsEverythingUpToTheLastSeparator) {
  EXPECT_EQ(SanitizeFileName("a/b/c.txt"), "c.txt");
  EXPECT_EQ(SanitizeFileName("..\\..\\windows\\evil.exe"), "evil.exe");
  EXPECT_EQ(SanitizeFileName("/etc/passwd"), "passwd");
  EXPECT_EQ(SanitizeFileName("dir/"), "index.html");
}

TEST(SanitizeFileName, DotNamesAndEmptyBecomeTheFallback) {
  EXPECT_EQ(SanitizeFileName(""), kFallbackName);
  EXPECT_EQ(SanitizeFileName("."), kFallbackName);
  EXPECT_EQ(SanitizeFileName(".."), kFallbackName);
  EXPECT_EQ(SanitizeFileName("x/.."), kFallbackName);
  EXPECT_EQ(SanitizeFileName(".\x01."), kFallbackName);  // ".." after stripping
  EXPECT_EQ(SanitizeFileName("..."), "...");
  EXPECT_EQ(SanitizeFileName(".hidden"), ".hidden");
}

TEST(SanitizeFileName, RemovesControlCharacters) {
  EXPECT_EQ(SanitizeFileName(std::string("a\nb\0c\x7f\x1f.txt", 11)), "abc.txt");
  EXPECT_EQ(SanitizeFileName(std::string("\0", 1)), kFallbackName);
  EXPECT_EQ(SanitizeFileName("caf\xC3\xA9 menu.pdf"), "caf\xC3\xA9 menu.pdf");
}

TEST(SanitizeFileName, CutsLongNamesTo255Bytes) {
  EXPECT_EQ(SanitizeFileName(std::string(1000, 'a')), std::string(255, 'a'));
  EXPECT_EQ(SanitizeFileName(std::string(255, 'b')), std::string(255, 'b'));
}

TEST(SanitizeFileName, CutsAtAUtf8Boundary) {
  std::string two_byte;  // byte 255 is the 2nd byte of an "é"
  for (int i = 0; i < 500; ++i) two_byte += "\xC3\xA9";
  const std::string cut2 = SanitizeFileName(two_byte);
  EXPECT_EQ(cut2.size(), 254u);
  EXPECT_TRUE(IsValidUtf8(cut2));

  std::string four_byte = "ab";  // byte 255 is inside an emoji
  for (int i = 0; i < 250; ++i) four_byte += "\xF0\x9F\x98\x80";
  const std::string cut4 = SanitizeFileName(four_byte);
  EXPECT_EQ(cut4.size(), 254u);  // 2 + 63 * 4
  EXPECT_TRUE(IsValidUtf8(cut4));

  const std::string not_utf8(600, '\x80');  // no boundary: plain byte cut
  EXPECT_EQ(SanitizeFileName(not_utf8).size(), 255u);
}

/// Empty if `name` is safe as a file name directly inside the output
/// directory, as SanitizeServerFilename promises; else why not.
std::string WhyNotSafeServerName(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return "empty or a dot name";
  if (name.front() == '.') return "a hidden (dot) file";
  if (name.size() > 255) return "longer than 255 bytes";
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '/' || c == '\\') return "has a separator";
    if (u < 0x20 || u == 0x7f) return "has a control character";
  }
  if (name.back() == '.' || name.back() == ' ') return "ends in a dot or space";
  return "";
}

/// The sanitized name, or "<none>" so a failure message shows what came back.
std::string ServerName(std::string_view name) {
  return SanitizeServerFilename(name).value_or("<none>");
}

TEST(SanitizeServerFilename, KeepsOrdinaryNames) {
  EXPECT_EQ(ServerName("report.pdf"), "report.pdf");
  EXPECT_EQ(ServerName("a b.txt"), "a b.txt");
  EXPECT_EQ(ServerName("v1.2.3.tar.gz"), "v1.2.3.tar.gz");
  EXPECT_EQ(ServerName("a..b"), "a..b");
  EXPECT_EQ(ServerName("caf\xC3\xA9 \xE2\x82\xAC.pdf"), "caf\xC3\xA9 \xE2\x82\xAC.pdf");
  EXPECT_EQ(ServerName("100%.txt"), "100%.txt");
}

TEST(SanitizeServerFilename, KeepsOnlyTheLastComponent) {
  EXPECT_EQ(ServerName("../../etc/passwd"), "passwd");
  EXPECT_EQ(ServerName("/etc/passwd"), "passwd");
  EXPECT_EQ(ServerName("..\\..\\win.ini"), "win.ini");
  EXPECT_EQ(ServerName("C:\\Windows\\System32\\evil.dll"), "evil.dll");
  EXPECT_EQ(ServerName("a/b\\c/d.txt"), "d.txt");
  EXPECT_EQ(ServerName("dir/"), "<none>");
  EXPECT_EQ(ServerName("/"), "<none>");
  EXPECT_EQ(ServerName("../"), "<none>");
  EXPECT_EQ(ServerName("x/.."), "<none>");
}

TEST(SanitizeServerFilename, DoesNotPercentDecode) {
  // The parser already decoded filename*; decoding again would turn a
  // literal "%2f" into a separator.
  EXPECT_EQ(ServerName("%2e%2e%2f"), "%2e%2e%2f");
  EXPECT_EQ(ServerName("..%2Fetc%2Fpasswd"), "%2Fetc%2Fpasswd");
}

TEST(SanitizeServerFilename, RemovesControlCharacters) {
  EXPECT_EQ(ServerName("a\nb"), "ab");
  EXPECT_EQ(ServerName(std::string("a\0b.txt", 7)), "ab.txt");
  EXPECT_EQ(ServerName("\x1b[31mred\x1b[0m.txt"), "[31mred[0m.txt");
  EXPECT_EQ(ServerName("del\x7f.txt"), "del.txt");
  EXPECT_EQ(ServerName("\r\n"), "<none>");
  EXPECT_EQ(ServerName(std::string("\0", 1)), "<none>");
  EXPECT_EQ(ServerName(std::string("..\0/x", 5)), "x");
}

TEST(SanitizeServerFilename, DotNamesGiveNullopt) {
  for (const std::string& dots :
       std::vector<std::string>{"", ".", "..", "...", "....", " . ", ". .", "  ", ".\x01.",
                                std::string(".\0.", 3), "a/..", "a\\.", "\t.\n"}) {
    EXPECT_FALSE(SanitizeServerFilename(dots).has_value()) << '"' << dots << '"';
  }
}

TEST(SanitizeServerFilename, NeverMakesADotFile) {
  EXPECT_EQ(ServerName(".bashrc"), "bashrc");
  EXPECT_EQ(ServerName("..hidden"), "hidden");
  EXPECT_EQ(ServerName(". .ssh"), "ssh");
  EXPECT_EQ(ServerName("../.profile"), "profile");
  EXPECT_EQ(ServerName(".\n.bashrc"), "bashrc");
}

TEST(SanitizeServerFilename, StripsOuterSpacesAndTrailingDots) {
  EXPECT_EQ(ServerName("  spaced name  "), "spaced name");
  EXPECT_EQ(ServerName("name."), "name");
  EXPECT_EQ(ServerName("name. . "), "name");
  EXPECT_EQ(ServerName("evil.exe . . ."), "evil.exe");
}

TEST(SanitizeServerFilename, CutsTo255BytesAtAUtf8Boundary) {
  EXPECT_EQ(ServerName(std::string(300, 'a')), std::string(255, 'a'));
  std::string euros;  // 100 three-byte characters: 300 bytes
  for (int i = 0; i < 100; ++i) euros += "\xE2\x82\xAC";
  const std::string cut3 = ServerName(euros);
  EXPECT_EQ(cut3.size(), 255u);
  EXPECT_TRUE(IsValidUtf8(cut3));
  std::string e_acute;  // 150 two-byte characters: 300 bytes
  for (int i = 0; i < 150; ++i) e_acute += "\xC3\xA9";
  const std::string cut2 = ServerName(e_acute);
  EXPECT_EQ(cut2.size(), 254u);
  EXPECT_TRUE(IsValidUtf8(cut2));
}

TEST(SanitizeServerFilename, CutThatEndsOnADotIsTrimmedAgain) {
  EXPECT_EQ(ServerName(std::string(254, 'a') + ".bbbb"), std::string(254, 'a'));
  EXPECT_EQ(ServerName(std::string(250, 'a') + " . . . . .txt"), std::string(250, 'a'));
  // Leading dots are stripped before the cut, so they do not use up bytes.
  EXPECT_EQ(ServerName(std::string(10, '.') + std::string(255, 'z')), std::string(255, 'z'));
}

TEST(SanitizeServerFilename, HostileNamesComeOutSafe) {
  const std::vector<std::string> hostile = {
      "../../etc/passwd", "/etc/passwd", "..\\..\\win.ini", "a\nb", "%2e%2e%2f",
      std::string("\0\0\0", 3), std::string("evil\0.txt", 9), "\"unbalanced.txt",
      ".", "..", "...", ".bashrc", " ", "\xC3", std::string(300, '.'),
      std::string(254, 'x') + "\xE2\x82\xAC", "..\xC2\xA0", "CON", "a/b/",
  };
  for (const std::string& name : hostile) {
    const std::optional<std::string> safe = SanitizeServerFilename(name);
    if (safe) {
      EXPECT_EQ(WhyNotSafeServerName(*safe), "") << name << " -> " << *safe;
    }
  }
}

TEST(SanitizeServerFilename, EveryShortNameOverAHostileAlphabetComesOutSafe) {
  // All 1- to 4-character strings over the characters that matter here.
  const std::string alphabet(". /\\a\0\n\x7f\xC3", 9);
  std::vector<std::string> names = {""};
  for (std::size_t length = 1; length <= 4; ++length) {
    std::vector<std::string> longer;
    for (const std::string& prefix : names) {
      if (prefix.size() + 1 != length) continue;
      for (const char c : alphabet) longer.push_back(prefix + c);
    }
    names.insert(names.end(), longer.begin(), longer.end());
  }
  std::size_t kept = 0;
  for (const std::string& name : names) {
    const std::optional<std::string> safe = SanitizeServerFilename(name);
    if (!safe) continue;
    ++kept;
    ASSERT_EQ(WhyNotSafeServerName(*safe), "") << name << " -> " << *safe;
  }
  EXPECT_GT(kept, 0u);
}

TEST(NameFromUrl, LastPathSegment) {
  EXPECT_EQ(NameFromUrl("http://h/a/b.iso"), "b.iso");
  EXPECT_EQ(NameFromUrl("http://h/a/b.iso?x=1#f"), "b.iso");
  EXPECT_EQ(NameFromUrl("http://h/a/b.iso#frag/ment"), "b.iso");
  EXPECT_EQ(NameFromUrl("https://h/x?redirect=http://evil/payload.sh"), "x");
  EXPECT_EQ(NameFromUrl("http://user:pw@h:80/x.bin"), "x.bin");
  EXPECT_EQ(NameFromUrl("http://[::1]:8080/v6.tar"), "v6.tar");
  EXPECT_EQ(NameFromUrl("ftp://h/pub/file%20name.txt"), "file name.txt");
  EXPECT_EQ(NameFromUrl("example.com/dl/f.zip"), "f.zip");
}

TEST(NameFromUrl, NoUsableSegmentGivesIndexHtml) {
  EXPECT_EQ(NameFromUrl("http://h"), "index.html");
  EXPECT_EQ(NameFromUrl("http://h/"), "index.html");
  EXPECT_EQ(NameFromUrl("http://h?q=a/b.txt"), "index.html");
  EXPECT_EQ(NameFromUrl("http://h/dir/"), "index.html");
  EXPECT_EQ(NameFromUrl("http://h/.."), "index.html");
  EXPECT_EQ(NameFromUrl("http://h/."), "index.html");
  EXPECT_EQ(NameFromUrl("http://h/%2e%2e"), "index.html");
  EXPECT_EQ(NameFromUrl("http://h/%2E%2E?x"), "index.html");
  EXPECT_EQ(NameFromUrl(""), "index.html");
}

TEST(NameFromUrl, EncodedTraversalKeepsOnlyTheLastComponent) {
  EXPECT_EQ(NameFromUrl("http://h/a%2F..%2F..%2Fetc%2Fpasswd"), "passwd");
  EXPECT_EQ(NameFromUrl("http://h/a%5C..%5C..%5Cwin.ini"), "win.ini");
  EXPECT_EQ(NameFromUrl("http://h/x/..%2F..%2F"), "index.html");
}

TEST(NameFromUrl, StripsControlCharacters) {
  EXPECT_EQ(NameFromUrl("http://h/evil%0a.txt"), "evil.txt");
  EXPECT_EQ(NameFromUrl("http://h/a%00b.bin"), "ab.bin");
  EXPECT_EQ(NameFromUrl("http://h/%0d%0a"), "index.html");
}

TEST(NameFromUrl, LongNameIsCut) {
  const std::string name = NameFromUrl("http://h/" + std::string(1000, 'n') + ".iso");
  EXPECT_EQ(name, std::string(255, 'n'));
  std::string encoded = "http://h/";
  for (int i = 0; i < 300; ++i) encoded += "%E2%82%AC";  // "€", 3 bytes each
  const std::string euro = NameFromUrl(encoded);
  EXPECT_LE(euro.size(), 255u);
  EXPECT_EQ(euro.size(), 255u);  // 85 whole characters fit exactly
  EXPECT_TRUE(IsValidUtf8(euro));
}

TEST(ResolveOutputPath, AbsoluteOutWins) {
  EXPECT_EQ(ResolveOutputPath("/dl", "/tmp/x.bin", "http://h/y"), "/tmp/x.bin");
}

TEST(ResolveOutputPath, RelativeOutGoesUnderDir) {
  EXPECT_EQ(ResolveOutputPath("/dl", "x.bin", "http://h/y"), "/dl/x.bin");
  EXPECT_EQ(ResolveOutputPath("/dl/", "sub/x.bin", "http://h/y"), "/dl/sub/x.bin");
  EXPECT_EQ(ResolveOutputPath("", "x.bin", "http://h/y"), "x.bin");
}

TEST(ResolveOutputPath, NameFromUrlWhenNoOut) {
  EXPECT_EQ(ResolveOutputPath("/dl", "", "http://h/a/b.iso?x=1"), "/dl/b.iso");
  EXPECT_EQ(ResolveOutputPath("", "", "http://h/"), "index.html");
  EXPECT_EQ(ResolveOutputPath("rel", "", "http://h/f"), "rel/f");
}

TEST(ResolveOutputPath, JoinsWithExactlyOneSlash) {
  EXPECT_EQ(ResolveOutputPath("/dl/", "", "http://h/f"), "/dl/f");
  EXPECT_EQ(ResolveOutputPath("/dl//", "", "http://h/f"), "/dl/f");
  EXPECT_EQ(ResolveOutputPath("/", "", "http://h/f"), "/f");
  EXPECT_EQ(ResolveOutputPath("//", "x", ""), "/x");
}

TEST(ResolveOutputPath, UrlNamesNeverLeaveDir) {
  const char* hostile[] = {
      "http://h/..",
      "http://h/%2e%2e",
      "http://h/a%2F..%2F..%2Fetc%2Fpasswd",
      "http://h/..%2F..%2F..%2F",
      "http://h/%2F",
      "http://h/%5C..%5C..",
      "http://h/.%00.",
  };
  for (const char* url : hostile) {
    const std::string path = ResolveOutputPath("/dl", "", url);
    EXPECT_EQ(WhyNotDirectlyInside("/dl", path), "") << url << " -> " << path;
  }
}

}  // namespace
}  // namespace haul::storage
