// Implements the recovering half of engine/core.h: retries with backoff,
// falling back to fewer connections, starting over when the file changed,
// stall detection, and the resume state saved while a download runs.
// docs/reliability.md lists every case and what happens.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cinttypes>

#include "engine/core.h"
#include "scheduling/retry_policy.h"
#include "scheduling/straggler_policy.h"

namespace haul::engine {
namespace {

// The state is rewritten at most this often while a download runs.
constexpr auto kSaveInterval = std::chrono::seconds(1);

std::string Speed(std::uint64_t bytes_per_second) {
  return std::to_string(bytes_per_second) + " B/s";
}

}  // namespace

void Core::Recover(Job& job, PieceTransfer& t, const transfer::TransferResult& result) {
  if (job.failed() || job.restarting) return;  // already being dealt with
  if (t.recovery == Recovery::kSuperseded) return;  // its range moved on
  if (t.source != 0) {
    RecoverMirror(job, t, result);
    return;
  }
  Recovery what = t.recovery;
  if (what == Recovery::kNone) {
    // The transport failed. A refused connection or unknown host on the
    // first request is final (as for curl and wget); once the server has
    // answered, the same error on another request is worth a retry.
    const bool answered = job.plan.has_value() || job.stream_ended;
    const bool transient = result.transient ||
                           (answered && result.status.error_class() == ErrorClass::kNetwork);
    what = transient ? Recovery::kRetry : Recovery::kFail;
  }
  switch (what) {
    case Recovery::kNone:
    case Recovery::kFail:
    case Recovery::kDropSource:  // the primary is never dropped
    case Recovery::kSuperseded:
      Fail(job, result.status);
      return;
    case Recovery::kRestart:
      Restart(job, result.status, true);
      return;
    case Recovery::kFallback:
      spdlog::info("{}: {}; using fewer connections", job.url, result.status.message());
      // Falling back is the remedy; only when there is nothing left to fall
      // back to does a refusal count against the retries. With no open-ended
      // first request left to read on, the last resort is one stream from 0.
      if (FallBack(job)) return;
      CountFailure(job, result.status, std::nullopt);
      if (!job.failed() && !HasStream(job)) {
        job.single_stream = true;
        Restart(job, result.status, false);
      }
      return;
    case Recovery::kRetry:
      break;
  }
  spdlog::info("{}: {}; retrying", job.url, result.status.message());
  if (t.http_status == 429 || t.http_status == 503) BackOff(job, t);
  CountFailure(job, result.status, t.retry_after);
  if (job.failed()) return;
  if (!job.plan) {
    // The first request failed: before its head, ask again from the start;
    // a stream of unknown size that broke off can only be fetched again whole.
    if (job.received == 0) {
      job.phase = Job::Phase::kReady;
    } else {
      Restart(job, result.status, false);
    }
  } else if (!job.splittable && !job.plan->done()) {
    Restart(job, result.status, false);  // one stream without ranges: all again
  }
  // Otherwise the piece's remainder went back to the plan: FillSlots
  // starts it again once retry_at has passed.
}

void Core::RecoverMirror(Job& job, PieceTransfer& t, const transfer::TransferResult& result) {
  // A mirror's trouble never fails the download: its piece's remainder went
  // back to the plan, and the primary (or another mirror) takes it.
  Source& src = job.sources[t.source];
  constexpr int kMirrorFailures = 3;
  const bool transient = result.transient || t.recovery == Recovery::kRetry;
  if (t.recovery == Recovery::kDropSource || !transient || ++src.failures >= kMirrorFailures) {
    if (!src.removed) {
      spdlog::warn("{}: dropping mirror {}: {}", job.url, src.url, result.status.message());
      sink_.OnMirror({job.id, job.url, src.url, MirrorAction::kDropped, result.status, 0});
    }
    src.removed = true;
    return;
  }
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double wait = scheduling::RetryDelaySeconds(src.failures, options_.retry_wait_seconds,
                                                    options_.max_retry_wait_seconds, unit(rng_),
                                                    t.retry_after);
  src.penalty_until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(wait));
  spdlog::info("{}: mirror {}: {}; resting it {:.1f} s", job.url, src.url,
               result.status.message(), wait);
  sink_.OnMirror({job.id, job.url, src.url, MirrorAction::kRested, result.status, wait});
}

