// The config file (--config, the default path) and its precedence under the
// command line, and the proxy and credential options.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/command_line.h"

namespace haul::cli {
namespace {

namespace fs = std::filesystem;

/// A file under GoogleTest's temp dir, removed at the end of the test.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content)
      : path_(fs::path(::testing::TempDir()) /
              ("haul-" + std::to_string(getpid()) + "-" + name)) {
    std::ofstream(path_) << content;
  }
  ~TempFile() { fs::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

ParseResult Parse(const std::vector<std::string>& args, const std::string& default_config) {
  std::vector<const char*> argv{"haul"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data(), default_config);
}

CommandLine ParseOk(const std::vector<std::string>& args, const std::string& default_config = "") {
  ParseResult r = Parse(args, default_config);
  if (auto* exit = std::get_if<ExitRequest>(&r)) {
    ADD_FAILURE() << "unexpected exit: " << exit->text;
    return {};
  }
  return std::get<CommandLine>(std::move(r));
}

/// The one usage-error line (exit code 2); fails the test otherwise.
std::string UsageError(const std::vector<std::string>& args,
                       const std::string& default_config = "") {
  ParseResult r = Parse(args, default_config);
  auto* exit = std::get_if<ExitRequest>(&r);
  if (exit == nullptr) {
    ADD_FAILURE() << "expected a usage error";
    return {};
  }
  EXPECT_EQ(static_cast<int>(exit->code), 2);
  EXPECT_EQ(exit->text.rfind("haul: error: ", 0), 0U) << exit->text;
  EXPECT_EQ(exit->text.find('\n'), exit->text.size() - 1) << "not one line: " << exit->text;
  return exit->text;
}

TEST(ConfigFile, CommandLineWinsOverTheFile) {
  const TempFile config("cli-wins.conf", "connections = 4\njobs = 3\n");
  const CommandLine cl = ParseOk({"--config", config.path(), "-x", "6", "http://h/f"});
  EXPECT_EQ(cl.options.connections_per_download, 6);
  EXPECT_EQ(cl.options.jobs, 3) << "what the command line leaves alone comes from the file";
}

TEST(ConfigFile, FileAloneApplies) {
  const TempFile config("alone.conf", "x = 4\n");
  const CommandLine cl = ParseOk({"--config", config.path(), "http://h/f"});
  EXPECT_EQ(cl.options.connections_per_download, 4);
  EXPECT_FALSE(cl.options.ramp_up) << "-x from the file is as explicit as on the command line";
}

TEST(ConfigFile, DefaultFileIsReadAndAMissingOneIsFine) {
  const TempFile config("default.conf", "max-per-host = 3\n");
  EXPECT_EQ(ParseOk({"http://h/f"}, config.path()).options.max_per_host, 3);
  EXPECT_EQ(ParseOk({"http://h/f"}, config.path() + ".missing").options.max_per_host,
            Options{}.max_per_host);
}

TEST(ConfigFile, ExplicitFileReplacesTheDefaultOneAndEmptyMeansNone) {
  const TempFile default_config("default2.conf", "jobs = 7\nretries = 9\n");
  const TempFile explicit_config("explicit.conf", "jobs = 2\n");
  const CommandLine cl = ParseOk({"--config", explicit_config.path(), "http://h/f"},
                                 default_config.path());
  EXPECT_EQ(cl.options.jobs, 2);
  EXPECT_EQ(cl.options.retries, Options{}.retries) << "the default file is not read as well";
  EXPECT_EQ(ParseOk({"--config", "", "http://h/f"}, default_config.path()).options.jobs,
            Options{}.jobs);
}

TEST(ConfigFile, MissingExplicitFileIsAUsageError) {
  const std::string missing = ::testing::TempDir() + "/haul-no-such-config";
  EXPECT_EQ(UsageError({"--config", missing, "http://h/f"}),
            "haul: error: --config: cannot read " + missing + "\n");
}

TEST(ConfigFile, UnknownKeyIsAUsageError) {
  const TempFile config("unknown.conf", "connections = 4\nsplit = 5\n");
  EXPECT_EQ(UsageError({"--config", config.path(), "http://h/f"}),
            "haul: error: config file " + config.path() + ": unknown option 'split'\n");
  // The default file is checked just as strictly.
  EXPECT_NE(UsageError({"http://h/f"}, config.path()).find("unknown option 'split'"),
            std::string::npos);
}

TEST(ConfigFile, UrlsAndVersionCannotComeFromTheFile) {
  for (const char* key : {"url", "version", "config", "help"}) {
    const TempFile config("not-configurable.conf", std::string(key) + " = x\n");
    EXPECT_EQ(UsageError({"--config", config.path(), "http://h/f"}),
              "haul: error: config file " + config.path() + ": '" + key +
                  "' cannot be set in a config file\n");
  }
}

TEST(ConfigFile, TextNumbersFlagsAndListsWork) {
  const TempFile config("types.conf",
                        "# a comment\n"
                        "min-piece-size = 64K\n"
                        "retry-wait = 0.5\n"
                        "max-speed = \"1M\"\n"
                        "insecure = true\n"
                        "header = [\"A: 1\", \"B: 2\"]\n"
                        "proxy = \"http://proxy:3128\"\n");
  const CommandLine cl = ParseOk({"--config", config.path(), "http://h/f"});
  EXPECT_EQ(cl.options.min_piece_size, 64U * 1024);
  EXPECT_EQ(cl.options.retry_wait_seconds, 0.5);
  EXPECT_EQ(cl.options.max_speed, 1U << 20);
  EXPECT_TRUE(cl.options.insecure);
  EXPECT_EQ(cl.options.headers, (std::vector<std::string>{"A: 1", "B: 2"}));
  EXPECT_EQ(cl.options.proxy, "http://proxy:3128");
}

TEST(ConfigFile, HeadersOnTheCommandLineReplaceTheFilesHeaders) {
  const TempFile config("headers.conf", "header = \"A: 1\"\n");
  EXPECT_EQ(ParseOk({"--config", config.path(), "-H", "B: 2", "http://h/f"}).options.headers,
            std::vector<std::string>{"B: 2"});
}

TEST(ConfigFile, BadValuesInTheFileGetTheUsualMessages) {
  const TempFile config("bad.conf", "connections = 0\n");
  EXPECT_EQ(UsageError({"--config", config.path(), "http://h/f"}),
            "haul: error: -x/--connections must be between 1 and 64 (got 0)\n");
}

TEST(DefaultConfigPath, FollowsXdgThenHome) {
  EXPECT_EQ(DefaultConfigPath("/x/cfg", "/home/u"), "/x/cfg/haul/config");
  EXPECT_EQ(DefaultConfigPath(nullptr, "/home/u"), "/home/u/.config/haul/config");
  EXPECT_EQ(DefaultConfigPath("", "/home/u"), "/home/u/.config/haul/config");
  EXPECT_EQ(DefaultConfigPath("relative", "/home/u"), "/home/u/.config/haul/config");
  EXPECT_EQ(DefaultConfigPath(nullptr, nullptr), "");
}

TEST(ProxyOptions, UnsetLeavesTheEnvironmentInCharge) {
  const CommandLine cl = ParseOk({"http://h/f"});
  EXPECT_FALSE(cl.options.proxy.has_value());
  EXPECT_FALSE(cl.options.noproxy.has_value());
}

TEST(ProxyOptions, EmptyProxyMeansNone) {
  const CommandLine cl = ParseOk({"--proxy", "", "--noproxy", "a.example,b", "http://h/f"});
  EXPECT_EQ(cl.options.proxy, "");
  EXPECT_EQ(cl.options.noproxy, "a.example,b");
}

TEST(Credentials, UserNeedsAPassword) {
  EXPECT_EQ(ParseOk({"-u", "me:secret", "http://h/f"}).options.user, "me:secret");
  EXPECT_EQ(ParseOk({"--user", "me:", "http://h/f"}).options.user, "me:");
  EXPECT_EQ(UsageError({"-u", "me", "http://h/f"}),
            "haul: error: -u/--user must look like USER:PASSWORD (haul does not prompt)\n");
}

TEST(Credentials, NetrcFileImpliesNetrcAndMustExist) {
  EXPECT_TRUE(ParseOk({"-n", "http://h/f"}).options.netrc);
  const TempFile netrc("netrc", "machine h login u password p\n");
  const CommandLine cl = ParseOk({"--netrc-file", netrc.path(), "http://h/f"});
  EXPECT_TRUE(cl.options.netrc);
  EXPECT_EQ(cl.options.netrc_file, netrc.path());
  const std::string missing = ::testing::TempDir() + "/haul-no-such-netrc";
  EXPECT_EQ(UsageError({"--netrc-file", missing, "http://h/f"}),
            "haul: error: --netrc-file: cannot read " + missing + ": No such file or directory\n");
}

}  // namespace
}  // namespace haul::cli
