// Self-checks of the integration harness. They run without haul, so the
// harness is known to work before the binary it tests does: processes are
// run and killed as promised, nginx serves what we expect (ranges, no
// ranges, TLS with HTTP/2), and the access log counts TCP connections.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "harness/access_log.h"
#include "harness/files.h"
#include "harness/net.h"
#include "harness/nginx_server.h"
#include "harness/process.h"
#include "harness/stats.h"
#include "harness/tinyproxy.h"

namespace haul_it {
namespace {

namespace fs = std::filesystem;

// --- RunProcess -------------------------------------------------------------

TEST(RunProcessTest, CapturesExitCodeStdoutAndStderr) {
  const ProcessResult r = RunProcess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(RunProcessTest, LargeOutputOnBothPipesDoesNotDeadlock) {
  // Far more than a pipe buffer (64 KiB) on each stream at once.
  const ProcessResult r = RunProcess(
      {"sh", "-c", "head -c 3000000 /dev/zero; head -c 2000000 /dev/zero >&2"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out.size(), 3000000u);
  EXPECT_EQ(r.err.size(), 2000000u);
}

TEST(RunProcessTest, FeedsStdinAndHonoursCwd) {
  TempDir dir;
  RunOptions options;
  options.cwd = dir.path();
  options.stdin_data = std::string(1 << 20, 'x') + "end";
  const ProcessResult r = RunProcess({"sh", "-c", "cat; pwd >&2"}, options);
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out, options.stdin_data);
  EXPECT_EQ(r.err, dir.path().string() + "\n");
}

TEST(RunProcessTest, EnvSetsAndRemovesVariables) {
  RunOptions options;
  options.env = {"HAUL_IT_A=1", "HAUL_IT_A=2", "PATH", "PATH=/usr/bin:/bin", "HOME"};
  const ProcessResult r =
      RunProcess({"/bin/sh", "-c", "echo \"$HAUL_IT_A|$PATH|${HOME-unset}\""}, options);
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out, "2|/usr/bin:/bin|unset\n");
}

TEST(RunProcessTest, KillsTheChildAtTheTimeout) {
  RunOptions options;
  options.timeout = std::chrono::milliseconds(300);
  const ProcessResult r = RunProcess({"sleep", "30"}, options);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, 128 + SIGKILL);
  EXPECT_LT(r.seconds, 10.0);
}

TEST(RunProcessTest, ReportsASignalAsExitCode128PlusSignal) {
  const ProcessResult r = RunProcess({"sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(r.exit_code, 128 + SIGTERM);
}

TEST(RunProcessTest, SlowReaderReadsInSmallChunksWithPauses) {
  // 20 reads of at most 1000 bytes, each followed by 10 ms: at least 0.2 s.
  RunOptions options;
  options.stdout_chunk = 1000;
  options.stdout_pause = std::chrono::milliseconds(10);
  const ProcessResult r = RunProcess({"head", "-c", "20000", "/dev/zero"}, options);
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out, std::string(20000, '\0'));
  EXPECT_GE(r.seconds, 0.2);
}

TEST(RunProcessTest, StdoutLimitClosesThePipeLikeHead) {
  // An endless writer gets EPIPE (here: dies of SIGPIPE) once 100 bytes
  // were read and the pipe closed.
  RunOptions options;
  options.stdout_chunk = 100;
  options.stdout_limit = 100;
  options.timeout = std::chrono::seconds(10);
  const ProcessResult r = RunProcess({"cat", "/dev/zero"}, options);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 128 + SIGPIPE) << Describe(r);
  EXPECT_EQ(r.out, std::string(100, '\0'));
}

TEST(RunProcessTest, MissingProgramThrows) {
  EXPECT_THROW(RunProcess({"/nonexistent/haul-it-no-such-program"}), std::runtime_error);
}

// --- files ------------------------------------------------------------------

TEST(FilesTest, RandomFilesAreDeterministicAndComparedByteExactly) {
  TempDir dir;
  WriteRandomFile(dir / "a", 100003, 7);
  WriteRandomFile(dir / "b", 100003, 7);
  WriteRandomFile(dir / "c", 100003, 8);
  WriteRandomFile(dir / "short", 100002, 7);
  EXPECT_EQ(fs::file_size(dir / "a"), 100003u);
  EXPECT_TRUE(FilesEqual(dir / "a", dir / "b"));
  EXPECT_FALSE(FilesEqual(dir / "a", dir / "c"));
  EXPECT_FALSE(FilesEqual(dir / "a", dir / "short"));
  EXPECT_FALSE(FilesEqual(dir / "a", dir / "missing"));
  EXPECT_EQ(Sha256Hex(dir / "a"), Sha256Hex(dir / "b"));
  EXPECT_EQ(Sha256Hex(dir / "a").size(), 64u);
}

TEST(FilesTest, TempDirIsRemoved) {
  fs::path where;
  {
    TempDir dir;
    where = dir.path();
    WriteFile(dir / "sub/file", "x");
    ASSERT_TRUE(fs::exists(where / "sub/file"));
  }
  EXPECT_FALSE(fs::exists(where));
}

// --- parsers ----------------------------------------------------------------

TEST(AccessLogTest, ParsesTheConfiguredFormat) {
  AccessLogEntry e;
  ASSERT_TRUE(ParseAccessLogLine(
      "17 3 206 1048576 \"GET /big.bin HTTP/1.1\" \"bytes=0-1048575\"", &e));
  EXPECT_EQ(e.connection, 17u);
  EXPECT_EQ(e.connection_requests, 3u);
  EXPECT_EQ(e.status, 206);
  EXPECT_EQ(e.body_bytes, 1048576u);
  EXPECT_EQ(e.method, "GET");
  EXPECT_EQ(e.target, "/big.bin");
  EXPECT_EQ(e.protocol, "HTTP/1.1");
  EXPECT_EQ(e.range, "bytes=0-1048575");
  EXPECT_FALSE(ParseAccessLogLine("garbage", &e));
  EXPECT_EQ(DistinctConnections({e, e}), 1u);
}

TEST(StatsTest, ParsesKnownKeysOnly) {
  const auto stats = ParseStats(
      "haul: error: http://x/: boom\n"
      "downloads ok: 3\ndownloads failed: 1\nbytes: 42\nwall seconds: 0.125\n"
      "connections opened: 2\nsomething else: 9\n");
  EXPECT_EQ(StatInt(stats, "downloads ok"), 3u);
  EXPECT_EQ(StatInt(stats, "downloads failed"), 1u);
  EXPECT_EQ(StatInt(stats, "connections opened"), 2u);
  EXPECT_EQ(stats.at("wall seconds"), "0.125");
  EXPECT_FALSE(StatInt(stats, "wall seconds").has_value());
  EXPECT_EQ(stats.count("something else"), 0u);
  EXPECT_FALSE(StatInt(stats, "requests").has_value());
}

// --- nginx ------------------------------------------------------------------

/// A minimal HTTP/1.1 client on one keep-alive TCP connection to 127.0.0.1,
/// just enough to check the server and its log without haul.
class RawHttpConnection {
 public:
  explicit RawHttpConnection(std::uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{10, 0};  // a stuck server fails the test instead of hanging it
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawHttpConnection() { close(fd_); }
  RawHttpConnection(const RawHttpConnection&) = delete;
  RawHttpConnection& operator=(const RawHttpConnection&) = delete;

  bool connected() const { return connected_; }

  /// Sends a GET (with an optional Range) and returns "STATUS BODY".
  std::string Get(const std::string& target, const std::string& range = {}) {
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!range.empty()) req += "Range: " + range + "\r\n";
    req += "\r\n";
    if (send(fd_, req.data(), req.size(), MSG_NOSIGNAL) < 0) return "send failed";
    while (buf_.find("\r\n\r\n") == std::string::npos && Fill()) {
    }
    const size_t head_end = buf_.find("\r\n\r\n");
    if (head_end == std::string::npos) return "no response";
    const std::string head = buf_.substr(0, head_end);
    const size_t cl = head.find("Content-Length: ");
    const size_t length = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 16));
    while (buf_.size() < head_end + 4 + length && Fill()) {
    }
    const std::string body = buf_.substr(head_end + 4, length);
    buf_.erase(0, head_end + 4 + length);
    return head.substr(9, 3) + " " + body;
  }

 private:
  bool Fill() {
    char chunk[65536];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

TEST(NginxServerTest, ServesFilesAndLogsOneConnectionPerTcpConnection) {
  NginxOptions options;
  options.server_extra = "location /noranges/ { max_ranges 0; }";
  NginxServer server(options);
  WriteFile(server.docroot() / "hello.txt", "hello world");
  WriteFile(server.docroot() / "noranges/hello.txt", "hello world");
  const std::uint64_t mark = server.AccessLogSize();
  {
    RawHttpConnection c1(server.port());
    ASSERT_TRUE(c1.connected());
    EXPECT_EQ(c1.Get("/hello.txt"), "200 hello world");
    EXPECT_EQ(c1.Get("/hello.txt", "bytes=6-10"), "206 world");
    EXPECT_EQ(c1.Get("/noranges/hello.txt", "bytes=6-10"), "200 hello world");
    RawHttpConnection c2(server.port());
    EXPECT_EQ(c2.Get("/missing").substr(0, 4), "404 ");
  }
  const auto entries = ReadSettledAccessLog(server.access_log(), mark);
  ASSERT_EQ(entries.size(), 4u) << ReadFile(server.access_log());
  EXPECT_EQ(DistinctConnections(entries), 2u);
  EXPECT_EQ(DistinctConnections(entries, "/hello.txt"), 1u);
  EXPECT_EQ(entries[1].range, "bytes=6-10");
  EXPECT_EQ(entries[1].status, 206);
  EXPECT_EQ(entries[2].connection_requests, 3u);
  EXPECT_EQ(entries[3].status, 404);
}

TEST(NginxServerTest, StopsByPidAndRemovesItsDirectory) {
  pid_t pid = -1;
  std::uint16_t port = 0;
  fs::path root;
  {
    NginxServer server;
    pid = server.pid();
    port = server.port();
    root = server.docroot();
    ASSERT_TRUE(PortAccepts(port));
  }
  EXPECT_EQ(kill(pid, 0), -1);  // reaped: no such process
  EXPECT_EQ(errno, ESRCH);
  EXPECT_FALSE(PortAccepts(port));
  EXPECT_FALSE(fs::exists(root));
}

TEST(NginxServerTest, ServesHttp2OverTlsWithItsSelfSignedCertificate) {
  NginxOptions options;
  options.tls = true;
  NginxServer server(options);
  EXPECT_EQ(server.base_url().rfind("https://127.0.0.1:", 0), 0u);
  RunOptions run;
  run.timeout = std::chrono::seconds(30);
  run.stdin_data = "\n";  // s_client exits at the end of its stdin
  const ProcessResult r = RunProcess(
      {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(server.port()),
       "-CAfile", server.cert_path().string(), "-verify_return_error", "-verify_ip",
       "127.0.0.1", "-alpn", "h2"},
      run);
  EXPECT_EQ(r.exit_code, 0) << Describe(r) << r.out;
  EXPECT_NE(r.out.find("Verify return code: 0 (ok)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ALPN protocol: h2"), std::string::npos) << r.out;
}

TEST(TinyProxyTest, ForwardsToNginxLogsTheRequestAndStopsByPid) {
  NginxServer server;
  WriteFile(server.docroot() / "p.txt", "through the proxy\n");
  std::uint16_t port = 0;
  {
    TinyProxy proxy;
    port = proxy.port();
    // A proxy request by hand: the absolute URL in the request line.
    RunOptions run;
    run.timeout = std::chrono::seconds(30);
    const ProcessResult r = RunProcess(
        {"python3", "-c",
         "import socket,sys\n"
         "s=socket.create_connection(('127.0.0.1'," + std::to_string(port) + "))\n"
         "s.sendall(b'GET " + server.Url("/p.txt") + " HTTP/1.0\\r\\n\\r\\n')\n"
         "d=b''\n"
         "while True:\n"
         "  c=s.recv(65536)\n"
         "  if not c: break\n"
         "  d+=c\n"
         "sys.stdout.write(d.decode())\n"},
        run);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.out.find("through the proxy"), std::string::npos) << r.out;
    EXPECT_NE(proxy.Log().find("GET " + server.Url("/p.txt")), std::string::npos) << proxy.Log();
  }
  EXPECT_FALSE(PortAccepts(port));
}

TEST(NetTest, FreePortHasNothingListening) {
  EXPECT_FALSE(PortAccepts(FreePort()));
}

}  // namespace
}  // namespace haul_it
