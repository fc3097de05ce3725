// Self-checks of the fault-injecting test server (tests/fault_server) and
// of harness/fault_server.h. They talk to the server over raw sockets, so
// each fault is seen exactly as it goes on the wire, before haul is ever
// pointed at it. Most tests share one server (started on first use); the
// ones about start-up, shutdown and the connection limit start their own.
#include "harness/fault_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "harness/net.h"
#include "harness/process.h"

namespace haul_it {
namespace {

// --- a raw HTTP/1.1 client --------------------------------------------------

/// One response as parsed from the bytes a RawHttpExchange received.
struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;                            ///< decoded when chunked
  bool complete = false;                       ///< the whole framed body arrived
  std::vector<size_t> chunk_sizes;             ///< chunked only

  bool Has(const std::string& name) const { return headers.count(name) > 0; }
  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Status line and header fields of `head` (without the blank line).
void ParseHead(std::string_view head, Response* r) {
  r->status = head.size() >= 12 ? std::stoi(std::string(head.substr(9, 3))) : 0;
  for (size_t end = head.find("\r\n"); end != std::string_view::npos;) {
    head.remove_prefix(end + 2);
    end = head.find("\r\n");
    const std::string_view line = head.substr(0, end);
    const size_t colon = line.find(':');
    const size_t value = line.find_first_not_of(' ', colon + 1);
    r->headers[Lower(std::string(line.substr(0, colon)))] =
        value == std::string_view::npos ? "" : std::string(line.substr(value));
  }
}

/// Decodes chunked framing from the front of *data.
void DecodeChunked(std::string_view* data, Response* r) {
  for (;;) {  // each pass consumes a chunk or returns
    const size_t eol = data->find("\r\n");
    if (eol == std::string_view::npos) return;
    const size_t size = std::stoul(std::string(data->substr(0, eol)), nullptr, 16);
    if (data->size() < eol + 2 + size + 2) return;
    if (data->substr(eol + 2 + size, 2) != "\r\n") return;
    r->body.append(data->substr(eol + 2, size));
    data->remove_prefix(eol + 2 + size + 2);
    if (size == 0) {
      r->complete = true;
      return;
    }
    r->chunk_sizes.push_back(size);
  }
}

/// Parses the response at the front of *data and removes it; false when no
/// complete head is there. `head_request`: the response has no body.
bool ParseOne(std::string_view* data, bool head_request, Response* r) {
  const size_t end = data->find("\r\n\r\n");
  if (end == std::string_view::npos) return false;
  ParseHead(data->substr(0, end), r);
  data->remove_prefix(end + 4);
  if (head_request) {
    r->complete = true;
  } else if (Lower(r->Header("transfer-encoding")) == "chunked") {
    DecodeChunked(data, r);
  } else if (r->Has("content-length")) {
    const size_t length = std::stoul(r->Header("content-length"));
    r->body = std::string(data->substr(0, length));
    r->complete = r->body.size() == length;
    data->remove_prefix(r->body.size());
  } else {
    r->body = std::string(*data);
    data->remove_prefix(data->size());
  }
  return true;
}

/// Every response in `data`, in order (at most 16).
std::vector<Response> ParseAll(std::string_view data) {
  std::vector<Response> out;
  Response r;
  while (out.size() < 16 && ParseOne(&data, false, &r)) {
    out.push_back(std::move(r));
    r = Response();
  }
  return out;
}

/// A request for `target` with extra header lines (each ending in CRLF).
std::string Request(std::string_view target, std::string_view extra = "", bool close = true,
                    std::string_view method = "GET") {
  return std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         std::string(extra) + (close ? "Connection: close\r\n" : "") + "\r\n";
}

/// The server the tests share: started on first use, stopped at exit.
FaultServer& Shared() {
  static const std::unique_ptr<FaultServer> server = [] {
    auto s = std::make_unique<FaultServer>();
    s->Start();
    return s;
  }();
  return *server;
}

/// One request on its own connection, with the raw reply in *raw.
Response Fetch(std::string_view target, std::string_view extra = "", RawReply* raw = nullptr,
               std::string_view method = "GET") {
  const RawReply reply = RawHttpExchange(Shared().port(), Request(target, extra, true, method));
  Response r;
  std::string_view data = reply.data;
  ParseOne(&data, method == "HEAD", &r);
  if (raw != nullptr) *raw = reply;
  return r;
}

std::string RangeHeader(const std::string& range) { return "Range: bytes=" + range + "\r\n"; }

/// A TCP connection to 127.0.0.1:port held open by a test.
class OpenConnection {
 public:
  explicit OpenConnection(std::uint16_t port)
      : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~OpenConnection() { close(fd_); }
  OpenConnection(const OpenConnection&) = delete;
  OpenConnection& operator=(const OpenConnection&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& s) {
    return send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
  }
  /// What one recv() returns within `timeout_ms`: > 0 bytes, 0 at EOF, -1
  /// on an error (e.g. a reset), -2 when nothing came in time.
  ssize_t RecvSome(std::string* out, int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return -2;
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n > 0) out->append(buf, static_cast<size_t>(n));
    return n;
  }

