// Tests for src/storage/writer_pool.h. Workers are held on latches so queue
// states are reached deterministically; a wait polls with a deadline instead
// of assuming a sleep was long enough. The elastic tests use real time with
// short retire intervals and assert only what the leaky-bucket policy
// guarantees (lower bounds on elapsed time, final counts); the policy itself
// is tested on a fake clock in tests/unit/util/elastic_test.cc.
#include "storage/writer_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <latch>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace haul::storage {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// The counters as one comparable line, so a mismatch shows all of them.
std::string Describe(const WriterPool::Stats& s) {
  return "created=" + std::to_string(s.threads_created) +
         " retired=" + std::to_string(s.threads_retired) +
         " peak=" + std::to_string(s.peak_threads) + " alive=" + std::to_string(s.threads_alive);
}

/// Polls `done` until it holds or 20 s pass (a hung pool fails, not hangs).
bool WaitUntil(const std::function<bool()>& done) {
  const auto deadline = Clock::now() + 20s;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// Posts `n` tasks that each block on `gate`, one at a time, waiting until
/// each has started, so every one of them occupies its own thread.
void OccupyThreads(WriterPool& pool, int n, std::latch& gate, std::atomic<int>& started) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(pool.Post([&] {
      started.fetch_add(1);
      gate.wait();
    }));
    ASSERT_TRUE(WaitUntil([&] { return started.load() >= i + 1; })) << "task " << i;
  }
}

TEST(WriterPool, RunsEveryTask) {
  std::atomic<int> ran{0};
  std::mutex mu;
  std::set<std::thread::id> ids;
  {
    WriterPool pool(3, 1000);
    for (int i = 0; i < 500; ++i) {
      ASSERT_TRUE(pool.Post([&] {
        ran.fetch_add(1);
        std::lock_guard lock(mu);
        ids.insert(std::this_thread::get_id());
      }));
    }
    pool.Stop();
    EXPECT_EQ(ran.load(), 500);
  }
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);  // off the caller's thread
}

TEST(WriterPool, PostFailsWhenQueueIsFull) {
  constexpr int kThreads = 2;
  constexpr std::size_t kCapacity = 3;
  std::latch started(kThreads);
  std::latch gate(1);
  std::atomic<int> ran{0};
  WriterPool pool(kThreads, kCapacity);
  EXPECT_EQ(pool.queue_capacity(), kCapacity);
  // Occupy every worker, so nothing leaves the queue.
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(pool.Post([&] {
      started.count_down();
      gate.wait();
      ran.fetch_add(1);
    }));
  }
  started.wait();
  for (std::size_t i = 0; i < kCapacity; ++i) {
    EXPECT_TRUE(pool.Post([&] { ran.fetch_add(1); })) << "task " << i;
  }
  EXPECT_FALSE(pool.Post([&] { ran.fetch_add(100); }));  // full: not queued
  gate.count_down();
  pool.Stop();
  EXPECT_EQ(ran.load(), kThreads + static_cast<int>(kCapacity));
}

TEST(WriterPool, StopDrainsQueuedTasks) {
  std::latch started(1);
  std::latch gate(1);
  std::atomic<int> ran{0};
  WriterPool pool(1, 100000);
  ASSERT_TRUE(pool.Post([&] {
    started.count_down();
    gate.wait();
  }));
  started.wait();
  int expected = 50;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.Post([&] { ran.fetch_add(1); }));

  std::thread stopper([&] { pool.Stop(); });
  // Once Post fails, Stop has begun while 50+ tasks still wait behind the
  // blocked worker; the queue is far too large to be full.
  while (pool.Post([&] { ran.fetch_add(1); })) ++expected;
  gate.count_down();
  stopper.join();
  EXPECT_EQ(ran.load(), expected);
}

TEST(WriterPool, PostFailsAfterStopAndStopIsIdempotent) {
  WriterPool pool(2, 10);
  pool.Stop();
  bool ran = false;
  EXPECT_FALSE(pool.Post([&] { ran = true; }));
  pool.Stop();
  EXPECT_FALSE(ran);
}

TEST(WriterPool, DestructorRunsQueuedTasks) {
  std::atomic<int> ran{0};
  {
    WriterPool pool(1, 100);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(pool.Post([&] { ran.fetch_add(1); }));
  }
  EXPECT_EQ(ran.load(), 20);
}

TEST(WriterPool, ZeroThreadsStillRunsTasks) {
  std::atomic<int> ran{0};
  {
    WriterPool pool(0, 10);
    ASSERT_TRUE(pool.Post([&] { ran.fetch_add(1); }));
  }
  EXPECT_EQ(ran.load(), 1);
}

TEST(WriterPool, TasksMayPostMoreWork) {
  std::atomic<int> ran{0};
  std::latch done(1);
  WriterPool pool(2, 10);
  ASSERT_TRUE(pool.Post([&] {
    ran.fetch_add(1);
    EXPECT_TRUE(pool.Post([&] {
      ran.fetch_add(1);
      done.count_down();
    }));
  }));
  done.wait();
  pool.Stop();
  EXPECT_EQ(ran.load(), 2);
}

TEST(WriterPool, StartsWithOneThread) {
  WriterPool pool(4, 10);
  EXPECT_EQ(pool.max_threads(), 4);
  EXPECT_EQ(Describe(pool.stats()), "created=1 retired=0 peak=1 alive=1");
  pool.Stop();
  EXPECT_EQ(Describe(pool.stats()), "created=1 retired=0 peak=1 alive=0");
}

