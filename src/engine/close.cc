// Implements the closing half of engine/core.h: write completions, failures,
// and the commit or discard that ends every job.
#include <spdlog/spdlog.h>

#include "engine/core.h"

namespace haul::engine {

void Core::OnWritten(JobId id, std::uint64_t bytes, Status status) {
  Job* job = Find(id);
  --job->pending_writes;
  if (status.ok()) stats_.bytes += bytes;
  if (!status.ok()) Fail(*job, std::move(status));
  MaybeClose(*job);
}

void Core::Fail(Job& job, Status status) {
  if (!job.failed()) {
    spdlog::debug("job {}: failed: {}", job.id, status.message());
    job.failure = std::move(status);
  }
  for (auto& t : job.transfers) loop_.Abort(t->handle, job.failure);
  MaybeClose(job);
}

void Core::MaybeClose(Job& job) {
  if (job.phase == Job::Phase::kClosing || job.phase == Job::Phase::kOpening) return;
  if (!job.transfers.empty() || job.pending_writes > 0) return;
  if (!job.failed()) {
    const bool complete = job.plan ? job.plan->done() : job.stream_ended;
    if (!complete) {
      // Pieces are still unassigned (waiting for slots), or a piece ended
      // short and went back to the plan: FillSlots will start them.
      if (job.plan && job.splittable && job.plan->has_unassigned()) return;
      if (job.phase == Job::Phase::kReady) return;
      Fail(job, Status::Error(ErrorClass::kNetwork, "the transfer ended before the file was complete"));
      return;
    }
  }
  job.phase = Job::Phase::kClosing;
  PostToWriters([this, id = job.id, file = job.file, failed = job.failed(),
                 size = job.final_size(), overwrite = options_.overwrite] {
    Status s = Status::Ok();
    if (failed) {
      // Only a partial this job opened (and locked) is ours to delete.
      // Without resume state (not yet built) a partial is of no use.
      if (file->is_open()) file->Discard();
    } else {
      s = file->Commit(size, overwrite);
    }
    loop_.Post([this, id, s = std::move(s)]() mutable { OnClosed(id, std::move(s)); });
  });
}

void Core::OnClosed(JobId id, Status status) {
  Job* job = Find(id);
  if (!status.ok() && !job->failed()) job->failure = std::move(status);
  JobFinished e;
  e.id = job->id;
  e.url = job->url;
  e.path = job->final_path;
  e.bytes = job->failed() ? 0 : job->final_size();
  e.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - job->started);
  e.connections = job->peak_transfers;
  e.status = job->failure;
  if (job->failed()) {
    ++stats_.jobs_failed;
    stats_.failures.push_back(job->failure.error_class());
  } else {
    ++stats_.jobs_ok;
  }
  sink_.OnJobFinished(e);
  jobs_.erase(id);
}

}  // namespace haul::engine
