// Many small downloads at once, over plain HTTP and over HTTPS with HTTP/2:
// every file byte-exact, and connections reused across downloads (at most
// -j of them). Also TLS verification: a self-signed certificate fails
// without --ca-certificate or -k.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "harness/access_log.h"
#include "harness/files.h"
#include "harness/nginx_suite.h"
#include "harness/stats.h"

namespace haul_it {
namespace {

namespace fs = std::filesystem;

/// Writes `count` files of 4..16 KiB under docroot/batch/ and returns a list
/// file naming their URLs, one per line.
std::string MakeBatch(const NginxServer& server, int count) {
  std::string list;
  for (int i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "f%03d.bin", i);
    const auto n = static_cast<std::uint64_t>(i);
    WriteRandomFile(server.docroot() / "batch" / name, 4096 + (n * 7919) % 12289, 1000 + n);
    list += server.Url(std::string("/batch/") + name) + "\n";
  }
  return list;
}

/// Success when every batch file arrived byte-exact in `dir`.
testing::AssertionResult BatchArrived(const NginxServer& server, const fs::path& dir,
                                      int count) {
  for (int i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "f%03d.bin", i);
    auto same = FilesEqual(server.docroot() / "batch" / name, dir / name);
    if (!same) return same;
  }
  return testing::AssertionSuccess();
}

class BatchTest : public NginxSuite<BatchTest> {
 public:
  static NginxOptions ServerOptions() { return {}; }
};

TEST_F(BatchTest, ThreeHundredSmallFilesReuseAtMost16Connections) {
  constexpr int kFiles = 300;
  WriteFile(work_ / "list.txt", MakeBatch(server(), kFiles));
  const std::uint64_t mark = server().AccessLogSize();
  const ProcessResult r = Haul({"-i", "list.txt", "-j", "16", "-d", "out", "--stats"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(BatchArrived(server(), work_ / "out", kFiles));
  EXPECT_EQ(ListDir(work_ / "out").size(), static_cast<size_t>(kFiles));

  const auto entries = ReadSettledAccessLog(server().access_log(), mark);
  EXPECT_LE(DistinctConnections(entries, "/batch/"), 16u)
      << "connections were not reused across downloads";
  if (DistinctConnections(entries, "/batch/") > 16) ADD_FAILURE() << FormatEntries(entries);
  const auto stats = ParseStats(r.err);
  EXPECT_EQ(StatInt(stats, "downloads ok"), static_cast<std::uint64_t>(kFiles)) << r.err;
  EXPECT_EQ(StatInt(stats, "downloads failed"), 0u) << r.err;
}

class HttpsBatchTest : public NginxSuite<HttpsBatchTest> {
 public:
  static NginxOptions ServerOptions() {
    NginxOptions options;
    options.tls = true;
    return options;
  }
};

TEST_F(HttpsBatchTest, HundredFilesOverHttp2ReuseAtMost16Connections) {
  constexpr int kFiles = 100;
  WriteFile(work_ / "list.txt", MakeBatch(server(), kFiles));
  const std::uint64_t mark = server().AccessLogSize();
  const ProcessResult r = Haul({"-i", "list.txt", "-j", "16", "-d", "out",
                                "--ca-certificate", server().cert_path().string()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(BatchArrived(server(), work_ / "out", kFiles));

  const auto entries = ReadSettledAccessLog(server().access_log(), mark);
  EXPECT_LE(DistinctConnections(entries, "/batch/"), 16u) << FormatEntries(entries);
  for (const auto& e : entries) {
    ASSERT_EQ(e.protocol, "HTTP/2.0") << e.method << " " << e.target << " was not HTTP/2";
  }
}

TEST_F(HttpsBatchTest, DefaultsKeepManyStreamsInFlightOnOneConnection) {
  // With the default -j, once the host has answered over HTTP/2 its small
  // files go as streams on the warm connection, far more at once than the
  // 16 connections --max-per-host allows, and still one or two connections.
  constexpr int kFiles = 200;
  WriteFile(work_ / "list.txt", MakeBatch(server(), kFiles));
  const std::uint64_t mark = server().AccessLogSize();
  const ProcessResult r = Haul({"--stats", "-i", "list.txt", "-d", "out", "--ca-certificate",
                                server().cert_path().string()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(BatchArrived(server(), work_ / "out", kFiles));
  const auto peak = StatInt(ParseStats(r.err), "peak transfer slots");
  ASSERT_TRUE(peak.has_value()) << r.err;
  EXPECT_GT(*peak, 16u) << "no more than --max-per-host requests in flight on HTTP/2\n" << r.err;
  const auto entries = ReadSettledAccessLog(server().access_log(), mark);
  EXPECT_LE(DistinctConnections(entries, "/batch/"), 2u) << FormatEntries(entries);
}

TEST_F(HttpsBatchTest, SplitFileUsesHttp2ForTheFirstRequestAndHttp11ForSegments) {
  // docs/architecture.md: segments go over HTTP/1.1 so that each is its own
  // TCP connection; the first request may multiplex over HTTP/2.
  WriteRandomFile(Served("split.bin"), 16 << 20, 17);
  const std::uint64_t mark = server().AccessLogSize();
  const ProcessResult r = Haul({"-x", "4", "--ca-certificate", server().cert_path().string(),
                                Url("/split.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("split.bin"), work_ / "split.bin"));

  const auto entries = ReadSettledAccessLog(server().access_log(), mark);
  ASSERT_GE(entries.size(), 2u) << FormatEntries(entries);
  EXPECT_GE(DistinctConnections(entries), 2u) << FormatEntries(entries);
  int first_requests = 0;
  for (const auto& e : entries) {
    if (e.range == "bytes=0-") {
      ++first_requests;
      EXPECT_EQ(e.protocol, "HTTP/2.0") << FormatEntries(entries);
    } else {
      EXPECT_EQ(e.protocol, "HTTP/1.1") << FormatEntries(entries);
      EXPECT_EQ(e.status, 206) << FormatEntries(entries);
    }
  }
  EXPECT_EQ(first_requests, 1) << FormatEntries(entries);
}

TEST_F(HttpsBatchTest, SelfSignedCertificateFailsWithExit5WithoutCaOrInsecure) {
  WriteRandomFile(Served("tls.bin"), 20 * 1024, 9);
  const std::string url = Url("/tls.bin");
  const ProcessResult r = Haul({url});
  EXPECT_EQ(r.exit_code, 5) << Describe(r);
  EXPECT_NE(r.err.find("haul: error: " + url + ": "), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(work_ / "tls.bin"));
}

TEST_F(HttpsBatchTest, InsecureAcceptsTheSelfSignedCertificate) {
  WriteRandomFile(Served("tls-k.bin"), 20 * 1024, 10);
  const ProcessResult r = Haul({"-k", Url("/tls-k.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("tls-k.bin"), work_ / "tls-k.bin"));
}

}  // namespace
}  // namespace haul_it
