#include "cli/command_line.h"
#include "parse_helpers.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "haul/version.h"

namespace haul::cli {
namespace {

using parse_test::Parse;
using parse_test::ParseOk;
using parse_test::UsageError;

TEST(ParseCommandLine, DefaultsComeFromOptions) {
  const CommandLine cl = ParseOk({"http://h/f"});
  const Options defaults;
  EXPECT_EQ(cl.urls, std::vector<std::string>{"http://h/f"});
  EXPECT_EQ(cl.options.connections_per_download, 8);
  EXPECT_EQ(cl.options.jobs, 100);
  EXPECT_EQ(cl.options.max_connections, 64);
  EXPECT_EQ(cl.options.max_per_host, 16);
  EXPECT_EQ(cl.options.min_piece_size, 1U << 20);
  EXPECT_EQ(cl.options.min_piece_size, defaults.min_piece_size);
  EXPECT_FALSE(cl.options.overwrite);
  EXPECT_FALSE(cl.options.insecure);
  EXPECT_FALSE(cl.quiet || cl.verbose || cl.stats);
  EXPECT_TRUE(cl.input_file.empty() && cl.output.empty() && cl.dir.empty());
  EXPECT_TRUE(cl.options.ramp_up) << "without -x the connection count adapts";
}

TEST(ParseCommandLine, ExplicitConnectionsTurnRampUpOff) {
  EXPECT_FALSE(ParseOk({"-x", "8", "http://h/f"}).options.ramp_up);
}

TEST(ParseCommandLine, EveryOptionIsStored) {
  const CommandLine cl = ParseOk(
      {"-x", "4", "-j", "2", "--max-connections", "100", "--max-per-host", "3",
       "--min-piece-size", "64K", "--overwrite", "-q", "-v", "--stats", "-k", "-H", "A: 1",
       "--header", "B: 2", "-A", "agent/1", "-d", "out", "-o", "f.bin", "http://h/a"});
  EXPECT_EQ(cl.options.connections_per_download, 4);
  EXPECT_EQ(cl.options.jobs, 2);
  EXPECT_EQ(cl.options.max_connections, 100);
  EXPECT_EQ(cl.options.max_per_host, 3);
  EXPECT_EQ(cl.options.min_piece_size, 64U * 1024);
  EXPECT_TRUE(cl.options.overwrite && cl.options.insecure);
  EXPECT_TRUE(cl.quiet && cl.verbose && cl.stats);
  EXPECT_EQ(cl.options.headers, (std::vector<std::string>{"A: 1", "B: 2"}));
  EXPECT_EQ(cl.options.user_agent, "agent/1");
  EXPECT_EQ(cl.dir, "out");
  EXPECT_EQ(cl.output, "f.bin");
  EXPECT_EQ(cl.urls, std::vector<std::string>{"http://h/a"});
}

TEST(ParseCommandLine, AttachedAndEqualsFormsWork) {
  const CommandLine cl = ParseOk({"-x3", "--jobs=5", "-i", "-"});
  EXPECT_EQ(cl.options.connections_per_download, 3);
  EXPECT_EQ(cl.options.jobs, 5);
  EXPECT_EQ(cl.input_file, "-");
}

TEST(ParseCommandLine, HeaderDoesNotSwallowTheUrlsAfterIt) {
  const CommandLine cl = ParseOk({"-H", "A: 1", "http://h/a", "http://h/b"});
  EXPECT_EQ(cl.options.headers, std::vector<std::string>{"A: 1"});
  EXPECT_EQ(cl.urls.size(), 2U);
}

TEST(ParseCommandLine, RepeatedSingleValueOptionsTakeTheLast) {
  const CommandLine cl = ParseOk({"-x", "2", "-x", "5", "-o", "a", "-o", "b", "http://h/"});
  EXPECT_EQ(cl.options.connections_per_download, 5);
  EXPECT_EQ(cl.output, "b");
  EXPECT_EQ(UsageError({"-x", "2", "-x", "0", "http://h/"}),
            "haul: error: -x/--connections must be between 1 and 64 (got 0)\n");
}

TEST(ParseCommandLine, RepeatedHeadersAreAllKept) {
  const CommandLine cl = ParseOk({"-H", "A: 1", "-H", "B: 2", "--header=C: 3", "http://h/"});
  EXPECT_EQ(cl.options.headers, (std::vector<std::string>{"A: 1", "B: 2", "C: 3"}));
}

/// A count option and its range, for the boundary tests.
struct CountCase {
  std::string flag;
  std::string label;
  Range range;
  int Options::*field;
};

/// Names the case by its flag in test listings (instead of a byte dump).
void PrintTo(const CountCase& c, std::ostream* os) { *os << c.flag; }

class CountRangeTest : public ::testing::TestWithParam<CountCase> {};

TEST_P(CountRangeTest, BoundariesAreAcceptedAndOneBeyondIsRejected) {
  const CountCase& c = GetParam();
  const std::string min = std::to_string(c.range.min);
  const std::string max = std::to_string(c.range.max);
  EXPECT_EQ(ParseOk({c.flag, min, "http://h/"}).options.*c.field, c.range.min);
  EXPECT_EQ(ParseOk({c.flag, max, "http://h/"}).options.*c.field, c.range.max);
  const std::string below = std::to_string(c.range.min - 1);
  const std::string above = std::to_string(c.range.max + 1);
  const std::string prefix = "haul: error: " + c.label + " must be between " + min + " and " + max;
  EXPECT_EQ(UsageError({c.flag, below, "http://h/"}), prefix + " (got " + below + ")\n");
  EXPECT_EQ(UsageError({c.flag, above, "http://h/"}), prefix + " (got " + above + ")\n");
}

INSTANTIATE_TEST_SUITE_P(
    Limits, CountRangeTest,
    ::testing::Values(
        CountCase{"-x", "-x/--connections", Options::kConnectionsRange,
                  &Options::connections_per_download},
        CountCase{"--connections", "-x/--connections", Options::kConnectionsRange,
                  &Options::connections_per_download},
        CountCase{"-j", "-j/--jobs", Options::kJobsRange, &Options::jobs},
        CountCase{"--max-connections", "--max-connections", Options::kMaxConnectionsRange,
                  &Options::max_connections},
        CountCase{"--max-per-host", "--max-per-host", Options::kMaxPerHostRange,
                  &Options::max_per_host}),
    [](const ::testing::TestParamInfo<CountCase>& param_info) {
      std::string name;  // "--max-per-host" -> "maxperhost"
      for (char c : param_info.param.flag) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0) name.push_back(c);
      }
      return name;
    });