 private:
  int fd_;
  bool connected_ = false;
};

// --- content ----------------------------------------------------------------

TEST(FaultServer, ContentIsDeterministicNonPeriodicAndVersioned) {
  const std::string c = Content(1 << 21);
  EXPECT_EQ(c, Content(1 << 21));
  for (std::uint64_t i : {0u, 1u, 7u, 8u, 12345u, 2097151u}) {
    EXPECT_EQ(static_cast<std::uint8_t>(c[i]), ContentByte(i)) << i;
  }
  std::string slice(50, '\0');
  FillContent(13, std::as_writable_bytes(std::span<char>(slice)), 0);
  EXPECT_EQ(slice, c.substr(13, 50));
  EXPECT_EQ(ContentSlice(1001, 77), c.substr(1001, 77));
  // No period: the first 64 bytes appear at no other 8-aligned offset.
  size_t repeats = 0;
  for (size_t p = 8; p + 64 <= c.size(); p += 8) {
    if (std::memcmp(c.data(), c.data() + p, 64) == 0) ++repeats;
  }
  EXPECT_EQ(repeats, 0u);
  const std::string v1 = Content(4096, 1);
  size_t same = 0;
  for (size_t i = 0; i < v1.size(); ++i) {
    if (v1[i] == c[i]) ++same;
  }
  EXPECT_LT(same, 100u);  // about 16 by chance
  EXPECT_NE(Content(4096, 1), Content(4096, 2));
}

// --- normal service ---------------------------------------------------------

TEST(FaultServer, ServesTheWholeContentWithValidators) {
  const Response r = Fetch("/whole?size=100000");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.body == Content(100000)) << "body differs from Content()";
  EXPECT_EQ(r.Header("etag"), "\"v0-100000\"");
  EXPECT_EQ(r.Header("last-modified"), "Mon, 01 Jan 2024 00:00:00 GMT");
  EXPECT_EQ(r.Header("accept-ranges"), "bytes");
  EXPECT_EQ(r.Header("content-length"), "100000");
  EXPECT_FALSE(r.Has("content-range"));
  const Response d = Fetch("/default");
  EXPECT_EQ(d.body.size(), 1048576u);
  EXPECT_TRUE(d.body == Content(1048576));
  EXPECT_TRUE(d.body.substr(0, 5) == r.body.substr(0, 5));  // the size does not change bytes
}

TEST(FaultServer, ServesSingleRangesWith206) {
  const std::string c = Content(100000);
  const struct {
    std::string range, content_range;
    size_t first, length;
  } cases[] = {{"10-19", "bytes 10-19/100000", 10, 10},
               {"99990-", "bytes 99990-99999/100000", 99990, 10},
               {"-5", "bytes 99995-99999/100000", 99995, 5},
               {"-200000", "bytes 0-99999/100000", 0, 100000},
               {"5-999999", "bytes 5-99999/100000", 5, 99995}};
  for (const auto& k : cases) {
    const Response r = Fetch("/ranges?size=100000", RangeHeader(k.range));
    EXPECT_EQ(r.status, 206) << k.range;
    EXPECT_EQ(r.Header("content-range"), k.content_range) << k.range;
    EXPECT_TRUE(r.complete && r.body == c.substr(k.first, k.length)) << k.range;
  }
  const Response head = Fetch("/ranges?size=100000", RangeHeader("10-19"), nullptr, "HEAD");
  EXPECT_EQ(head.status, 206);
  EXPECT_EQ(head.Header("content-length"), "10");
  EXPECT_EQ(head.body, "");
  // Several ranges are not supported: the whole body, as RFC 9110 allows.
  EXPECT_EQ(Fetch("/ranges?size=100", RangeHeader("0-1,5-6")).status, 200);
}

