// Implements the streaming half of engine/core.h (haul -o -): bytes go to
// stdout strictly in order through each download's reorder window, whose
// memory is the buffer pool (Options::stream_buffer_size). The connections
// work on small pieces near the write position; one that runs ahead of the
// window is paused until stdout drains. docs/storage.md describes it.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <limits>

#include "engine/core.h"
#include "storage/stream_output.h"

namespace haul::engine {
namespace {

// Buffers only the transfer at the write position may take: the others
// pause before the pool runs dry, so the head of the stream never waits
// for memory that bytes far ahead of it hold.
constexpr std::size_t kHeadReserve = 2;
// Buffers handed to one write to stdout (1 MiB with the default unit).
constexpr std::size_t kWriteBatch = 8;

}  // namespace

std::uint64_t StreamPieceSize(const Options& o) {
  // Two pieces per connection fit in the window, so a connection that ends
  // its piece finds the next one inside it.
  const std::uint64_t unit = std::max<std::uint64_t>(o.buffer_unit, 1);
  const auto connections = static_cast<std::uint64_t>(std::max(o.connections_per_download, 1));
  std::uint64_t piece = o.stream_buffer_size / (2 * connections);
  piece = std::clamp<std::uint64_t>(piece, unit, std::max(o.min_piece_size, unit));
  return piece / unit * unit;
}

std::uint64_t InitialStreamWindow(const Options& o) {
  return std::min(o.stream_buffer_size, std::max(o.stream_buffer_size / 4, 2 * StreamPieceSize(o)));
}

std::size_t Core::KeepFree(const Job& job, const PieceTransfer& t) const {
  if (!job.stream) return 0;
  const std::uint64_t next = t.buffer ? t.buffer_offset : std::max(t.offset, job.stream_skip);
  return next == job.stream->contiguous_end() ? 0 : kHeadReserve;
}

void Core::PumpStream(Job& job) {
  // One write at a time per download, so the bytes leave in order; a
  // batch of contiguous buffers per write keeps the syscalls few.
  if (job.stream_writing || job.failed()) return;
  auto ready = job.stream->TakeReady(kWriteBatch);
  if (ready.empty()) return;
  job.stream_writing = true;
  ++job.pending_writes;
  auto batch = std::make_shared<std::vector<std::unique_ptr<storage::Buffer>>>(std::move(ready));
  PostToWriters([this, id = job.id, batch, hasher = job.stream_hasher] {
    std::uint64_t written = 0;
    Status s = storage::WriteInOrder(STDOUT_FILENO, *batch, written);
    for (auto& b : *batch) {
      // The hasher sees exactly what went out; writes never overlap, and
      // the next one is posted only after this one's completion.
      if (hasher && s.ok()) hasher->Update(std::span<const std::byte>(b->data.get(), b->size));
      buffers_.Release(std::move(b));
    }
    loop_.Post([this, id, written, s = std::move(s)]() mutable {
      OnStreamWritten(id, written, std::move(s));
    });
  });
}

void Core::OnStreamWritten(JobId id, std::uint64_t bytes, Status status) {
  Job* job = Find(id);
  job->stream_writing = false;
  const std::uint64_t offset = job->stream->written();
  job->stream->Written(bytes);
  if (status.ok()) {
    PumpStream(*job);
    AdjustStreamWindow(*job);
  }
  OnWritten(id, offset, bytes, std::move(status));
}

void Core::AdjustStreamWindow(Job& job) {
  // Bytes fetched far ahead only help when the network is the bottleneck.
  // When stdout has nothing to write after a write (it waits for the
  // network), the window grows by a piece, up to the budget; when a
  // backlog of ready bytes waits for stdout (a slow reader), it shrinks
  // back. So a slow reader holds a few MiB, a slow network the whole budget.
  const std::uint64_t piece = StreamPieceSize(options_);
  const std::uint64_t backlog = job.stream->contiguous_end() - job.stream->written();
  if (!job.stream_writing && backlog == 0) {
    job.stream_window = std::min(options_.stream_buffer_size, job.stream_window + piece);
  } else if (backlog >= job.stream_window / 2) {
    const std::uint64_t smaller = job.stream_window - std::min(job.stream_window, piece);
    job.stream_window = std::max(InitialStreamWindow(options_), smaller);
  }
}

void Core::ServeStreamHeads() {
  // The piece at the write position must always be fetched: when it has no
  // transfer (its own failed, or it was moved off a straggler) and none
  // could start, the transfer farthest ahead gives up its connection; what
  // it fetched stays in the window, its remainder goes back to the plan.
  // A safety net, not the scheduler: a few times a second is enough, and
  // the scan is linear in the plan's pieces.
  constexpr auto kInterval = std::chrono::milliseconds(100);
  const auto now = Clock::now();
  if (!options_.to_stdout || now - last_head_check_ < kInterval) return;
  last_head_check_ = now;
  for (auto& [id, job] : jobs_) {
    if (!job->stream || !job->plan || !job->splittable || job->failed() || job->restarting ||
        job->phase != Job::Phase::kRunning || now < job->retry_at) {
      continue;
    }
    const scheduling::ChunkPlan& plan = *job->plan;
    std::optional<scheduling::PieceId> head;
    for (scheduling::PieceId p = 0; p < plan.piece_count(); ++p) {
      const auto& piece = plan.piece(p);
      if (piece.state == scheduling::ChunkPlan::State::kComplete || piece.range.empty()) continue;
      if (!head || piece.range.begin < plan.piece(*head).range.begin) head = p;
    }
    if (!head || plan.piece(*head).state != scheduling::ChunkPlan::State::kUnassigned) continue;
    PieceTransfer* farthest = nullptr;
    bool stopping = false;
    for (auto& t : job->transfers) {
      stopping = stopping || t->recovery != Recovery::kNone;
      if (t->piece && (farthest == nullptr || t->offset > farthest->offset)) farthest = t.get();
    }
    if (stopping || farthest == nullptr) continue;
    spdlog::debug("job {}: the stream's head has no connection; stopping the one at {}", id,
                  farthest->offset);
    farthest->recovery = Recovery::kSuperseded;
    loop_.Abort(farthest->handle, Status::Error(ErrorClass::kNetwork, "gave way to the stream's head"));
  }
}

Status Core::FinishStream(Job& job) {
  for (auto& b : job.stream->DropHeld()) buffers_.Release(std::move(b));
  if (job.failed() || !job.checksum || !job.stream_hasher) return Status::Ok();
  const std::vector<std::uint8_t> digest = job.stream_hasher->Finish();
  job.stream_hasher.reset();
  if (digest == job.checksum->digest) return Status::Ok();
  return Status::Error(ErrorClass::kIntegrity,
                       "checksum mismatch: expected " + integrity::FormatChecksum(*job.checksum) +
                           ", got " + integrity::ToHex(digest) + " (the bytes are on stdout)");
}

bool Core::StreamRestartAllowed(Job& job, const Status& why, bool file_changed) {
  // Bytes on stdout cannot be taken back: a changed file fails the download.
  // The same file fetched again from byte 0 drops what was already written.
  if (!job.stream || job.stream->queued() == 0 || !file_changed) return true;
  Fail(job, Status::Error(ErrorClass::kProtocol,
                          why.message() + " after " + std::to_string(job.stream->queued()) +
                              " bytes of it were written to stdout"));
  return false;
}

void Core::ResetStreamForRestart(Job& job) {
  // Called before the job forgets its plan and validators.
  for (auto& b : job.stream->DropHeld()) buffers_.Release(std::move(b));
  job.stream_skip = job.stream->queued();
  if (job.stream_skip == 0 || !job.plan) return;  // else: still those of an earlier try
  job.skip_size = job.plan->size();
  job.skip_etag = job.etag;
  job.skip_last_modified = job.last_modified;
}

void Core::Abandon(ErrorClass c) {
  // Streaming, a failed download leaves stdout with a hole; nothing after
  // it may be written, so the downloads still queued fail too.
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!abandoned_) abandoned_ = c;
  }
  FailQueued(c);
}

}  // namespace haul::engine
