// SIGINT/SIGTERM handling without code in a signal handler: the signals are
// blocked in every thread and a dedicated thread takes them with sigwait(3),
// so the callback may do anything an ordinary thread may (call
// Engine::Cancel, print, exit).
//
// Construct the watcher before starting any other thread: it blocks the
// signals in the constructing thread, and threads started later inherit that
// mask (pthread_sigmask(3)). A thread started earlier could still receive a
// signal and die of it.
//
// Thread safety: construct and destroy on one thread; the callback runs on
// the watcher's own thread, one signal at a time.
#pragma once

#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace haul::cli {

/// Delivers SIGINT and SIGTERM to a callback on a thread of its own.
class SignalWatcher {
 public:
  /// `on_signal(signal_number, count)`: count is 1 for the first signal, 2 for
  /// the second, and so on (a second Ctrl-C usually means "stop now").
  using Callback = std::function<void(int signal_number, int count)>;

  explicit SignalWatcher(Callback on_signal);
  /// Stops the thread and restores the constructing thread's signal mask.
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  /// Stops watching and joins the thread; the callback is not called after
  /// Stop returns. Idempotent.
  void Stop();

 private:
  void Run();

  const Callback on_signal_;
  sigset_t signals_{};   ///< SIGINT and SIGTERM
  sigset_t old_mask_{};  ///< the constructing thread's mask before
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace haul::cli
