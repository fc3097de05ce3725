// Tests for src/storage/reorder_window.h and src/storage/stream_output.h.
#include "storage/reorder_window.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <numeric>
#include <random>
#include <thread>
#include <string>
#include <vector>

#include "storage/stream_output.h"

namespace haul::storage {
namespace {

/// A buffer of `n` bytes, byte i holding the low bits of (offset + i).
std::unique_ptr<Buffer> Bytes(std::uint64_t offset, std::size_t n) {
  auto b = std::make_unique<Buffer>();
  b->data = std::make_unique<std::byte[]>(std::max<std::size_t>(n, 1));
  b->capacity = std::max<std::size_t>(n, 1);
  b->size = n;
  for (std::size_t i = 0; i < n; ++i) b->data[i] = static_cast<std::byte>((offset + i) & 0xff);
  return b;
}

/// Appends the bytes of `buffers` to `out`.
void Append(std::vector<std::unique_ptr<Buffer>>& buffers, std::string& out) {
  for (const auto& b : buffers) out.append(reinterpret_cast<const char*>(b->data.get()), b->size);
}

std::string Expected(std::uint64_t offset, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>((offset + i) & 0xff));
  return s;
}

TEST(ReorderWindow, HoldsBuffersAheadOfTheGapUntilItFills) {
  ReorderWindow w;
  w.Add(100, Bytes(100, 50));
  w.Add(150, Bytes(150, 50));
  EXPECT_EQ(w.contiguous_end(), 0U);
  EXPECT_TRUE(w.TakeReady(8).empty());  // byte 0 is missing
  EXPECT_EQ(w.held_bytes(), 100U);
  w.Add(0, Bytes(0, 100));  // fills the gap: all three are contiguous now
  EXPECT_EQ(w.contiguous_end(), 200U);
  auto ready = w.TakeReady(2);
  ASSERT_EQ(ready.size(), 2U);  // at most as many as asked
  EXPECT_EQ(w.queued(), 150U);
  EXPECT_EQ(w.written(), 0U);
  std::string out;
  Append(ready, out);
  ready = w.TakeReady(8);
  Append(ready, out);
  EXPECT_EQ(out, Expected(0, 200));
  EXPECT_EQ(w.queued(), 200U);
  EXPECT_EQ(w.held_bytes(), 0U);
  w.Written(200);
  EXPECT_EQ(w.written(), 200U);
}

TEST(ReorderWindow, AnyArrivalOrderComesOutInOrder) {
  // 64 buffers of uneven sizes, added in 20 random orders, each taken as
  // soon as possible: the output is always the bytes in order.
  std::mt19937 rng(7);
  std::vector<std::pair<std::uint64_t, std::size_t>> pieces;
  std::uint64_t at = 0;
  for (int i = 0; i < 64; ++i) {
    const std::size_t n = 1 + rng() % 300;
    pieces.emplace_back(at, n);
    at += n;
  }
  for (int round = 0; round < 20; ++round) {
    std::shuffle(pieces.begin(), pieces.end(), rng);
    ReorderWindow w;
    std::string out;
    for (const auto& [offset, n] : pieces) {
      w.Add(offset, Bytes(offset, n));
      auto ready = w.TakeReady(3);
      Append(ready, out);
      w.Written(w.queued() - w.written());
    }
    auto rest = w.TakeReady(1000);
    Append(rest, out);
    ASSERT_EQ(out, Expected(0, at)) << "round " << round;
    EXPECT_EQ(w.held_buffers(), 0U);
  }
}

TEST(ReorderWindow, DropHeldGivesBackWhatWasNotHandedOut) {
  ReorderWindow w;
  w.Add(0, Bytes(0, 10));
  w.Add(20, Bytes(20, 10));
  auto ready = w.TakeReady(8);
  ASSERT_EQ(ready.size(), 1U);
  EXPECT_EQ(w.contiguous_end(), 10U);
  auto dropped = w.DropHeld();
  EXPECT_EQ(dropped.size(), 1U);
  EXPECT_EQ(w.held_bytes(), 0U);
  EXPECT_EQ(w.queued(), 10U);  // what was handed out stays handed out
  EXPECT_EQ(w.contiguous_end(), 10U);
  w.Add(10, Bytes(10, 5));  // the output goes on from there
  EXPECT_EQ(w.contiguous_end(), 15U);
}

/// A pipe whose ends close themselves.
struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() { EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0); }
  ~Pipe() {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
  void CloseRead() {
    ::close(fds[0]);
    fds[0] = -1;
  }
};

TEST(WriteInOrder, WritesEveryBufferInOrderThroughANonBlockingPipe) {
  // 1 MiB into a 64 KiB pipe that is non-blocking: the writer must wait for
  // the reader instead of failing with EAGAIN or dropping bytes.
  Pipe p;
  ASSERT_EQ(::fcntl(p.fds[1], F_SETFL, O_NONBLOCK), 0);
  std::vector<std::unique_ptr<Buffer>> buffers;
  std::uint64_t at = 0;
  for (int i = 0; i < 16; ++i) {
    buffers.push_back(Bytes(at, 65536));
    at += 65536;
  }
  std::string got;
  std::thread reader([&] {
    char chunk[4096];
    for (;;) {  // bounded: ends at EOF when the writer closes
      const ssize_t n = ::read(p.fds[0], chunk, sizeof chunk);
      if (n <= 0) break;
      got.append(chunk, static_cast<std::size_t>(n));
    }
  });
  std::uint64_t written = 0;
  const Status s = WriteInOrder(p.fds[1], buffers, written);
  ::close(p.fds[1]);
  p.fds[1] = -1;
  reader.join();
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(written, at);
  EXPECT_EQ(got, Expected(0, at));
}

TEST(WriteInOrder, AClosedReaderIsOutputClosed) {
  std::signal(SIGPIPE, SIG_IGN);  // as haul's main does
  Pipe p;
  p.CloseRead();
  std::vector<std::unique_ptr<Buffer>> buffers;
  buffers.push_back(Bytes(0, 100));
  std::uint64_t written = 7;
  const Status s = WriteInOrder(p.fds[1], buffers, written);
  EXPECT_EQ(s.error_class(), ErrorClass::kOutputClosed);
  EXPECT_EQ(written, 0U);
}

TEST(WriteInOrder, ABadDescriptorIsAnIoError) {
  std::vector<std::unique_ptr<Buffer>> buffers;
  buffers.push_back(Bytes(0, 10));
  std::uint64_t written = 0;
  const Status s = WriteInOrder(-1, buffers, written);
  EXPECT_EQ(s.error_class(), ErrorClass::kIo);
  EXPECT_NE(s.message().find("stdout"), std::string::npos);
}

}  // namespace
}  // namespace haul::storage
