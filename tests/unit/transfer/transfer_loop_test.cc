// Tests for src/transfer/transfer_loop.h without a network: a tiny keep-alive
// HTTP server on 127.0.0.1 (a free port, in this process) answers every
// request with "hello". The full behaviour is covered by the integration
// tests against nginx; these check the slot pool: start/stop, and idle slots
// retiring one by one while their connections stay in the multi's cache.
//
// Receivers and stats belong to the loop thread, so the test reads them
// through OnLoop (Post + a future), never directly.
#include "transfer/transfer_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <latch>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace haul::transfer {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// Answers every HTTP/1.1 request on every connection with a 5-byte body and
/// keeps the connection open. One thread, one poll loop; stops on destruction.
class HelloServer {
 public:
  HelloServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;  // the kernel picks a free port
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    socklen_t len = sizeof addr;
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    if (listen_fd_ < 0 || ::bind(listen_fd_, sa, len) != 0 || ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, sa, &len) != 0) {
      std::perror("HelloServer");
      std::abort();
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~HelloServer() {
    stop_.store(true);
    thread_.join();
    ::close(listen_fd_);
  }
  HelloServer(const HelloServer&) = delete;
  HelloServer& operator=(const HelloServer&) = delete;

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hello"; }
  /// Connections accepted so far.
  int accepted() const { return accepted_.load(); }

 private:
  static constexpr std::string_view kResponse =
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

  // Until stopped: accept, read requests, answer each complete one.
  void Serve() {
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    std::vector<std::string> pending{""};  // unparsed bytes per fd
    while (!stop_.load()) {
      if (::poll(fds.data(), static_cast<nfds_t>(fds.size()), 20) <= 0) continue;
      // Backwards, so erasing a closed connection keeps earlier indices valid.
      for (std::size_t i = fds.size(); i-- > 1;) {
        if (fds[i].revents == 0) continue;
        if (!ReadAndAnswer(fds[i].fd, pending[i])) {
          ::close(fds[i].fd);
          fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i));
          pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(i));
        }
      }
      if ((fds[0].revents & POLLIN) != 0) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
          accepted_.fetch_add(1);
          fds.push_back({fd, POLLIN, 0});
          pending.emplace_back();
        }
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) ::close(fds[i].fd);
  }

  // False when the connection is closed or broken.
  static bool ReadAndAnswer(int fd, std::string& pending) {
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    pending.append(buf, static_cast<std::size_t>(n));
    for (std::size_t end = pending.find("\r\n\r\n"); end != std::string::npos;
         end = pending.find("\r\n\r\n")) {
      pending.erase(0, end + 4);
      // A few dozen bytes into an empty socket buffer: one write takes them.
      if (::write(fd, kResponse.data(), kResponse.size()) !=
          static_cast<ssize_t>(kResponse.size())) {
        return false;
      }
    }
    return true;
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

/// Records what the loop reported, on the loop thread.
struct RecordingReceiver : Receiver {
  HeadVerdict OnHead(const ResponseHead& head, Status&) override {
    status = head.status;
    return HeadVerdict::kAccept;
  }
  BodyVerdict OnBody(std::span<const std::byte> data) override {
    body += std::string(reinterpret_cast<const char*>(data.data()), data.size());
    return {};
  }
  void OnDone(const TransferResult& result) override {
    done = true;
    ok = result.status.ok();
    connects = result.connects;
  }
  long status = 0;
  std::string body;
  bool done = false;
  bool ok = false;
  long connects = -1;
};

/// Runs `fn` on the loop thread and returns its result. A loop that does not
/// answer within 20 s is a bug: abort rather than hang.
template <typename Fn>
auto OnLoop(TransferLoop& loop, Fn fn) -> decltype(fn()) {
  std::promise<decltype(fn())> promise;
  std::future<decltype(fn())> result = promise.get_future();
  loop.Post([&] { promise.set_value(fn()); });
  if (result.wait_for(20s) != std::future_status::ready) {
    std::fputs("the loop thread did not run a posted task\n", stderr);
    std::abort();
  }
  return result.get();
}

/// Polls `done` on the loop thread until it holds or 20 s pass.
template <typename Fn>
bool WaitOnLoop(TransferLoop& loop, Fn done) {
  const auto deadline = Clock::now() + 20s;
  while (!OnLoop(loop, done)) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

Request HelloRequest(const HelloServer& server) {
  Request r;
  r.url = server.Url();
  r.host_key = HostKeyOf(r.url);
  return r;
}

TEST(TransferLoop, StartsTicksAndStopsWithoutTransfers) {
  std::latch ticked(3);
  std::atomic<int> ticks{0};
  TransferLoop loop(LoopOptions{});
  ASSERT_TRUE(loop.Start([&] {
    if (ticks.fetch_add(1) < 3) ticked.count_down();
  }).ok());
  ticked.wait();  // the tick runs on its own, at least every 100 ms
  loop.Stop();
  loop.Stop();  // idempotent
  const LoopStats& s = loop.stats();
  EXPECT_EQ(s.requests, 0u);
  EXPECT_EQ(s.slots_created, 0);
  EXPECT_EQ(s.slots_alive, 0);
}

TEST(TransferLoop, IdleSlotsRetireOneByOneAndKeepTheirConnections) {
  constexpr auto kInterval = 50ms;
  constexpr auto kMinAge = 100ms;
  HelloServer server;
  RecordingReceiver first[3];
  RecordingReceiver again;
  LoopOptions options;
  options.max_slots = 4;
  options.max_per_host = 4;
  options.slot_retire_interval = kInterval;
  options.slot_retire_min_age = kMinAge;
  TransferLoop loop(options);
  ASSERT_TRUE(loop.Start([] {}).ok());

  // Three transfers at once: three slots, three connections.
  const Clock::time_point before_creation = Clock::now();
  const std::vector<TransferHandle> handles = OnLoop(loop, [&] {
    std::vector<TransferHandle> h;
    for (RecordingReceiver& r : first) {
      if (auto handle = loop.TryStart(HelloRequest(server), &r)) h.push_back(*handle);
    }
    return h;
  });
  ASSERT_EQ(handles.size(), 3u);
  ASSERT_TRUE(WaitOnLoop(loop, [&] { return first[0].done && first[1].done && first[2].done; }));
  for (const RecordingReceiver& r : first) {
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello");
  }

  // Idle, they retire one per interval, the first no sooner than min_age
  // after the last creation.
  ASSERT_TRUE(WaitOnLoop(loop, [&] { return loop.stats().slots_alive == 0; }));
  EXPECT_GE(Clock::now() - before_creation, kMinAge + 2 * kInterval);
  LoopStats s = OnLoop(loop, [&] { return loop.stats(); });
  EXPECT_EQ(s.slots_created, 3);
  EXPECT_EQ(s.slots_retired, 3);
  EXPECT_EQ(s.peak_active, 3);
  EXPECT_EQ(s.connections_opened, 3u);

  // A new transfer re-creates the easy handle in an existing slot (same index
  // range) and reuses a connection from the multi's cache: freeing the easy
  // handles did not close them.
  const std::optional<TransferHandle> handle =
      OnLoop(loop, [&] { return loop.TryStart(HelloRequest(server), &again); });
  ASSERT_TRUE(handle.has_value());
  EXPECT_LT(*handle, 3u);
  ASSERT_TRUE(WaitOnLoop(loop, [&] { return again.done; }));
  EXPECT_TRUE(again.ok);
  EXPECT_EQ(again.body, "hello");
  EXPECT_EQ(again.connects, 0);
  s = OnLoop(loop, [&] { return loop.stats(); });
  EXPECT_EQ(s.slots_created, 4);
  EXPECT_EQ(s.requests_reused, 1u);
  EXPECT_EQ(server.accepted(), 3);
  loop.Stop();
}

}  // namespace
}  // namespace haul::transfer