TEST(FaultServer, UnsatisfiableRangesGet416AndSizeZeroWorks) {
  Response r = Fetch("/r416?size=100", RangeHeader("100-"));
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.Header("content-range"), "bytes */100");
  EXPECT_EQ(Fetch("/r416?size=100", RangeHeader("-0")).status, 416);
  r = Fetch("/empty?size=0");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-length"), "0");
  EXPECT_TRUE(r.complete && r.body.empty());
  r = Fetch("/empty?size=0", RangeHeader("0-"));
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.Header("content-range"), "bytes */0");
}

TEST(FaultServer, IfRangeMismatchGets200WithTheWholeBody) {
  const std::string target = "/ifrange?size=1000";
  // The Range field plus an If-Range field with `validator`.
  const auto conditional = [](const std::string& validator) {
    return RangeHeader("100-199").append("If-Range: ").append(validator).append("\r\n");
  };
  EXPECT_EQ(Fetch(target, conditional("\"v0-1000\"")).status, 206);
  EXPECT_EQ(Fetch(target, conditional("Mon, 01 Jan 2024 00:00:00 GMT")).status, 206);
  for (const std::string bad : {"\"v1-1000\"", "W/\"v0-1000\"", "Tue, 02 Jan 2024 00:00:00 GMT"}) {
    const Response r = Fetch(target, conditional(bad));
    EXPECT_EQ(r.status, 200) << bad;
    EXPECT_TRUE(r.body == Content(1000)) << bad;
  }
  const Response none = Fetch(target + "&no_validators=1", conditional("\"v0-1000\""));
  EXPECT_EQ(none.status, 200);  // nothing to validate against
  EXPECT_FALSE(none.Has("etag"));
  EXPECT_FALSE(none.Has("last-modified"));
}

TEST(FaultServer, KeepsConnectionsAliveAndHonoursConnectionClose) {
  const std::string pipelined = Request("/alive?size=10", "", false) +
                                Request("/alive?size=10", RangeHeader("2-3"), false) +
                                Request("/alive?size=10");
  const RawReply reply = RawHttpExchange(Shared().port(), pipelined);
  EXPECT_FALSE(reply.timed_out);
  EXPECT_FALSE(reply.reset);
  const std::vector<Response> rs = ParseAll(reply.data);
  ASSERT_EQ(rs.size(), 3u) << reply.data;
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_EQ(rs[1].status, 206);
  EXPECT_TRUE(rs[1].body == Content(10).substr(2, 2));
  EXPECT_FALSE(rs[0].Has("connection"));
  EXPECT_EQ(rs[2].Header("connection"), "close");
  // HTTP/1.0 without keep-alive: one response, then the server closes.
  const RawReply old = RawHttpExchange(Shared().port(), "GET /alive?size=10 HTTP/1.0\r\n\r\n");
  EXPECT_FALSE(old.timed_out);
  EXPECT_EQ(ParseAll(old.data).size(), 1u);
}

// --- faults -----------------------------------------------------------------

TEST(FaultServer, IgnoreRangeSends200WithTheWholeBody) {
  const Response r = Fetch("/ignore?size=1000&ignore_range=1", RangeHeader("100-199"));
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.Has("content-range"));
  EXPECT_TRUE(r.body == Content(1000));
}

