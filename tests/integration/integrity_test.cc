// Checksums, server-supplied file names, and bad input: the file either gets
// its name verified and inside the chosen directory, or not at all.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "harness/fault_suite.h"
#include "harness/stats.h"

namespace haul_it {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kSize = 3 * kMiB + 17;

class IntegrityTest : public FaultSuite {
 protected:
  /// `tool` (sha256sum, md5sum, ...) over the served content, in hex.
  std::string DigestOf(const std::string& tool) {
    const fs::path copy = scratch_ / "expected";
    WriteFile(copy, Content(kSize));
    const auto r = RunProcess({tool, copy.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find(' '));
  }
  std::string FileUrl(const std::string& name) { return Url(name, "size=" + std::to_string(kSize)); }

  TempDir scratch_{"haul-it-scratch-"};
};

TEST_F(IntegrityTest, EveryChecksumTypeIsVerified) {
  const std::pair<const char*, const char*> kinds[] = {
      {"sha-256", "sha256sum"}, {"sha-1", "sha1sum"}, {"sha-512", "sha512sum"}, {"md5", "md5sum"}};
  for (const auto& [type, tool] : kinds) {
    const std::string name = std::string("sum-") + type + ".bin";
    const auto r = Haul({"--checksum", std::string(type) + "=" + DigestOf(tool), FileUrl(name)});
    ASSERT_EQ(r.exit_code, 0) << type << ": " << Describe(r);
    EXPECT_TRUE(HasContent(work_ / name, kSize)) << type;
  }
}

TEST_F(IntegrityTest, MismatchNeverGetsTheFinalNameAndExits10) {
  std::string wrong = DigestOf("sha256sum");
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  const auto r = Haul({"--checksum", "sha-256=" + wrong, FileUrl("wrong.bin")});
  EXPECT_EQ(r.exit_code, 10) << Describe(r);
  EXPECT_NE(r.err.find("checksum mismatch"), std::string::npos) << r.err;
  EXPECT_TRUE(ListDir(work_.path()).empty()) << "a file that failed its checksum was kept";
}

TEST_F(IntegrityTest, ListEntriesCarryTheirOwnChecksums) {
  std::string wrong = DigestOf("md5sum");
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  const fs::path list = scratch_ / "urls.txt";
  WriteFile(list, FileUrl("good.bin") + "\n  checksum=sha-256=" + DigestOf("sha256sum") + "\n" +
                      FileUrl("bad.bin") + "\n  checksum=md5=" + wrong + "\n" +
                      FileUrl("odd.bin") + "\n  checksum=sha-3=00\n");
  const auto r = Haul({"-i", list.string()});
  // A failed checksum (10) and a bad list line (2): two classes.
  EXPECT_EQ(r.exit_code, 3) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "good.bin", kSize));
  EXPECT_FALSE(fs::exists(work_ / "bad.bin"));
  EXPECT_NE(r.err.find("urls.txt:6: checksum=: unknown checksum type 'sha-3'"), std::string::npos)
      << r.err;
  EXPECT_TRUE(HasContent(work_ / "odd.bin", kSize)) << "the entry of a bad option line still runs";
}

TEST_F(IntegrityTest, BadChecksumArgumentsAreUsageErrors) {
  for (const char* bad : {"sha-256=abc", "sha-3=00", "nonsense", "md5=zz"}) {
    const auto r = Haul({"--checksum", bad, FileUrl("x.bin")});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << Describe(r);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(ListDir(work_.path()).empty());
  }
}

/// A Content-Disposition value, percent-encoded for the fault server's cd=.
std::string Encoded(const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || ch == '.' || ch == '-' || ch == '_') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15U];
    }
  }
  return out;
}

TEST_F(IntegrityTest, ContentDispositionNamesAreSanitizedIntoTheDirectory) {
  struct Case {
    std::string header;
    std::string expected;
  };
  const Case cases[] = {
      {"attachment; filename=\"../../evil.txt\"", "evil.txt"},
      {"attachment; filename=\"/etc/passwd\"", "passwd"},
      {"attachment; filename=\"..\\\\..\\\\win.ini\"", "win.ini"},
      {"attachment; filename*=UTF-8''%2e%2e%2fsneaky.bin", "sneaky.bin"},
      {"attachment; filename=\"a\x01" "b\x7f.txt\"", "ab.txt"},
      {"attachment; filename=\"..\"", "dots.bin"},  // unusable: the URL's name
      {"inline; filename=report.pdf", "report.pdf"},
  };
  TempDir out("haul-it-out-");
  const fs::path dir = out.path() / "downloads";
  int i = 0;
  for (const Case& c : cases) {
    const std::string name = i == 5 ? "dots.bin" : "cd" + std::to_string(i) + ".bin";
    ++i;
    const auto r = Haul({"--content-disposition", "-d", dir.string(),
                         Url(name, "size=1000&cd=" + Encoded(c.header))});
    ASSERT_EQ(r.exit_code, 0) << c.header << ": " << Describe(r);
    EXPECT_TRUE(HasContent(dir / c.expected, 1000)) << c.header;
    fs::remove(dir / c.expected);
  }
  // Nothing anywhere else: not beside -d, not in the working directory.
  EXPECT_EQ(ListDir(out.path()), std::vector<std::string>{"downloads"});
  EXPECT_TRUE(ListDir(dir).empty()) << testing::PrintToString(ListDir(dir));
  EXPECT_TRUE(ListDir(work_.path()).empty());
}

TEST_F(IntegrityTest, ContentDispositionIsIgnoredUnlessAsked) {
  const auto r = Haul({Url("plain.bin", "size=1000&cd=" + Encoded("attachment; filename=x.txt"))});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "plain.bin", 1000));
}

TEST_F(IntegrityTest, ContentDispositionNeverReplacesAnExistingFile) {
  WriteFile(work_ / "taken.txt", "mine");
  const auto r = Haul({"--content-disposition",
                       Url("cdx.bin", "size=1000&cd=" + Encoded("attachment; filename=taken.txt"))});
  EXPECT_EQ(r.exit_code, 9) << Describe(r);
  EXPECT_EQ(ReadFile(work_ / "taken.txt"), "mine");
}

TEST_F(IntegrityTest, BadReliabilityOptionsAreUsageErrors) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--retries", "-1"}, {"--retries", "1000"},
        {"--retry-wait", "abc"}, {"--retry-wait", "-2"}, {"--lowest-speed-limit", "fast"},
        {"--speed-time", "0"}, {"--connect-timeout", "0"}, {"--max-speed", "1MB"},
        {"--max-overall-speed", "-1"}}) {
    std::vector<std::string> full = args;
    full.push_back(FileUrl("never.bin"));
    const auto r = Haul(full);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1] << ": " << Describe(r);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_TRUE(ListDir(work_.path()).empty());
}

}  // namespace
}  // namespace haul_it
