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
#include "scheduling/chunk_plan.h"
#include "storage/buffer_pool.h"
#include "storage/part_file.h"
#include "transfer/request.h"

namespace haul::engine {

class Core;
struct Job;

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

 private:
  Core& core_;
  Job& job_;
  const bool probe_;
};

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
  std::string final_path;
  std::shared_ptr<storage::PartFile> file;
  Phase phase = Phase::kOpening;

  /// Known once the first response is accepted; absent for a stream of
  /// unknown length, which ends when the server ends it.
  std::optional<scheduling::ChunkPlan> plan;
  bool splittable = false;  ///< the server honoured Range with a full total
  bool stream_ended = false;  ///< unknown-length stream finished cleanly
  std::string etag;           ///< validators from the first response; later
  std::string last_modified;  ///< responses must agree

  std::vector<std::unique_ptr<PieceTransfer>> transfers;
  int peak_transfers = 0;
  std::uint64_t received = 0;  ///< body bytes accepted
  std::uint64_t pending_writes = 0;  ///< buffers handed to writers, not yet written
  Status failure;  ///< the first error; the job fails once its transfers end
  std::chrono::steady_clock::time_point started;

  bool failed() const { return !failure.ok(); }
  /// Bytes the file will have: the plan's size, or what a stream delivered.
  std::uint64_t final_size() const { return plan ? plan->size() : received; }
};

}  // namespace haul::engine
