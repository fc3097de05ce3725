// The download engine: one loop thread driving a libcurl multi handle over a
// global pool of persistent transfer slots, plus writer threads for disk I/O.
//
// Thread safety: Submit and Cancel may be called from any thread. Start once,
// then Submit any number of times, then Finish once, from the same thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "haul/events.h"
#include "haul/job.h"
#include "haul/options.h"
#include "haul/status.h"

namespace haul {

/// Counters for --stats, collected over the whole run.
struct RunStats {
  std::uint64_t jobs_ok = 0;
  std::uint64_t jobs_failed = 0;
  std::uint64_t jobs_skipped = 0;  ///< of jobs_ok: file existed or not modified
  std::uint64_t bytes = 0;  ///< payload bytes written to files
  std::chrono::milliseconds wall{0};
  std::uint64_t requests = 0;  ///< HTTP transfers completed or aborted
  std::uint64_t connections_opened = 0;  ///< sum of CURLINFO_NUM_CONNECTS
  std::uint64_t requests_reused = 0;  ///< transfers that opened no connection
  int peak_slots = 0;  ///< most transfers running at once
  int slots_created = 0;  ///< easy handles created (re-creations after a retirement included)
  int slots_retired = 0;  ///< easy handles freed after sitting idle (the pool shrinking)
  std::uint64_t writer_threads_created = 0;  ///< the writer pool grows under load
  std::uint64_t writer_threads_retired = 0;  ///< and shrinks when idle
  int writer_threads_peak = 0;
  std::uint64_t buffer_hits = 0;    ///< buffers served from the shared pool's free list
  std::uint64_t buffer_misses = 0;  ///< buffers that had to be allocated
  std::uint64_t retries = 0;  ///< requests tried again after a failure
  std::uint64_t restarts = 0;  ///< downloads started over because the file changed
  std::uint64_t stragglers = 0;  ///< silent connections whose range moved to another
  std::uint64_t bytes_resumed = 0;  ///< bytes found in partials of earlier runs
  std::uint64_t bytes_received = 0;  ///< payload bytes received this run (incl. re-fetched)
  /// With -o -: the reorder window's budget and the most buffer memory it
  /// held at once (buffers out of the pool, times their size). 0 otherwise.
  std::uint64_t stream_buffer_budget = 0;
  std::uint64_t stream_buffer_peak = 0;
  std::vector<ErrorClass> failures;  ///< one entry per failed download
};

/// The transport libraries in use, as libcurl reports them, e.g.
/// "libcurl/7.88.1 OpenSSL/3.0.15 zlib/1.2.13 nghttp2/1.52.0".
std::string TransportVersion();

class Engine {
 public:
  /// `sink` must outlive the engine.
  Engine(const Options& options, EventSink& sink);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Starts the loop and writer threads. An error here (libcurl could not be
  /// initialised) means nothing can run.
  Status Start();

  /// Queues a download. Blocks while Options::jobs downloads are already
  /// queued but not started, so a caller streaming a huge list stays bounded.
  /// Returns the job's id; invalid specs fail the job (reported as an event).
  JobId Submit(JobSpec spec);

  /// Stops all transfers; running downloads finish with kInterrupted.
  void Cancel();

  /// Waits until every submitted job has finished, stops the threads and
  /// returns the run's counters.
  RunStats Finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace haul
