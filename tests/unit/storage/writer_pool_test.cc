// Tests for src/storage/writer_pool.h. Workers are held on latches so queue
// states are reached deterministically, never by sleeping.
#include "storage/writer_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <mutex>
#include <set>
#include <thread>

namespace haul::storage {
namespace {

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

}  // namespace
}  // namespace haul::storage
