// Implements src/cli/signal_watcher.h.
#include "cli/signal_watcher.h"

#include <pthread.h>

#include <utility>

namespace haul::cli {

SignalWatcher::SignalWatcher(Callback on_signal) : on_signal_(std::move(on_signal)) {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals_, &old_mask_);
  thread_ = std::thread([this] { Run(); });
}

SignalWatcher::~SignalWatcher() {
  Stop();
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void SignalWatcher::Stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  // A thread-directed SIGINT (blocked, so only sigwait sees it) wakes the
  // watcher; the flag tells it the signal is ours, not the user's.
  pthread_kill(thread_.native_handle(), SIGINT);
  thread_.join();
}

void SignalWatcher::Run() {
  int count = 0;
  for (;;) {
    int signal_number = 0;
    if (sigwait(&signals_, &signal_number) != 0) continue;
    if (stopping_.load()) return;
    on_signal_(signal_number, ++count);
  }
}

}  // namespace haul::cli