void Core::BackOff(Job& job, const PieceTransfer& t) {
  // The server says it is overloaded: fewer connections for this download,
  // and nothing new to that host (from any download) for a while.
  const auto now = Clock::now();
  if (job.ramp) job.ramp->OnBackoff(now);
  job.connection_cap = std::max(1, std::min(job.connection_cap, static_cast<int>(job.transfers.size()) - 1));
  const double wait = t.retry_after.value_or(options_.retry_wait_seconds);
  auto& until = host_penalty_[job.sources[t.source].host_key];
  until = std::max(until, now + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(
                                        std::min(wait, options_.max_retry_wait_seconds))));
}

bool Core::HostPenalized(const std::string& host_key, Clock::time_point now) const {
  const auto it = host_penalty_.find(host_key);
  return it != host_penalty_.end() && now < it->second;
}

void Core::SampleThroughput(Clock::time_point now) {
  // Every half second each ramping download reports its throughput; the
  // policy (scheduling/ramp_up.h) decides whether more connections help.
  constexpr auto kInterval = std::chrono::milliseconds(500);
  for (auto& [id, job] : jobs_) {
    if (!job->ramp || job->phase != Job::Phase::kRunning || !job->splittable) continue;
    if (job->last_sample == Clock::time_point{}) {
      job->last_sample = now;
      job->sampled_bytes = job->received;
      continue;
    }
    const double seconds = std::chrono::duration<double>(now - job->last_sample).count();
    if (now - job->last_sample < kInterval || seconds <= 0) continue;
    job->ramp->OnSample(static_cast<double>(job->received - job->sampled_bytes) / seconds, now);
    job->last_sample = now;
    job->sampled_bytes = job->received;
  }
}

bool Core::OverSpeedLimit(Job& job, Clock::time_point now) {
  return overall_.Available(now) == 0 || (job.bucket && job.bucket->Available(now) == 0);
}

void Core::ResumeRateLimited(Clock::time_point now) {
  // Resume may deliver bytes at once and pause again: walk a private copy.
  std::vector<PieceTransfer*> batch;
  batch.swap(rate_paused_);
  for (PieceTransfer* t : batch) {
    if (OverSpeedLimit(t->job(), now)) {
      rate_paused_.push_back(t);
      continue;
    }
    t->paused = false;
    t->rate_paused = false;
    loop_.Resume(t->handle);
  }
}

void Core::CountFailure(Job& job, const Status& status, std::optional<double> retry_after) {
  if (job.failed()) return;
  ++job.failures_in_a_row;
  if (job.failures_in_a_row > options_.retries) {
    Fail(job, Status::Error(status.error_class(),
                            status.message() + " (gave up after " +
                                std::to_string(options_.retries) + " retries)"));
    return;
  }
  ++job.retries;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double wait =
      scheduling::RetryDelaySeconds(job.failures_in_a_row, options_.retry_wait_seconds,
                                    options_.max_retry_wait_seconds, unit(rng_), retry_after);
  job.retry_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(wait));
  spdlog::debug("job {}: retry {} in {:.2f} s", job.id, job.failures_in_a_row, wait);
  sink_.OnRetry({job.id, job.url, job.failures_in_a_row, status, wait});
}

bool Core::FallBack(Job& job) {
  job.fallback = true;
  // The transfers still running are the ones the server accepts; no more.
  const auto running = static_cast<int>(job.transfers.size()) - 1;  // minus the one ending
  const int before = job.connection_cap;
  job.connection_cap = std::max(1, std::min(job.connection_cap, running));
  MergeIntoStream(job);
  return job.connection_cap < before;
}

bool Core::HasStream(const Job& job) const {
  return std::any_of(job.transfers.begin(), job.transfers.end(), [&](const auto& t) {
    return t->probe() && t->piece && t->recovery == Recovery::kNone &&
           job.plan->piece(*t->piece).state == scheduling::ChunkPlan::State::kInFlight;
  });
}

