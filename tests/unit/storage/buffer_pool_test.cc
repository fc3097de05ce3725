// Tests for src/storage/buffer_pool.h.
#include "storage/buffer_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace haul::storage {
namespace {

/// The counters as one comparable line, so a mismatch shows all of them.
std::string Describe(const BufferPool::Stats& s) {
  return "hits=" + std::to_string(s.hits) + " misses=" + std::to_string(s.misses) +
         " refusals=" + std::to_string(s.refusals) + " peak_out=" + std::to_string(s.peak_out);
}

TEST(BufferPool, AcquireGivesEmptyBufferOfUnitSize) {
  BufferPool pool(4096, 2);
  EXPECT_EQ(pool.unit(), 4096u);
  EXPECT_EQ(pool.max_buffers(), 2u);
  std::unique_ptr<Buffer> b = pool.Acquire();
  ASSERT_NE(b, nullptr);
  ASSERT_NE(b->data, nullptr);
  EXPECT_EQ(b->capacity, 4096u);
  EXPECT_EQ(b->size, 0u);
  EXPECT_EQ(b->free_space(), 4096u);
  b->data[4095] = std::byte{1};  // the whole capacity is usable (ASan checks)
  pool.Release(std::move(b));
}

TEST(BufferPool, NeverMoreThanMaxOutAndRefusalsCounted) {
  BufferPool pool(64, 3);
  std::unique_ptr<Buffer> a = pool.Acquire();
  std::unique_ptr<Buffer> b = pool.Acquire();
  std::unique_ptr<Buffer> c = pool.Acquire();
  EXPECT_TRUE(a && b && c);
  EXPECT_EQ(pool.Acquire(), nullptr);
  EXPECT_EQ(pool.Acquire(), nullptr);
  EXPECT_EQ(Describe(pool.stats()), "hits=0 misses=3 refusals=2 peak_out=3");

  pool.Release(std::move(c));
  std::unique_ptr<Buffer> d = pool.Acquire();  // a slot came back
  EXPECT_NE(d, nullptr);
  EXPECT_EQ(pool.Acquire(), nullptr);
  EXPECT_EQ(Describe(pool.stats()), "hits=1 misses=3 refusals=3 peak_out=3");
  pool.Release(std::move(a));
  pool.Release(std::move(b));
  pool.Release(std::move(d));
}

TEST(BufferPool, ReleasedBuffersAreReusedAsHits) {
  BufferPool pool(64, 4);
  std::unique_ptr<Buffer> a = pool.Acquire();
  a->size = 10;
  Buffer* const raw = a.get();
  pool.Release(std::move(a));
  std::unique_ptr<Buffer> again = pool.Acquire();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again.get(), raw);
  EXPECT_EQ(again->size, 0u);  // handed out empty
  EXPECT_EQ(Describe(pool.stats()), "hits=1 misses=1 refusals=0 peak_out=1");
  pool.Release(std::move(again));
}

TEST(BufferPool, HookCalledOnEveryRelease) {
  BufferPool pool(64, 2);
  int calls = 0;
  pool.SetOnAvailable([&] { ++calls; });
  std::unique_ptr<Buffer> a = pool.Acquire();
  std::unique_ptr<Buffer> b = pool.Acquire();
  EXPECT_EQ(calls, 0);
  pool.Release(std::move(a));
  EXPECT_EQ(calls, 1);
  pool.Release(std::move(b));
  EXPECT_EQ(calls, 2);
  pool.Release(nullptr);  // ignored: no buffer came back
  EXPECT_EQ(calls, 2);
  pool.SetOnAvailable(nullptr);
  pool.Release(pool.Acquire());
  EXPECT_EQ(calls, 2);
}

TEST(BufferPool, HookRunsOutsideTheLock) {
  using namespace std::chrono_literals;
  BufferPool pool(64, 1);
  std::future<BufferPool::Stats> probe;
  bool probe_finished_in_hook = false;
  // From another thread, so a hook run under the lock makes the test fail
  // (timeout) instead of deadlocking it.
  pool.SetOnAvailable([&] {
    probe = std::async(std::launch::async, [&] { return pool.stats(); });
    probe_finished_in_hook = probe.wait_for(10s) == std::future_status::ready;
  });
  pool.Release(pool.Acquire());
  EXPECT_TRUE(probe_finished_in_hook);
  EXPECT_EQ(probe.get().misses, 1u);
}

TEST(BufferPool, ConcurrentUseStaysWithinBound) {
  constexpr std::size_t kMax = 4;
  BufferPool pool(32, kMax);
  std::atomic<int> out{0};
  std::atomic<int> worst{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        std::unique_ptr<Buffer> b = pool.Acquire();
        if (!b) continue;
        const int now = out.fetch_add(1) + 1;
        int seen = worst.load();
        while (now > seen && !worst.compare_exchange_weak(seen, now)) {
        }
        out.fetch_sub(1);
        pool.Release(std::move(b));
      }
    });
  }
  for (std::thread& th : threads) th.join();
  const BufferPool::Stats s = pool.stats();
  EXPECT_LE(worst.load(), static_cast<int>(kMax));
  EXPECT_LE(s.peak_out, kMax);
  EXPECT_LE(s.misses, kMax);  // never allocated more than the bound
  EXPECT_EQ(s.hits + s.misses + s.refusals, 8u * 2000u);
}

TEST(BufferPool, KeepFreeLeavesAReserveOnlyOthersMayTake) {
  // The stream to stdout keeps buffers for the transfer at its write
  // position: callers passing keep_free stop while that many remain.
  BufferPool pool(64, 4);
  std::vector<std::unique_ptr<Buffer>> out;
  out.push_back(pool.Acquire(2));
  out.push_back(pool.Acquire(2));
  ASSERT_NE(out[0], nullptr);
  ASSERT_NE(out[1], nullptr);
  EXPECT_EQ(pool.Acquire(2), nullptr);  // two left: the reserve
  out.push_back(pool.Acquire(1));       // one may go to a smaller reserve
  ASSERT_NE(out.back(), nullptr);
  out.push_back(pool.Acquire());        // and the last to a caller without one
  ASSERT_NE(out.back(), nullptr);
  EXPECT_EQ(pool.Acquire(), nullptr);
  EXPECT_EQ(pool.stats().refusals, 2U);
  pool.Release(std::move(out.back()));
  out.pop_back();
  EXPECT_EQ(pool.Acquire(1), nullptr);  // one free is not more than the reserve of 1
  for (auto& b : out) pool.Release(std::move(b));
  EXPECT_EQ(pool.stats().peak_out, 4U);
}

}  // namespace
}  // namespace haul::storage
