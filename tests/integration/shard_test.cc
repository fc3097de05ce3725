// --shard K/N: three runs with --shard 1/3, 2/3 and 3/3 over the same URLs
// (some on the command line, the rest in a list) into one directory fetch
// every file exactly once between them.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "harness/access_log.h"
#include "harness/files.h"
#include "harness/nginx_suite.h"
#include "harness/stats.h"

namespace haul_it {
namespace {

class ShardTest : public NginxSuite<ShardTest> {
 public:
  static NginxOptions ServerOptions() { return {}; }
};

TEST_F(ShardTest, ThreeShardsTogetherFetchEveryFileExactlyOnce) {
  constexpr int kFiles = 12;
  constexpr int kOnCommandLine = 2;  // the rest go in the list
  std::vector<std::string> names;
  std::vector<std::string> args;
  std::string list;
  for (int i = 0; i < kFiles; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "s%02d.bin", i);
    names.emplace_back(name);
    WriteRandomFile(Served(std::string("shard/") + name), 2000 + 97 * static_cast<unsigned>(i),
                    100 + static_cast<unsigned>(i));
    const std::string url = Url(std::string("/shard/") + name);
    if (i < kOnCommandLine) {
      args.push_back(url);
    } else {
      list += url + "\n";
    }
  }
  WriteFile(work_ / "list.txt", list);

  const std::uint64_t mark = server().AccessLogSize();
  std::uint64_t ok_total = 0;
  for (int k = 1; k <= 3; ++k) {
    std::vector<std::string> run = {"--shard", std::to_string(k) + "/3", "-d", "out", "--stats",
                                    "-i", "list.txt"};
    run.insert(run.end(), args.begin(), args.end());
    const ProcessResult r = Haul(run);
    // A file taken by two shards would fail the later run with "exists" (9).
    ASSERT_EQ(r.exit_code, 0) << "shard " << k << "/3: " << Describe(r);
    const auto stats = ParseStats(r.err);
    ASSERT_TRUE(StatInt(stats, "downloads ok").has_value()) << r.err;
    EXPECT_EQ(StatInt(stats, "downloads failed"), 0u) << r.err;
    ok_total += *StatInt(stats, "downloads ok");
  }
  EXPECT_EQ(ok_total, static_cast<std::uint64_t>(kFiles));
  EXPECT_EQ(ListDir(work_ / "out"), names);
  for (const std::string& name : names) {
    EXPECT_TRUE(FilesEqual(Served("shard/" + name), work_ / "out" / name));
  }
  std::map<std::string, int> requests;
  for (const AccessLogEntry& e : ReadSettledAccessLog(server().access_log(), mark)) {
    ++requests[e.target];
  }
  EXPECT_EQ(requests.size(), static_cast<std::size_t>(kFiles));
  for (const auto& [target, count] : requests) {
    EXPECT_EQ(count, 1) << target << " was requested " << count << " times";
  }
}

TEST_F(ShardTest, OneShardOfOneIsTheWholeBatch) {
  WriteRandomFile(Served("whole/a.bin"), 1000, 1);
  WriteRandomFile(Served("whole/b.bin"), 1000, 2);
  const ProcessResult r =
      Haul({"--shard", "1/1", "--stats", Url("/whole/a.bin"), Url("/whole/b.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(StatInt(ParseStats(r.err), "downloads ok"), 2u) << r.err;
}

TEST_F(ShardTest, ABadShardIsAOneLineUsageError) {
  const ProcessResult r = Haul({"--shard", "4/3", Url("/whole/a.bin")});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_EQ(r.err, "haul: error: --shard must be K/N with 1 <= K <= N <= 1000000 (got '4/3')\n");
}

}  // namespace
}  // namespace haul_it