void Core::MergeIntoStream(Job& job) {
  // The first request asked for "bytes=0-" (or from a resume point) without
  // an end, so while it runs it can simply keep reading the pieces after its
  // own that nobody else has.
  if (!job.plan) return;
  for (auto& t : job.transfers) {
    if (t->probe() && t->piece && job.plan->piece(*t->piece).state ==
                                      scheduling::ChunkPlan::State::kInFlight) {
      job.plan->MergeFollowing(*t->piece);
    }
  }
}

void Core::Restart(Job& job, const Status& why, bool file_changed) {
  if (file_changed && ++job.restarts > options_.max_restarts) {
    Fail(job, Status::Error(ErrorClass::kProtocol,
                            why.message() + " (started over " +
                                std::to_string(options_.max_restarts) + " times; giving up)"));
    return;
  }
  if (!StreamRestartAllowed(job, why, file_changed)) return;
  spdlog::warn("{}: {}; starting over", job.url, why.message());
  job.restarting = true;
  for (auto& t : job.transfers) loop_.Abort(t->handle, why);
  MaybeClose(job);
}

void Core::FinishRestart(Job& job) {
  // Nothing runs and nothing is being written: empty the partial and drop
  // the state before a byte of the new file arrives.
  job.phase = Job::Phase::kOpening;
  if (job.stream) {  // no partial: what is on stdout stays, the rest is dropped
    loop_.Post([this, id = job.id] { OnRestarted(id, Status::Ok()); });
    return;
  }
  PostToWriters([this, id = job.id, file = job.file, state = job.state_path] {
    storage::RemoveState(state);
    Status s = file->Truncate(0);
    loop_.Post([this, id, s = std::move(s)]() mutable { OnRestarted(id, std::move(s)); });
  });
}

void Core::OnRestarted(JobId id, Status status) {
  Job* job = Find(id);
  if (job->stream) ResetStreamForRestart(*job);
  if (job->plan) bytes_known_total_ -= job->plan->size();
  bytes_received_ -= std::min(bytes_received_, job->received + job->resumed_bytes);
  last_progress_bytes_ = std::min(last_progress_bytes_, bytes_received_);
  job->plan.reset();
  job->splittable = false;
  job->stream_ended = false;
  job->etag.clear();
  job->last_modified.clear();
  job->content_encoding.clear();
  job->resume.reset();
  job->written = scheduling::RangeSet{};
  job->received = 0;
  job->resumed_bytes = 0;
  job->state_on_disk = false;
  job->saved_covered = 0;
  job->fallback = false;
  job->connection_cap = options_.connections_per_download;
  job->commit_path = job->final_path;
  job->restarting = false;
  job->phase = Job::Phase::kReady;
  if (!status.ok()) {
    Fail(*job, std::move(status));
    return;
  }
  FillSlots();
}

void Core::CheckStalls(Clock::time_point now) {
  if (options_.lowest_speed_limit == 0) return;
  const auto window = std::chrono::seconds(options_.speed_time_seconds);
  const std::uint64_t least =
      options_.lowest_speed_limit * static_cast<std::uint64_t>(options_.speed_time_seconds);
  for (auto& [id, job] : jobs_) {
    for (auto& t : job->transfers) {
      if (t->paused || t->recovery != Recovery::kNone) continue;
      if (now - t->window_start < window) continue;
      if (t->window_bytes < least) {
        // Its range goes back to the plan and is fetched again; a steal may
        // already have given half of it to a faster connection.
        t->recovery = Recovery::kRetry;
        loop_.Abort(t->handle,
                    Status::Error(ErrorClass::kNetwork,
                                  "transfer stalled (under " + Speed(options_.lowest_speed_limit) +
                                      " for " + std::to_string(options_.speed_time_seconds) + " s)"));
        continue;
      }
      t->window_start = now;
      t->window_bytes = 0;
    }
  }
}

