// The engine's per-download state and the receiver of each of its transfers.
//
// Thread safety: owned by the engine's core and used on the loop thread only.
// Writer threads see only the shared PartFile and buffers handed to them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "haul/job.h"
#include "haul/status.h"
#include "integrity/checksum.h"
#include "integrity/digest.h"
#include "scheduling/chunk_plan.h"
#include "scheduling/ramp_up.h"
#include "scheduling/range_set.h"
#include "scheduling/source_scores.h"
#include "scheduling/token_bucket.h"
#include "storage/buffer_pool.h"
#include "storage/part_file.h"
#include "storage/reorder_window.h"
#include "storage/resume_state.h"
#include "transfer/request.h"

namespace haul::engine {

class Core;
struct Job;

using Clock = std::chrono::steady_clock;

/// What to do about a transfer that ended badly (docs/reliability.md).
enum class Recovery {
  kNone,      ///< not decided by the receiver: ask the transport's verdict
  kFail,      ///< the download fails with this error
  kRetry,     ///< fetch the same bytes again after a backoff
  kFallback,  ///< the server refuses extra range requests: use fewer connections
  kRestart,   ///< the file changed on the server: start over from byte 0
  kDropSource,  ///< a mirror disagrees or keeps failing: stop using it
  kSuperseded,  ///< a faster connection took over its whole remaining range
};

/// One URL a download's bytes may come from: the primary (index 0) or a
/// mirror. A mirror's first response is checked against the primary's
/// (size, validators) before any of its bytes are used.
struct Source {
  std::string url;
  std::string host_key;
  std::string etag;           ///< its own validators, once checked
  std::string last_modified;
  bool checked = false;  ///< it answered a range request consistently
  bool removed = false;  ///< out of rotation for good
  Clock::time_point penalty_until{};  ///< 429/503: not before this
  int active = 0;         ///< transfers running from it
  int failures = 0;       ///< failures in a row
  std::uint64_t done_bytes = 0;  ///< body bytes taken by its transfers that have ended
  double busy_seconds = 0;  ///< their summed duration: done_bytes / busy_seconds
                            ///< is its per-connection rate
};

/// One HTTP transfer of a job: its first request (the probe, "bytes=0-") or
/// a later ranged request for one piece.
class PieceTransfer final : public transfer::Receiver {
 public:
  PieceTransfer(Core& core, Job& job, bool probe) : core_(core), job_(job), probe_(probe) {}

  transfer::HeadVerdict OnHead(const transfer::ResponseHead& head, Status& why) override;
  transfer::BodyVerdict OnBody(std::span<const std::byte> data) override;
  void OnDone(const transfer::TransferResult& result) override;

  Job& job() { return job_; }
  bool probe() const { return probe_; }

  /// The plan piece this transfer fills; nullopt while a probe awaits its
  /// head, and for a stream of unknown size.
  std::optional<scheduling::PieceId> piece;
  std::uint64_t offset = 0;  ///< file offset of the next byte to arrive
  std::unique_ptr<storage::Buffer> buffer;  ///< filling; flushed when full
  std::uint64_t buffer_offset = 0;  ///< file offset of buffer's first byte
  transfer::TransferHandle handle = 0;
  bool paused = false;
  bool rate_paused = false;  ///< paused by a speed limit, not by a full pipeline
  long http_status = 0;      ///< of its response, once the head arrived
  std::size_t source = 0;  ///< index into Job::sources
  Clock::time_point started = Clock::now();
  Clock::time_point last_byte = started;
  std::uint64_t got = 0;  ///< body bytes taken
  /// A second transfer of a straggler's remaining range (first writer wins).
  bool hedge = false;
  /// Its request carried If-Modified-Since (-N): a 304 means "skip".
  bool conditional = false;
  /// Set when this side rejected or aborted the transfer: how to recover.
  Recovery recovery = Recovery::kNone;
  /// Seconds the server asked us to wait (Retry-After on 429 and 503).
  std::optional<double> retry_after;
  /// Stall detection: bytes received since window_start.
  Clock::time_point window_start = Clock::now();
  std::uint64_t window_bytes = 0;

 private:
  Core& core_;
  Job& job_;
  const bool probe_;
};

/// The If-Range value for these validators: the ETag when it is strong,
/// else the Last-Modified date, else empty (engine/recovery.cc).
std::string IfRangeValue(const std::string& etag, const std::string& date);

/// A transfer's mean rate since it started, in bytes per second; 0 while it
/// is too young to tell, and 0 when it has gone silent (engine/core.cc).
double TransferRateOf(const PieceTransfer& t, Clock::time_point now);

/// One download, from activation to its JobFinished event.
struct Job {
  enum class Phase {
    kOpening,     ///< the partial file is being opened on a writer thread
    kReady,       ///< waiting for a slot for its first request
    kRunning,     ///< transfers under way
    kClosing,     ///< commit or discard under way on a writer thread
  };