TEST(ParseCommandLine, AbsurdCountsNameTheRange) {
  EXPECT_EQ(UsageError({"-x", "0", "http://h/"}),
            "haul: error: -x/--connections must be between 1 and 64 (got 0)\n");
  EXPECT_EQ(UsageError({"-j", "-1", "http://h/"}),
            "haul: error: -j/--jobs must be between 1 and 1024 (got -1)\n");
  EXPECT_EQ(UsageError({"-x", "100000", "http://h/"}),
            "haul: error: -x/--connections must be between 1 and 64 (got 100000)\n");
  EXPECT_EQ(UsageError({"-x", "99999999999999999999999", "http://h/"}),
            "haul: error: -x/--connections must be between 1 and 64 (got 99999999999999999999999)\n");
  EXPECT_EQ(UsageError({"-j", "4294967297", "http://h/"}),
            "haul: error: -j/--jobs must be between 1 and 1024 (got 4294967297)\n");
}

TEST(ParseCommandLine, NonNumericCountIsAUsageError) {
  EXPECT_EQ(UsageError({"-x", "abc", "http://h/"}),
            "haul: error: -x/--connections must be a whole number (got 'abc')\n");
  UsageError({"-x", "4x", "http://h/"});
  UsageError({"-j", "1.5", "http://h/"});
}