void Core::CheckStragglers(Clock::time_point now) {
  // The health check (scheduling/straggler_policy.h), once per tick and at
  // most one action per download: a silent transfer, or a slow one with
  // little left, has its remaining range moved to a fresh connection (it is
  // cancelled, and nothing is fetched twice); a slow one with much left is
  // split, its tail going back to the plan for the next free connection.
  // Only while some other transfer of the download still moves: when all
  // are silent the server is, and the low-speed limit deals with that.
  scheduling::StragglerOptions options;
  options.silence = std::chrono::seconds(1);
  for (auto& [id, job] : jobs_) {
    if (!job->plan || !job->splittable || job->failed() || job->restarting) continue;
    std::vector<scheduling::TransferSample> samples;
    bool moving = false;
    for (std::size_t i = 0; i < job->transfers.size(); ++i) {
      const PieceTransfer& t = *job->transfers[i];
      if (t.recovery != Recovery::kNone || !t.piece) continue;
      const auto& p = job->plan->piece(*t.piece);
      if (p.state != scheduling::ChunkPlan::State::kInFlight) continue;
      // Streaming, a transfer paused ahead of the window shows the server
      // delivers: a silent head is a straggler even when all else waits.
      moving = moving || now - t.last_byte < options.silence || (job->stream && t.paused);
      samples.push_back({i, TransferRateOf(t, now), t.last_byte, p.range.end - p.pos, t.paused});
    }
    if (!moving) continue;
    const auto decision = scheduling::PickStraggler(samples, now, options);
    if (!decision) continue;
    PieceTransfer& t = *job->transfers[decision->id];
    ++stats_.stragglers;
    if (decision->action == scheduling::StragglerAction::kSplit) {
      const auto& p = job->plan->piece(*t.piece);
      const scheduling::PieceId tail = job->plan->StealAt(*t.piece, p.pos + (p.range.end - p.pos) / 2);
      job->plan->Release(tail);  // unassigned: the next free connection takes it
      spdlog::debug("job {}: a slow connection's range was split", id);
      continue;
    }
    t.recovery = Recovery::kSuperseded;
    loop_.Abort(t.handle, Status::Error(ErrorClass::kNetwork, "straggler: range moved on"));
    spdlog::debug("job {}: a straggler's range goes back to the plan", id);
  }
}

std::string IfRangeValue(const std::string& etag, const std::string& date) {
  // If-Range takes a strong ETag or a date (RFC 9110 13.1.5).
  if (!etag.empty() && etag.rfind("W/", 0) != 0) return etag;
  return date;
}

std::string Core::IfRangeFor(const Job& job) const {
  return job.resume ? IfRangeValue(job.resume->etag, job.resume->last_modified)
                    : IfRangeValue(job.etag, job.last_modified);
}

std::string Core::IfRangeOf(const Source& source) {
  return IfRangeValue(source.etag, source.last_modified);
}

// ---- Resume state ----

storage::ResumeState Core::Snapshot(const Job& job) const {
  storage::ResumeState s;
  s.urls = job.spec.urls;
  s.size = job.plan ? job.plan->size() : 0;
  s.etag = job.etag;
  s.last_modified = job.last_modified;
  s.piece_size = options_.min_piece_size;
  for (const auto& r : job.written.ranges()) s.completed.push_back({r.begin, r.end});
  return s;
}

void Core::SaveStates(Clock::time_point now) {
  for (auto& [id, job_ptr] : jobs_) {
    Job& job = *job_ptr;
    if (job.phase != Job::Phase::kRunning || !job.resumable() || job.failed() ||
        job.restarting || job.save_in_flight || now - job.last_save < kSaveInterval ||
        job.written.covered() == job.saved_covered) {
      continue;
    }
    job.last_save = now;
    job.save_in_flight = true;
    ++job.pending_writes;  // the close waits for it
    const std::uint64_t covered = job.written.covered();
    // Every range in the snapshot was written before the snapshot was taken;
    // the sync makes those bytes durable before the state vouches for them.
    PostToWriters([this, id = job.id, file = job.file, path = job.state_path,
                   state = Snapshot(job), covered] {
      Status s = file->Sync();
      if (s.ok()) s = storage::SaveState(path, state);
      loop_.Post([this, id, covered, s = std::move(s)]() mutable {
        OnStateSaved(id, covered, s);
        OnWritten(id, 0, 0, Status::Ok());
      });
    });
  }
}

void Core::OnStateSaved(JobId id, std::uint64_t covered, const Status& status) {
  Job* job = Find(id);
  job->save_in_flight = false;
  if (!status.ok()) {
    // The download goes on; only a resume after a crash loses out.
    spdlog::warn("{}", status.message());
    return;
  }
  job->state_on_disk = true;
  job->saved_covered = covered;
}

}  // namespace haul::engine
