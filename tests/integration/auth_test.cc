// Credentials, end to end, against nginx's auth_basic: -u/--user,
// --netrc-file, --netrc with $HOME/.netrc, wrong or missing credentials
// (401, exit 6), and that -u is not sent to another host after a redirect.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "harness/files.h"
#include "harness/nginx_suite.h"
#include "harness/process.h"
#include "harness/stats.h"

namespace haul_it {
namespace {

class AuthTest : public NginxSuite<AuthTest> {
 public:
  static NginxOptions ServerOptions() {
    NginxOptions options;
    // A relative auth_basic_user_file is taken from nginx.conf's directory,
    // so "www/htpasswd" is the docroot's htpasswd (written by each test).
    // /redirect-same/ sends the client to /private/ on the same host,
    // /redirect-other/ to another host name (localhost) of the same server.
    options.server_extra =
        "location /private/ { auth_basic \"haul\"; auth_basic_user_file www/htpasswd; }\n"
        "location /redirect-same/ { return 302 /private/f.bin; }\n"
        "location /redirect-other/ {\n"
        "  return 302 http://localhost:$server_port/private/f.bin;\n"
        "}\n";
    return options;
  }

 protected:
  void SetUp() override {
    NginxSuite<AuthTest>::SetUp();
    if (HasFatalFailure()) return;
    WriteFile(Served("htpasswd"), "u:{PLAIN}p\n");
    WriteRandomFile(Served("private/f.bin"), 4 * kMiB, 71);
  }

  /// Exit 0, the file byte-exact, and split (so range requests carried the
  /// credentials too).
  void ExpectDownloaded(const ProcessResult& r) {
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(FilesEqual(Served("private/f.bin"), work_ / "f.bin"));
    EXPECT_GT(StatInt(ParseStats(r.err), "requests").value_or(0), 1u) << r.err;
  }
};

TEST_F(AuthTest, WithoutCredentialsTheServersRefusalExits6) {
  const ProcessResult r = Haul({"-q", Url("/private/f.bin")});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
  EXPECT_NE(r.err.find("401"), std::string::npos) << r.err;
}

TEST_F(AuthTest, UserOption) {
  ExpectDownloaded(Haul({"-x", "4", "--stats", "-u", "u:p", Url("/private/f.bin")}));
}

TEST_F(AuthTest, WrongPasswordExits6) {
  const ProcessResult r = Haul({"-q", "-u", "u:wrong", Url("/private/f.bin")});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
}

TEST_F(AuthTest, NetrcFile) {
  WriteFile(work_ / "creds", "machine 127.0.0.1 login u password p\n");
  ExpectDownloaded(Haul({"-x", "4", "--stats", "--netrc-file", "creds", Url("/private/f.bin")}));
}

TEST_F(AuthTest, NetrcFileWithAWrongPasswordExits6) {
  WriteFile(work_ / "creds", "machine 127.0.0.1 login u password nope\n");
  const ProcessResult r = Haul({"-q", "--netrc-file", "creds", Url("/private/f.bin")});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
}

TEST_F(AuthTest, UserWinsOverNetrc) {
  WriteFile(work_ / "creds", "machine 127.0.0.1 login u password nope\n");
  const ProcessResult r = Haul({"-q", "-u", "u:p", "--netrc-file", "creds", Url("/private/f.bin")});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
}

TEST_F(AuthTest, NetrcReadsHomeDotNetrc) {
  WriteFile(work_ / "home/.netrc", "machine 127.0.0.1\n  login u\n  password p\n");
  const std::string home = "HOME=" + (work_ / "home").string();
  ExpectDownloaded(HaulEnv({"-x", "4", "--stats", "--netrc", Url("/private/f.bin")}, {home}));
  // Without --netrc the file is not read.
  std::filesystem::remove(work_ / "f.bin");
  EXPECT_EQ(HaulEnv({"-q", Url("/private/f.bin")}, {home}).exit_code, 6);
}

TEST_F(AuthTest, NetrcWithoutAFileIsNoErrorJustNoCredentials) {
  const std::string home = "HOME=" + (work_ / "empty-home").string();
  EXPECT_EQ(HaulEnv({"-q", "-n", Url("/private/f.bin")}, {home}).exit_code, 6);
}

TEST_F(AuthTest, UserFollowsARedirectOnTheSameHost) {
  const ProcessResult r = Haul({"-u", "u:p", Url("/redirect-same/x")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("private/f.bin"), work_ / "f.bin") ||
              FilesEqual(Served("private/f.bin"), work_ / "x"));
}

TEST_F(AuthTest, UserIsNotSentToAnotherHostAfterARedirect) {
  // localhost is the same nginx under another name: with the credentials
  // it would answer 200, so a 401 shows they were not sent.
  const ProcessResult r = Haul({"-q", "-u", "u:p", Url("/redirect-other/x")});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
}

TEST_F(AuthTest, MissingNetrcFileIsAUsageError) {
  const ProcessResult r = Haul({"--netrc-file", "none", Url("/private/f.bin")});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_EQ(NonEmptyLines(r.err).size(), 1u) << r.err;
}

}  // namespace
}  // namespace haul_it
