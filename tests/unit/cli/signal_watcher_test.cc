#include "cli/signal_watcher.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace haul::cli {
namespace {

/// Records the callbacks a watcher makes and lets the test wait for them.
class Recorder {
 public:
  SignalWatcher::Callback AsCallback() {
    return [this](int signal_number, int count) {
      std::lock_guard lock(mu_);
      calls_.push_back({signal_number, count});
      cv_.notify_all();
    };
  }
  /// The calls so far, after waiting up to 5 s for there to be `n`.
  std::vector<std::pair<int, int>> WaitFor(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return calls_.size() >= n; });
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<int, int>> calls_;
};

bool Blocked(int signal_number) {
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  return sigismember(&mask, signal_number) == 1;
}

TEST(SignalWatcher, ProcessSignalsReachTheCallbackWithACount) {
  Recorder recorder;
  {
    SignalWatcher watcher(recorder.AsCallback());
    EXPECT_TRUE(Blocked(SIGINT));
    EXPECT_TRUE(Blocked(SIGTERM));
    // Process-directed, like Ctrl-C or kill(1); only the watcher may take it.
    ASSERT_EQ(kill(getpid(), SIGINT), 0);
    const auto first = recorder.WaitFor(1);
    ASSERT_EQ(first.size(), 1U);
    EXPECT_EQ(first[0], std::make_pair(SIGINT, 1));
    ASSERT_EQ(kill(getpid(), SIGTERM), 0);
    const auto both = recorder.WaitFor(2);
    ASSERT_EQ(both.size(), 2U);
    EXPECT_EQ(both[1], std::make_pair(SIGTERM, 2));
  }
  // Stopping is not reported as a signal, and the mask is restored.
  EXPECT_EQ(recorder.WaitFor(0).size(), 2U);
  EXPECT_FALSE(Blocked(SIGINT));
  EXPECT_FALSE(Blocked(SIGTERM));
}

TEST(SignalWatcher, StopWithoutSignalsCallsNothing) {
  Recorder recorder;
  SignalWatcher watcher(recorder.AsCallback());
  watcher.Stop();
  watcher.Stop();
  EXPECT_TRUE(recorder.WaitFor(0).empty());
}

}  // namespace
}  // namespace haul::cli