TEST(FaultServer, BadRangeMisstatesContentRangeButSendsTheRequestedBytes) {
  const std::string c = Content(100);
  Response r = Fetch("/bad?size=100&bad_range=offset", RangeHeader("10-19"));
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.Header("content-range"), "bytes 11-19/100");
  EXPECT_TRUE(r.body == c.substr(10, 10));
  r = Fetch("/bad?size=100&bad_range=total", RangeHeader("10-19"));
  EXPECT_EQ(r.Header("content-range"), "bytes 10-19/101");
  EXPECT_TRUE(r.body == c.substr(10, 10));
}

TEST(FaultServer, ResetAfterSendsNBytesThenAnRst) {
  RawReply raw;
  const Response r = Fetch("/reset?size=100000&reset_after=30000", "", &raw);
  EXPECT_TRUE(raw.reset);
  EXPECT_EQ(r.Header("content-length"), "100000");
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.body.size(), 30000u);
  EXPECT_TRUE(r.body == Content(30000));
  EXPECT_EQ(Shared().Stats("reset").bytes, 30000u);
}

TEST(FaultServer, StallAfterPausesThenFinishes) {
  RawReply raw;
  const Response r = Fetch("/stall?size=1000&stall_after=100&stall_ms=400", "", &raw);
  EXPECT_GE(raw.seconds, 0.4);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.body == Content(1000));
}

TEST(FaultServer, ShortSendsNBytesThenAFin) {
  RawReply raw;
  Response r = Fetch("/short?size=1000&short=500", "", &raw);
  EXPECT_FALSE(raw.reset);
  EXPECT_FALSE(raw.timed_out);
  EXPECT_EQ(r.Header("content-length"), "1000");
  EXPECT_EQ(r.body.size(), 500u);
  EXPECT_TRUE(r.body == Content(500));
  // The server closes even when the client asked to keep the connection.
  raw = RawHttpExchange(Shared().port(), Request("/short?size=1000&short=0", "", false));
  EXPECT_FALSE(raw.timed_out);
  EXPECT_FALSE(raw.reset);
}

TEST(FaultServer, StatusAnswersTheCodeWithRetryAfter) {
  Response r = Fetch("/status?status=503&retry_after=7");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("retry-after"), "7");
  EXPECT_FALSE(r.body.empty());
  r = Fetch("/status?status=429&retry_after=Wed,%2021%20Oct%202015%2007:28:00%20GMT");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("retry-after"), "Wed, 21 Oct 2015 07:28:00 GMT");
  for (int code : {403, 404, 410}) {
    r = Fetch("/status?status=" + std::to_string(code));
    EXPECT_EQ(r.status, code);
    EXPECT_FALSE(r.Has("retry-after"));
  }
}

TEST(FaultServer, ChangeServesANewVersionOnEveryRequest) {
  std::set<std::string> etags, modified;
  for (std::uint64_t v = 0; v < 3; ++v) {
    const Response r = Fetch("/change?size=1000&change=1");
    EXPECT_EQ(r.Header("etag"), "\"v" + std::to_string(v) + "-1000\"");
    EXPECT_TRUE(r.body == Content(1000, v)) << v;
    etags.insert(r.Header("etag"));
    modified.insert(r.Header("last-modified"));
  }
  EXPECT_EQ(etags.size(), 3u);
  EXPECT_EQ(modified.size(), 3u);
  // Resuming with the previous ETag gets the new version whole.
  const Response r =
      Fetch("/change?size=1000&change=1", RangeHeader("500-") + "If-Range: \"v2-1000\"\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == Content(1000, 3));
}

TEST(FaultServer, ChunkedFramingDecodesToTheContent) {
  RawReply raw;
  const Response r = Fetch("/chunked?size=100000&chunked=1", RangeHeader("10-"), &raw);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("transfer-encoding"), "chunked");
  EXPECT_FALSE(r.Has("content-length"));
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.body == Content(100000));
  EXPECT_GE(std::set<size_t>(r.chunk_sizes.begin(), r.chunk_sizes.end()).size(), 4u);
  const Response empty = Fetch("/chunked?size=0&chunked=1");
  EXPECT_TRUE(empty.complete);
  EXPECT_EQ(empty.body, "");
}