  JobId id = 0;
  JobSpec spec;
  std::string url;       ///< the primary URL
  std::string host_key;  ///< transfer::HostKeyOf(url)
  std::vector<Source> sources;  ///< the primary, then mirrors (JobSpec::urls)
  /// Measured throughput per source (an EWMA), for choosing the next one.
  std::optional<scheduling::SourceScores> scores;
  std::string final_path;  ///< where Open put the partial: final_path + ".part"
  std::string commit_path;  ///< the final name; differs with Content-Disposition
  std::string state_path;  ///< the resume state beside the partial
  std::shared_ptr<storage::PartFile> file;
  std::optional<integrity::Checksum> checksum;
  Phase phase = Phase::kOpening;

  /// Known once the first response is accepted; absent for a stream of
  /// unknown length, which ends when the server ends it.
  std::optional<scheduling::ChunkPlan> plan;
  bool splittable = false;  ///< the server honoured Range with a full total
  bool stream_ended = false;  ///< unknown-length stream finished cleanly
  std::string etag;           ///< validators from the first response; later
  std::string last_modified;  ///< responses must agree
  std::string content_encoding;  ///< of the first response; later ones must agree

  // ---- An existing final file (--skip-existing, -N; docs/scaling.md) ----
  /// Finished ok without a body: the file existed, or the server said 304.
  bool skipped = false;
  /// The commit may replace a file at the final path: --overwrite, or -N
  /// found an older copy there.
  bool replace_final = false;
  /// -N: the existing file's mtime, sent as If-Modified-Since by the probe.
  std::optional<std::int64_t> if_modified_since;

  // ---- Resume (docs/reliability.md) ----
  /// A state file found at open that matches the URL; checked against the
  /// first response, then dropped.
  std::optional<storage::ResumeState> resume;
  std::uint64_t resume_from = 0;  ///< first byte the resuming request asked for
  std::uint64_t resumed_bytes = 0;  ///< bytes a previous run had written
  scheduling::RangeSet written;  ///< bytes known to be in the partial
  bool state_on_disk = false;  ///< a state file for this download exists
  bool save_in_flight = false;
  bool preparing = false;  ///< first state save and preallocation under way
  std::uint64_t saved_covered = 0;  ///< written.covered() at the last save
  Clock::time_point last_save = Clock::now();

  // ---- Streaming to stdout (Options::to_stdout; docs/storage.md) ----
  /// Present for -o -: bytes wait here until everything before them is written.
  std::optional<storage::ReorderWindow> stream;
  /// With a checksum: fed in order by the writes to stdout, one at a time.
  std::shared_ptr<integrity::Hasher> stream_hasher;
  bool stream_writing = false;  ///< a write to stdout is under way
  /// How far past the written bytes transfers may run: starts at a quarter
  /// of the budget, grows while stdout waits for the network, shrinks while
  /// the network waits for stdout (engine/stream.cc).
  std::uint64_t stream_window = 0;
  /// After a restart from byte 0: bytes already on stdout, dropped when
  /// they arrive again. The new response must match what they came from.
  std::uint64_t stream_skip = 0;
  std::optional<std::uint64_t> skip_size;  ///< the size they came from
  std::string skip_etag;
  std::string skip_last_modified;

  // ---- Speed ----
  std::optional<scheduling::TokenBucket> bucket;  ///< --max-speed
  std::optional<scheduling::RampUp> ramp;  ///< adaptive connection count (no -x given)
  Clock::time_point last_sample{};
  std::uint64_t sampled_bytes = 0;

  // ---- Retries and restarts ----
  int failures_in_a_row = 0;  ///< failed requests since the last new byte
  int retries = 0;            ///< requests retried, in all
  int restarts = 0;           ///< times the file changed and we started over
  Clock::time_point retry_at{};  ///< no new request before this
  int connection_cap = 1;  ///< -x, lowered when extra range requests are refused
  bool fallback = false;   ///< extra range requests were refused
  bool single_stream = false;  ///< they were refused for good: one stream from byte 0
  bool restarting = false;  ///< waiting for transfers and writes to drain

  std::vector<std::unique_ptr<PieceTransfer>> transfers;
  int peak_transfers = 0;
  std::uint64_t received = 0;  ///< body bytes accepted
  std::uint64_t pending_writes = 0;  ///< buffers handed to writers, not yet written
  Status failure;  ///< the first error; the job fails once its transfers end
  std::chrono::steady_clock::time_point started;

  bool failed() const { return !failure.ok(); }
  /// Bytes the file will have: the plan's size, or what a stream delivered.
  std::uint64_t final_size() const { return plan ? plan->size() : received; }
  /// A download whose partial can be resumed by range requests.
  bool resumable() const {
    return plan.has_value() && splittable && plan->size() > 0 && !stream;
  }
};

}  // namespace haul::engine