TEST(WriterPool, GrowsOneThreadPerBlockedTaskUpToTheMax) {
  constexpr int kMax = 4;
  std::latch gate(1);
  std::atomic<int> started{0};
  std::atomic<int> ran{0};
  WriterPool pool(kMax, 100);
  OccupyThreads(pool, kMax, gate, started);
  EXPECT_EQ(Describe(pool.stats()), "created=4 retired=0 peak=4 alive=4");
  // At the maximum, more work waits in the queue instead of adding threads.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool.Post([&] { ran.fetch_add(1); }));
  EXPECT_EQ(Describe(pool.stats()), "created=4 retired=0 peak=4 alive=4");
  gate.count_down();
  pool.Stop();
  EXPECT_EQ(ran.load(), 10);
  EXPECT_EQ(started.load(), kMax);
  EXPECT_EQ(Describe(pool.stats()), "created=4 retired=0 peak=4 alive=0");
}

TEST(WriterPool, IdleThreadsRetireOneByOneDownToOne) {
  constexpr auto kInterval = 50ms;
  constexpr auto kMinAge = 100ms;
  std::latch gate(1);
  std::atomic<int> started{0};
  WriterPool pool(4, 100, kInterval, kMinAge);
  // The last thread is created inside the last Post, so after this instant.
  Clock::time_point before_last_creation;
  for (int i = 0; i < 4; ++i) {
    before_last_creation = Clock::now();
    ASSERT_TRUE(pool.Post([&] {
      started.fetch_add(1);
      gate.wait();
    }));
    ASSERT_TRUE(WaitUntil([&] { return started.load() == i + 1; }));
  }
  ASSERT_EQ(pool.stats().threads_alive, 4);
  gate.count_down();
  ASSERT_TRUE(WaitUntil([&] { return pool.stats().threads_alive == 1; }))
      << Describe(pool.stats());
  // First retirement no sooner than min_age after the last creation, then
  // one per interval: three retirements take at least this long.
  EXPECT_GE(Clock::now() - before_last_creation, kMinAge + 2 * kInterval);
  EXPECT_EQ(Describe(pool.stats()), "created=4 retired=3 peak=4 alive=1");
  // The floor holds however long the pool stays idle.
  std::this_thread::sleep_for(4 * kInterval);
  EXPECT_EQ(pool.stats().threads_alive, 1);
  // And the pool still works, and grows again when it must.
  std::latch gate2(1);
  std::atomic<int> started2{0};
  OccupyThreads(pool, 2, gate2, started2);
  EXPECT_EQ(Describe(pool.stats()), "created=5 retired=3 peak=4 alive=2");
  gate2.count_down();
  pool.Stop();  // before gate2 goes out of scope
}

TEST(WriterPool, StopJoinsIdleAndBusyThreads) {
  std::latch gate(1);
  std::atomic<int> started{0};
  std::atomic<int> ran{0};
  WriterPool pool(4, 100);
  OccupyThreads(pool, 3, gate, started);
  // All three finish and go idle; then one is held busy while more work
  // arrives, so Stop begins with both idle and busy threads.
  gate.count_down();
  std::latch gate2(1);
  std::latch busy(1);
  ASSERT_TRUE(pool.Post([&] {
    busy.count_down();
    gate2.wait();
    ran.fetch_add(1);
  }));
  busy.wait();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(pool.Post([&] { ran.fetch_add(1); }));
  std::thread stopper([&] { pool.Stop(); });
  gate2.count_down();
  stopper.join();
  EXPECT_EQ(ran.load(), 6);
  const WriterPool::Stats s = pool.stats();
  EXPECT_EQ(s.threads_alive, 0);
  EXPECT_EQ(s.threads_retired, 0u);  // the default intervals are far longer than this test
}

TEST(WriterPool, StopJoinsAThreadThatJustRetired) {
  // Tiny intervals: threads retire as soon as they are idle, so Stop meets
  // retired-but-unjoined threads; each must be joined exactly once.
  for (int round = 0; round < 20; ++round) {
    std::latch gate(1);
    std::atomic<int> started{0};
    WriterPool pool(3, 100, 1ms, 1ms);
    OccupyThreads(pool, 3, gate, started);
    gate.count_down();
    std::this_thread::sleep_for(std::chrono::milliseconds(round % 5));
    pool.Stop();
    EXPECT_EQ(pool.stats().threads_alive, 0);
  }
}

TEST(WriterPool, NoTaskIsLostWhileThreadsComeAndGo) {
  constexpr int kProducers = 4;
  constexpr int kBursts = 20;
  constexpr int kPerBurst = 50;
  std::atomic<int> ran{0};
  WriterPool pool(4, 100000, 1ms, 2ms);
  std::vector<std::thread> producers;
  producers.reserve(kProducers);
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int b = 0; b < kBursts; ++b) {
        for (int i = 0; i < kPerBurst; ++i) {
          EXPECT_TRUE(pool.Post([&] {
            ran.fetch_add(1);
            std::this_thread::sleep_for(std::chrono::microseconds(20));
          }));
        }
        // Pauses long enough for idle threads to retire between bursts.
        std::this_thread::sleep_for(std::chrono::milliseconds(2 + (b * 3 + p) % 9));
      }
    });
  }
  for (std::thread& t : producers) t.join();
  pool.Stop();
  EXPECT_EQ(ran.load(), kProducers * kBursts * kPerBurst);
  const WriterPool::Stats s = pool.stats();
  EXPECT_EQ(s.threads_alive, 0);
  EXPECT_LE(s.peak_threads, 4);
  EXPECT_LE(s.threads_retired + 1, s.threads_created) << Describe(s);
}

}  // namespace
}  // namespace haul::storage