TEST(FaultServer, RedirectChainEndsIn200AndLoopKeepsRedirecting) {
  std::string target = "/chain?size=10&redirect=3";
  int hops = 0;
  Response r = Fetch(target);
  for (; r.status == 302 && hops < 10; ++hops) {
    target = r.Header("location");
    EXPECT_EQ(target.rfind("/chain?size=10&redirect=", 0), 0u) << target;
    r = Fetch(target);
  }
  EXPECT_EQ(hops, 3);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == Content(10));
  // An absolute Location names the Host the client used, else the server.
  r = Fetch("/chain?redirect=1&absolute=1");
  EXPECT_EQ(r.Header("location"), "http://127.0.0.1/chain?redirect=0&absolute=1");
  const RawReply no_host = RawHttpExchange(
      Shared().port(), "GET /chain?redirect=1&absolute=1 HTTP/1.1\r\nConnection: close\r\n\r\n");
  const std::vector<Response> rs = ParseAll(no_host.data);
  ASSERT_EQ(rs.size(), 1u) << no_host.data;
  EXPECT_EQ(rs[0].Header("location"), Shared().Url("chain", "redirect=0&absolute=1"));
  for (int i = 0; i < 5; ++i) {
    r = Fetch("/loop?loop=1&size=10");
    EXPECT_EQ(r.status, 302);
    EXPECT_EQ(r.Header("location"), "/loop?loop=1&size=10");
  }
}

TEST(FaultServer, ContentDispositionIsPercentDecoded) {
  const Response r =
      Fetch("/cd?size=10&cd=attachment%3B%20filename%3D%22..%2F..%2Fetc%2Fpasswd%01%1B%22");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-disposition"), "attachment; filename=\"../../etc/passwd\x01\x1b\"");
}

TEST(FaultServer, GzipEncodingIsClaimedOnlyOn206) {
  EXPECT_FALSE(Fetch("/gzip?size=100&encoding=gzip").Has("content-encoding"));
  const Response r = Fetch("/gzip?size=100&encoding=gzip", RangeHeader("0-9"));
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.Header("content-encoding"), "gzip");
  EXPECT_TRUE(r.body == Content(100).substr(0, 10));  // not actually compressed
}

TEST(FaultServer, RateThrottlesTheBody) {
  RawReply raw;
  const Response r = Fetch("/rate?size=40000&rate=100000", "", &raw);
  EXPECT_GE(raw.seconds, 0.3);  // 0.38 s at the rate
  EXPECT_TRUE(r.body == Content(40000));
}

// --- the selector -----------------------------------------------------------

TEST(FaultServer, FaultFromAndFaultCountPickRequestsByNumber) {
  const int expected[] = {200, 503, 503, 200, 200};
  for (int want : expected) {
    EXPECT_EQ(Fetch("/sel?size=10&status=503&fault_from=1&fault_count=2").status, want);
  }
}

TEST(FaultServer, FaultRangedPicksOnlyRangesStartingAfterByteZero) {
  const std::string target = "/ranged?size=1000&status=503&fault_ranged=1";
  EXPECT_EQ(Fetch(target).status, 200);
  EXPECT_EQ(Fetch(target, RangeHeader("0-99")).status, 206);
  EXPECT_EQ(Fetch(target, RangeHeader("500-")).status, 503);
  EXPECT_EQ(Fetch(target, RangeHeader("-10")).status, 503);
}

// --- counters, errors, lifecycle --------------------------------------------

TEST(FaultServer, StatsCountRequestsBodyBytesAndRanges) {
  Fetch("/counted?size=1000");
  Fetch("/counted?size=1000", RangeHeader("0-99"));
  Fetch("/counted?size=1000", RangeHeader("500-"));
  Fetch("/counted?size=1000&short=10");
  Fetch("/_stats/counted");
  const FaultStats s = Shared().Stats("counted");
  EXPECT_EQ(s.requests, 4);
  EXPECT_EQ(s.bytes, 1000u + 100u + 500u + 10u);
  EXPECT_EQ(s.ranges, (std::vector<std::string>{"", "0-99", "500-", ""}));
  const FaultStats none = Shared().Stats("/never-requested");
  EXPECT_EQ(none.requests, 0);
  EXPECT_TRUE(none.ranges.empty());
}