TEST(ParseSize, PlainAndBinarySuffixes) {
  EXPECT_EQ(ParseSize("0"), 0U);
  EXPECT_EQ(ParseSize("1024"), 1024U);
  EXPECT_EQ(ParseSize("1K"), 1024U);
  EXPECT_EQ(ParseSize("16k"), 16U * 1024);
  EXPECT_EQ(ParseSize("1M"), 1U << 20);
  EXPECT_EQ(ParseSize("3m"), 3U << 20);
  EXPECT_EQ(ParseSize("4G"), std::uint64_t{4} << 30);
  EXPECT_EQ(ParseSize("2g"), std::uint64_t{2} << 30);
}

TEST(ParseSize, RejectsEverythingElse) {
  for (const char* bad : {"", "K", "1T", "1KB", "1KK", "-1", "+1", " 1", "1 ", "1.5M", "0x10",
                          "18446744073709551616", "17179869184G"}) {
    EXPECT_EQ(ParseSize(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(ParseSize("17179869183G"), std::uint64_t{17179869183} << 30);
}

TEST(ParseCommandLine, MinPieceSizeBoundaries) {
  EXPECT_EQ(ParseOk({"--min-piece-size", "16K", "http://h/"}).options.min_piece_size, 16384U);
  EXPECT_EQ(ParseOk({"--min-piece-size", "16384", "http://h/"}).options.min_piece_size, 16384U);
  EXPECT_EQ(ParseOk({"--min-piece-size", "4G", "http://h/"}).options.min_piece_size,
            std::uint64_t{1} << 32);
  EXPECT_EQ(UsageError({"--min-piece-size", "16383", "http://h/"}),
            "haul: error: --min-piece-size must be between 16K and 4G (got 16383)\n");
  EXPECT_EQ(UsageError({"--min-piece-size", "4294967297", "http://h/"}),
            "haul: error: --min-piece-size must be between 16K and 4G (got 4294967297)\n");
  EXPECT_EQ(UsageError({"--min-piece-size", "5G", "http://h/"}),
            "haul: error: --min-piece-size must be between 16K and 4G (got 5G)\n");
  EXPECT_EQ(UsageError({"--min-piece-size", "lots", "http://h/"}),
            "haul: error: --min-piece-size must be a size like 65536, 512K or 1M (got 'lots')\n");
}

TEST(ParseCommandLine, HeadersNeedAColon) {
  EXPECT_EQ(UsageError({"-H", "NoColon", "http://h/"}),
            "haul: error: -H/--header must look like \"Name: value\" (got \"NoColon\")\n");
  UsageError({"-H", ": no name", "http://h/"});
  UsageError({"-H", "A: 1\r\nInjected: yes", "http://h/"});
  EXPECT_EQ(ParseOk({"-H", "X-Empty:", "http://h/"}).options.headers.size(), 1U);
}

TEST(ParseCommandLine, OutputNeedsExactlyOneUrlAndNoList) {
  EXPECT_EQ(UsageError({"-o", "f", "http://h/a", "http://h/b"}),
            "haul: error: -o/--output needs exactly one URL (got 2)\n");
  UsageError({"-o", "f", "-i", "list.txt"});
  UsageError({"-o", "f", "-i", "list.txt", "http://h/a"});
  EXPECT_EQ(ParseOk({"-o", "f", "http://h/a"}).output, "f");
}

TEST(ParseCommandLine, StdoutTakesSeveralUrlsAndLists) {
  const CommandLine cl = ParseOk({"-o", "-", "http://h/a", "http://h/b"});
  EXPECT_TRUE(cl.options.to_stdout);
  EXPECT_EQ(cl.urls.size(), 2U);
  EXPECT_EQ(cl.options.stream_buffer_size, Options{}.stream_buffer_size);
  EXPECT_TRUE(ParseOk({"-o", "-", "-i", "list.txt"}).options.to_stdout);
  EXPECT_FALSE(ParseOk({"-o", "a.bin", "http://h/a"}).options.to_stdout);
}

TEST(ParseCommandLine, BufferSizeTakesSizesInItsRange) {
  EXPECT_EQ(ParseOk({"-o", "-", "--buffer-size", "64M", "http://h/a"}).options.stream_buffer_size,
            64U << 20);
  EXPECT_EQ(ParseOk({"-o", "-", "--buffer-size=1M", "http://h/a"}).options.stream_buffer_size,
            1U << 20);
  EXPECT_EQ(UsageError({"-o", "-", "--buffer-size", "512K", "http://h/a"}),
            "haul: error: --buffer-size must be between 1M and 1G (got 512K)\n");
  EXPECT_EQ(UsageError({"-o", "-", "--buffer-size", "2G", "http://h/a"}),
            "haul: error: --buffer-size must be between 1M and 1G (got 2G)\n");
  EXPECT_EQ(UsageError({"-o", "-", "--buffer-size", "lots", "http://h/a"}),
            "haul: error: --buffer-size must be a size like 4M or 64M (got 'lots')\n");
}

TEST(ParseCommandLine, StdoutRejectsNamesAndDirectories) {
  EXPECT_EQ(UsageError({"-o", "-", "-d", "out", "http://h/a"}),
            "haul: error: -d/--dir cannot be used with -o - (stdout)\n");
  EXPECT_EQ(UsageError({"-o", "-", "--content-disposition", "http://h/a"}),
            "haul: error: --content-disposition cannot be used with -o - (stdout)\n");
  EXPECT_EQ(UsageError({"-o", "-"}), "haul: error: no URLs given (pass URLs or -i FILE)\n");
}

TEST(ParseCommandLine, NoUrlsIsAUsageError) {
  EXPECT_EQ(UsageError({}), "haul: error: no URLs given (pass URLs or -i FILE)\n");
  EXPECT_EQ(UsageError({"-x", "4"}), "haul: error: no URLs given (pass URLs or -i FILE)\n");
  EXPECT_TRUE(ParseOk({"-i", "list.txt"}).urls.empty());
}

TEST(ParseCommandLine, Cli11ErrorsBecomeOneUsageLine) {
  UsageError({"--no-such-option", "http://h/"});
  UsageError({"-Z", "http://h/"});
  UsageError({"http://h/", "-x"});  // missing value
  UsageError({"http://h/", "--min-piece-size"});
  UsageError({"--overwrite=maybe", "http://h/"});
}

/// The exit request for `args`; fails the test if parsing did not ask to exit.
ExitRequest ExitFor(const std::vector<std::string>& args) {
  ParseResult r = Parse(args);
  if (!std::holds_alternative<ExitRequest>(r)) {
    ADD_FAILURE() << "expected an exit request";
    return {};
  }
  return std::get<ExitRequest>(std::move(r));
}

TEST(ParseCommandLine, HelpExitsZeroAndListsTheOptions) {
  const ExitRequest h = ExitFor({"--help"});
  EXPECT_EQ(h.code, ExitCode::kOk);
  EXPECT_FALSE(h.version);
  for (const char* flag : {"--connections", "--jobs", "--min-piece-size", "--input-file",
                           "--header", "--ca-certificate", "--stats", "Limits"}) {
    EXPECT_NE(h.text.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(ExitFor({"-h"}).code, ExitCode::kOk);
  EXPECT_EQ(ExitFor({"-x", "0", "--help"}).code, ExitCode::kOk) << "help wins over bad values";
}

TEST(ParseCommandLine, VersionExitsZero) {
  const ExitRequest v = ExitFor({"--version"});
  EXPECT_EQ(v.code, ExitCode::kOk);
  EXPECT_EQ(v.text, std::string("haul ") + kVersion + "\n");
  EXPECT_TRUE(v.version);
}

TEST(ParseCommandLine, CaCertificateMustExist) {
  const std::string missing = ::testing::TempDir() + "/haul-no-such-ca.pem";
  std::remove(missing.c_str());
  EXPECT_EQ(UsageError({"--ca-certificate", missing, "http://h/"}),
            "haul: error: --ca-certificate: cannot read " + missing +
                ": No such file or directory\n");
  const std::string present = ::testing::TempDir() + "/haul-ca.pem";
  std::FILE* f = std::fopen(present.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  EXPECT_EQ(ParseOk({"--ca-certificate", present, "http://h/"}).options.ca_certificate, present);
  std::remove(present.c_str());
}

TEST(ValidateCommandLine, IsAPureCheckOfTheStruct) {
  CommandLine cl;
  cl.urls = {"http://h/"};
  EXPECT_TRUE(ValidateCommandLine(cl).ok());
  cl.options.ca_certificate = "/no/such/file";  // files are not its business
  EXPECT_TRUE(ValidateCommandLine(cl).ok());
  cl.options.max_per_host = 0;
  const Status s = ValidateCommandLine(cl);
  EXPECT_EQ(s.error_class(), ErrorClass::kUsage);
  EXPECT_EQ(s.message(), "--max-per-host must be between 1 and 1024 (got 0)");
}

TEST(ValidateCommandLine, ChecksMinPieceSizeInBytes) {
  CommandLine cl;
  cl.urls = {"http://h/"};
  cl.options.min_piece_size = 1000;
  EXPECT_EQ(ValidateCommandLine(cl).message(),
            "--min-piece-size must be between 16K and 4G (got 1000)");
}

// --- Batches and CI caches: --skip-existing, -N, --shard -------------------

TEST(ParseCommandLine, SkipExistingAndTimestampingAreStored) {
  EXPECT_FALSE(ParseOk({"http://h/"}).options.skip_existing);
  EXPECT_FALSE(ParseOk({"http://h/"}).options.timestamping);
  EXPECT_TRUE(ParseOk({"--skip-existing", "http://h/"}).options.skip_existing);
  EXPECT_TRUE(ParseOk({"-N", "http://h/"}).options.timestamping);
  EXPECT_TRUE(ParseOk({"--timestamping", "-i", "list.txt"}).options.timestamping);
  EXPECT_TRUE(ParseOk({"-N", "--overwrite", "http://h/"}).options.timestamping);
}

TEST(ParseCommandLine, SkipExistingAndTimestampingNeedANamedFile) {
  EXPECT_NE(UsageError({"--skip-existing", "-N", "http://h/"})
                .find("--skip-existing and -N/--timestamping cannot be used together"),
            std::string::npos);
  EXPECT_NE(UsageError({"--skip-existing", "--overwrite", "http://h/"})
                .find("--skip-existing and --overwrite cannot be used together"),
            std::string::npos);
  EXPECT_NE(UsageError({"--skip-existing", "-o", "-", "http://h/"})
                .find("--skip-existing cannot be used with -o - (stdout)"),
            std::string::npos);
  EXPECT_NE(UsageError({"-N", "-o", "-", "http://h/"})
                .find("-N/--timestamping cannot be used with -o - (stdout)"),
            std::string::npos);
  EXPECT_NE(UsageError({"-N", "--content-disposition", "http://h/"})
                .find("cannot be used with --content-disposition"),
            std::string::npos);
}

TEST(ParseCommandLine, ShardIsParsedStrictly) {
  EXPECT_FALSE(ParseOk({"http://h/"}).shard.has_value());
  const CommandLine cl = ParseOk({"--shard", "2/3", "-i", "list.txt"});
  ASSERT_TRUE(cl.shard.has_value());
  EXPECT_EQ(cl.shard->index, 2u);
  EXPECT_EQ(cl.shard->count, 3u);
  EXPECT_EQ(ParseOk({"--shard=1/1", "http://h/"}).shard->count, 1u);
  for (const char* bad : {"0/3", "4/3", "1/0", "x", "1/2/3", "1.5/3"}) {
    EXPECT_EQ(UsageError({"--shard", bad, "http://h/"}),
              std::string("haul: error: --shard must be K/N with 1 <= K <= N <= 1000000 (got '") +
                  bad + "')\n");
  }
}

}  // namespace
}  // namespace haul::cli