TEST(FaultServer, RejectsBadRequests) {
  Response r = Fetch("/bad-req?sise=10");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("sise"), std::string::npos) << r.body;
  EXPECT_EQ(Fetch("/bad-req?size=ten").status, 400);
  EXPECT_EQ(Fetch("/bad-req?status=200").status, 400);
  r = Fetch("/bad-req", "", nullptr, "POST");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "GET, HEAD");
  EXPECT_EQ(Fetch("/bad-req", "Content-Length: 5\r\n").status, 400);
  RawReply raw;
  r = Fetch("/bad-req", "X-Big: " + std::string(17 * 1024, 'x') + "\r\n", &raw);
  EXPECT_EQ(r.status, 400);
  EXPECT_FALSE(raw.timed_out);
}

TEST(FaultServer, StartsOnAFreePortAndStopsWithExitCode0) {
  FaultServer server;
  server.Start();
  ASSERT_TRUE(server.running());
  EXPECT_NE(server.port(), 0);
  EXPECT_TRUE(PortAccepts(server.port()));
  EXPECT_EQ(server.Url("a.bin", "size=1"), server.base_url() + "/a.bin?size=1");
  EXPECT_EQ(server.Url("/a.bin"), server.base_url() + "/a.bin");
  const pid_t pid = server.pid();
  EXPECT_EQ(server.Stop(), 0) << server.log();
  EXPECT_EQ(kill(pid, 0), -1);  // reaped
  EXPECT_EQ(server.Stop(), -1);
}

TEST(FaultServer, StopsPromptlyWithAStalledConnectionOpen) {
  FaultServer server;
  server.Start();
  OpenConnection c(server.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(Request("/stalled?size=100&stall_after=0&stall_ms=60000")));
  std::string got;
  EXPECT_GT(c.RecvSome(&got, 5000), 0);  // the head, then nothing
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server.Stop(), 0) << server.log();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(FaultServer, HonoursPortAndRejectsBadArguments) {
  RunOptions options;
  options.timeout = std::chrono::seconds(10);
  EXPECT_EQ(RunProcess({FaultServerBinary(), "--port", "x"}, options).exit_code, 2);
  EXPECT_EQ(RunProcess({FaultServerBinary(), "--bogus"}, options).exit_code, 2);
  TempDir dir;
  const std::uint16_t port = FreePort();
  const pid_t pid =
      SpawnBackground({FaultServerBinary(), "--port", std::to_string(port)}, dir / "log");
  bool up = false;
  for (int i = 0; i < 250 && !up; ++i) {  // at most 5 s
    up = PortAccepts(port);
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(up);
  kill(pid, SIGTERM);
  int status = 0;
  EXPECT_TRUE(WaitForExitStatus(pid, std::chrono::seconds(5), &status));
  StopProcess(pid, std::chrono::seconds(1));  // only if it did not exit
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(FaultServer, ClosesConnectionsBeyond256) {
  FaultServer server;
  server.Start();
  std::vector<std::unique_ptr<OpenConnection>> held;
  held.reserve(256);
  for (int i = 0; i < 256; ++i) held.push_back(std::make_unique<OpenConnection>(server.port()));
  OpenConnection extra(server.port());
  ASSERT_TRUE(extra.connected());
  std::string got;
  const ssize_t n = extra.RecvSome(&got, 5000);
  EXPECT_TRUE(n == 0 || n == -1) << n;  // closed without a word
  EXPECT_EQ(got, "");
  // The last one within the limit is served.
  ASSERT_TRUE(held.back()->Send(Request("/limit?size=3")));
  EXPECT_GT(held.back()->RecvSome(&got, 5000), 0);
  EXPECT_EQ(got.rfind("HTTP/1.1 200 ", 0), 0u) << got;
  held.clear();
  // Once they are gone, new connections are served again.
  bool served = false;
  for (int i = 0; i < 40 && !served; ++i) {  // at most 2 s
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    served =
        RawHttpExchange(server.port(), Request("/limit?size=3")).data.rfind("HTTP/1.1 200 ", 0) ==
        0;
  }
  EXPECT_TRUE(served);
}

}  // namespace
}  // namespace haul_it
