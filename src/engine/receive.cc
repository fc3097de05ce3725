// Implements the receiving half of engine/core.h: checking response heads,
// buffering body bytes, and handing full buffers to the writer threads.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "engine/core.h"
#include "scheduling/retry_policy.h"
#include "storage/output_name.h"
#include "transfer/http_headers.h"

namespace haul::engine {
namespace {

using transfer::BodyVerdict;
using transfer::HeadVerdict;

std::string HttpError(const transfer::ResponseHead& head) {
  std::string text = "HTTP " + std::to_string(head.status);
  if (!head.reason.empty()) text += " " + head.reason;
  return text;
}

HeadVerdict Reject(Status& why, ErrorClass c, std::string message) {
  why = Status::Error(c, std::move(message));
  return HeadVerdict::kReject;
}

std::string DescribeRange(const transfer::ResponseHead& head) {
  if (!head.content_range) return "none";
  const auto& cr = *head.content_range;
  return std::to_string(cr.first) + "-" + std::to_string(cr.last) + "/" +
         (cr.total ? std::to_string(*cr.total) : std::string("*"));
}

// Validators must agree when both responses carry them; a difference means
// the file changed between requests, and mixing the two would corrupt it.
bool SameValidators(const std::string& etag, const std::string& last_modified,
                    const transfer::ResponseHead& head) {
  if (!etag.empty() && !head.etag.empty() && etag != head.etag) return false;
  return last_modified.empty() || head.last_modified.empty() || last_modified == head.last_modified;
}

bool IsIdentity(const std::string& encoding) {
  return encoding.empty() || encoding == "identity" || encoding == "IDENTITY";
}

// An error status: retry what may pass, fall back where only the extra
// range requests are refused, fail the rest.
Recovery RecoveryForStatus(const Job& job, const PieceTransfer& t,
                           const transfer::ResponseHead& head) {
  if (scheduling::IsRetryableHttpStatus(head.status)) return Recovery::kRetry;
  // A mirror that refuses is out of rotation, not the download.
  if (t.source != 0) return Recovery::kDropSource;
  // A resume asked for bytes that no longer exist: the file shrank.
  if (t.probe() && job.resume && head.status == 416) return Recovery::kRestart;
  const bool refused = head.status == 403 || head.status == 404 || head.status == 410;
  if (!t.probe() && refused) return Recovery::kFallback;
  return Recovery::kFail;
}

}  // namespace

HeadVerdict Core::OnHead(PieceTransfer& t, const transfer::ResponseHead& head, Status& why) {
  Job& job = t.job();
  t.http_status = head.status;
  if (job.failed()) return Reject(why, job.failure.error_class(), job.failure.message());
  if (job.restarting) return Reject(why, ErrorClass::kProtocol, "restarting");
  if (head.status == 304 && t.conditional) {
    // -N: not modified since the local copy's mtime. Only a request that
    // carried the condition may take a 304 this way; any other is an error.
    spdlog::info("{}: not modified on the server; skipped", job.final_path);
    job.skipped = true;
    return HeadVerdict::kAccept;
  }
  if (head.status >= 300) {
    // A 416 to "bytes=0-" with "bytes */0" is how some servers say "empty file".
    const bool empty = t.probe() && !job.resume && head.status == 416 && head.content_range &&
                       head.content_range->unsatisfied && head.content_range->total == 0U;
    if (!empty) {
      t.recovery = RecoveryForStatus(job, t, head);
      if (head.status == 429 || head.status == 503) {
        if (auto after = transfer::ParseRetryAfter(head.retry_after, std::chrono::system_clock::now())) {
          t.retry_after = static_cast<double>(after->count());
        }
      }
      return Reject(why, ErrorClass::kHttp, HttpError(head));
    }
  }
  if (!t.probe()) return CheckPieceResponse(job, t, head, why);
  return job.resume ? AcceptResumeResponse(job, t, head, why) : AcceptFirstResponse(job, t, head, why);
}

HeadVerdict Core::AcceptFirstResponse(Job& job, PieceTransfer& t,
                                      const transfer::ResponseHead& head, Status& why) {
  std::optional<std::uint64_t> size;
  const bool encoded = !IsIdentity(head.content_encoding);
  if (head.status == 416) {
    size = 0;  // checked by OnHead: "bytes */0"
  } else if (head.status == 206) {
    // Split only on a 206 whose Content-Range starts where we asked and
    // states the total; anything else could put bytes at the wrong offsets.
    const auto& cr = head.content_range;
    if (!cr || cr->unsatisfied || cr->first != 0 || !cr->total) {
      t.recovery = Recovery::kRetry;
      return Reject(why, ErrorClass::kProtocol,
                    "bad Content-Range for bytes=0-: " + DescribeRange(head));
    }
    size = *cr->total;
    // An encoded body (the server ignored "Accept-Encoding: identity") is
    // saved as it comes, in one stream: ranges of an encoding need not line up.
    job.splittable = !encoded && !job.single_stream;
  } else {
    size = head.content_length;  // a 200: the server ignored Range; one stream
  }
  // Streaming, after a restart: what is on stdout must be of this file.
  if (job.stream_skip > 0 &&
      (!size || size != job.skip_size ||
       !SameValidators(job.skip_etag, job.skip_last_modified, head))) {
    t.recovery = Recovery::kFail;
    return Reject(why, ErrorClass::kProtocol,
                  "the file changed on the server after " + std::to_string(job.stream_skip) +
                      " bytes of it were written to stdout");
  }
  job.etag = head.etag;
  job.last_modified = head.last_modified;
  job.content_encoding = head.content_encoding;
  UseContentDisposition(job, head);
  if (size) {
    PlanFile(job, t, *size);
  } else {
    total_unknown_ = true;
  }
  spdlog::debug("job {}: HTTP {} size={} split={}", job.id, head.status,
                size ? std::to_string(*size) : std::string("unknown"),
                job.plan ? job.plan->piece_count() : 1);
  return HeadVerdict::kAccept;
}

void Core::PlanFile(Job& job, PieceTransfer& t, std::uint64_t size) {
  if (job.stream) {
    // Streaming: pieces small enough that every connection works inside
    // the reorder window, taken lowest offset first (docs/storage.md).
    const std::uint64_t piece = StreamPieceSize(options_);
    const auto count = static_cast<int>(std::clamp<std::uint64_t>(size / piece, 1, kMaxStreamPieces));
    job.plan.emplace(size, job.splittable ? count : 1, piece);
    t.piece = job.plan->TakeUnassigned();
    bytes_known_total_ += size;
    return;
  }
  // -x connections per source: the primary and each mirror.
  const int connections =
      job.splittable ? job.connection_cap * static_cast<int>(job.sources.size()) : 1;
  job.plan.emplace(size, connections, options_.min_piece_size);
  t.piece = job.plan->TakeUnassigned();  // piece 0, which starts at byte 0
  bytes_known_total_ += size;
  if (job.plan->piece_count() <= 1) return;
  // A split download records its state before the first byte and reserves
  // its space: a disk that is full fails now, and the state is already
  // there for a resume once space is freed. Counted as a pending write so
  // the commit never overtakes it.
  // No byte is written before both are done: the transfer pauses until then.
  ++job.pending_writes;
  job.save_in_flight = true;
  job.preparing = true;
  PostToWriters([this, id = job.id, file = job.file, n = size, path = job.state_path,
                 state = Snapshot(job)] {
    Status saved = storage::SaveState(path, state);
    Status s = file->Preallocate(n);
    loop_.Post([this, id, saved = std::move(saved), s = std::move(s)]() mutable {
      Find(id)->preparing = false;
      OnStateSaved(id, 0, saved);
      OnWritten(id, 0, 0, std::move(s));
      ResumePaused();
    });
  });
}

HeadVerdict Core::AcceptResumeResponse(Job& job, PieceTransfer& t,
                                       const transfer::ResponseHead& head, Status& why) {
  const storage::ResumeState& state = *job.resume;
  const auto& cr = head.content_range;
  // If-Range makes a server whose file changed answer 200 with the new file;
  // a different size or validator says the same. Never mix the two files.
  const bool same = head.status == 206 && cr && !cr->unsatisfied && cr->first == job.resume_from &&
                    cr->total == state.size && IsIdentity(head.content_encoding) &&
                    SameValidators(state.etag, state.last_modified, head);
  if (!same) {
    t.recovery = Recovery::kRestart;
    return Reject(why, ErrorClass::kProtocol,
                  "the file changed on the server since the partial download (HTTP " +
                      std::to_string(head.status) + ", Content-Range " + DescribeRange(head) + ")");
  }
  job.splittable = true;
  job.etag = state.etag.empty() ? head.etag : state.etag;
  job.last_modified = state.last_modified.empty() ? head.last_modified : state.last_modified;
  UseContentDisposition(job, head);
  std::vector<scheduling::ByteRange> done;
  for (const storage::StateRange& r : state.completed) {
    // The byte asked for again (everything was written) is not done.
    if (r.begin <= job.resume_from && job.resume_from < r.end) {
      if (r.begin < job.resume_from) done.push_back({r.begin, job.resume_from});
      if (job.resume_from + 1 < r.end) done.push_back({job.resume_from + 1, r.end});
    } else {
      done.push_back({r.begin, r.end});
    }
  }
  job.plan.emplace(state.size, job.connection_cap, options_.min_piece_size, done);
  for (const auto& r : done) job.written.Add(r);
  job.saved_covered = job.written.covered();
  job.resumed_bytes = job.written.covered();
  t.piece = job.plan->TakeUnassigned();  // the gap that starts at resume_from
  bytes_known_total_ += state.size;
  // Counted as done, not as speed.
  bytes_received_ += job.resumed_bytes;
  last_progress_bytes_ += job.resumed_bytes;
  job.resume.reset();
  spdlog::info("{}: resuming at {} of {} bytes ({} already there)", job.final_path,
               job.resume_from, state.size, job.resumed_bytes);
  return HeadVerdict::kAccept;
}

void Core::UseContentDisposition(Job& job, const transfer::ResponseHead& head) {
  if (!options_.content_disposition || !job.spec.out.empty() || head.content_disposition.empty()) {
    return;
  }
  const auto raw = transfer::ParseContentDispositionFilename(head.content_disposition);
  const auto name = raw ? storage::SanitizeServerFilename(*raw) : std::nullopt;
  if (!name) {
    spdlog::warn("{}: unusable Content-Disposition name; keeping {}", job.url, job.final_path);
    return;
  }
  // Only a base name, in the directory the URL name was going to: never
  // anywhere else.
  job.commit_path = (std::filesystem::path(job.final_path).parent_path() / *name).string();
}

HeadVerdict Core::CheckPieceResponse(Job& job, PieceTransfer& t,
                                     const transfer::ResponseHead& head, Status& why) {
  if (t.source == 0) return CheckSourcePiece(job, t, head, why, job.etag, job.last_modified);
  Source& src = job.sources[t.source];
  if (!src.checked) return CheckMirror(job, t, head, why);
  const HeadVerdict v = CheckSourcePiece(job, t, head, why, src.etag, src.last_modified);
  // What would restart the download or reduce its connections when the
  // primary does it only takes this mirror out of rotation.
  if (v == HeadVerdict::kReject) t.recovery = Recovery::kDropSource;
  return v;
}

HeadVerdict Core::CheckMirror(Job& job, PieceTransfer& t, const transfer::ResponseHead& head,
                              Status& why) {
  // A mirror's bytes are combined with the primary's only if it serves the
  // same file: the same size, and validators that agree where comparable
  // (an ETag only on the primary's host, since servers derive them
  // differently; Last-Modified anywhere).
  Source& src = job.sources[t.source];
  const auto& cr = head.content_range;
  std::string why_not;
  if (head.status != 206 || !cr || cr->unsatisfied || cr->first != t.offset) {
    why_not = "no usable range response (HTTP " + std::to_string(head.status) + ", Content-Range " +
              DescribeRange(head) + ")";
  } else if (cr->total != job.plan->size()) {
    why_not = "size " + (cr->total ? std::to_string(*cr->total) : std::string("unknown")) +
              " instead of " + std::to_string(job.plan->size());
  } else if (src.host_key == job.host_key && !job.etag.empty() && !head.etag.empty() &&
             job.etag != head.etag) {
    why_not = "ETag " + head.etag + " instead of " + job.etag;
  } else if (!job.last_modified.empty() && !head.last_modified.empty() &&
             job.last_modified != head.last_modified) {
    why_not = "Last-Modified " + head.last_modified + " instead of " + job.last_modified;
  } else if (head.content_encoding != job.content_encoding) {
    why_not = "Content-Encoding '" + head.content_encoding + "'";
  }
  if (!why_not.empty()) {
    t.recovery = Recovery::kDropSource;
    return Reject(why, ErrorClass::kProtocol, "mirror " + src.url + " disagrees: " + why_not);
  }
  src.checked = true;
  src.etag = head.etag;
  src.last_modified = head.last_modified;
  return HeadVerdict::kAccept;
}

HeadVerdict Core::CheckSourcePiece(Job& job, PieceTransfer& t, const transfer::ResponseHead& head,
                                   Status& why, const std::string& etag,
                                   const std::string& last_modified) {
  if (head.status != 206) {
    // Sent with If-Range: a 200 is the server saying the file changed.
    if (!IfRangeValue(etag, last_modified).empty()) {
      t.recovery = Recovery::kRestart;
      return Reject(why, ErrorClass::kProtocol,
                    "the file changed on the server during the download (HTTP " +
                        std::to_string(head.status) + " to a range request)");
    }
    t.recovery = Recovery::kFallback;
    return Reject(why, ErrorClass::kProtocol,
                  "server ignored Range on a later request (HTTP " + std::to_string(head.status) + ")");
  }
  const auto& cr = head.content_range;
  if (cr && !cr->unsatisfied && cr->total && *cr->total != job.plan->size()) {
    // With validators that still agree, the server's arithmetic is broken,
    // not the file changed; without them, assume the worst.
    const bool vouched = (!etag.empty() && head.etag == etag) ||
                         (!last_modified.empty() && head.last_modified == last_modified);
    t.recovery = vouched && SameValidators(etag, last_modified, head) ? Recovery::kFallback
                                                                      : Recovery::kRestart;
    return Reject(why, ErrorClass::kProtocol,
                  "the file changed size on the server during the download (" +
                      std::to_string(job.plan->size()) + " -> " + std::to_string(*cr->total) + ")");
  }
  if (!cr || cr->unsatisfied || cr->first != t.offset || cr->total != job.plan->size()) {
    t.recovery = Recovery::kFallback;
    return Reject(why, ErrorClass::kProtocol,
                  "Content-Range " + DescribeRange(head) + " does not match the request for bytes " +
                      std::to_string(t.offset) + "- of " + std::to_string(job.plan->size()));
  }
  if (!SameValidators(etag, last_modified, head)) {
    t.recovery = Recovery::kRestart;
    return Reject(why, ErrorClass::kProtocol, "the file changed on the server during the download");
  }
  if (head.content_encoding != job.content_encoding) {
    t.recovery = Recovery::kFallback;
    return Reject(why, ErrorClass::kProtocol,
                  "Content-Encoding '" + head.content_encoding + "' on a range request");
  }
  return HeadVerdict::kAccept;
}

BodyVerdict Core::OnBody(PieceTransfer& t, std::span<const std::byte> data) {
  Job& job = t.job();
  if (job.failed() || job.skipped) return {BodyVerdict::kStop, 0};  // a 304 has no body
  if (job.preparing) {  // the state and the space reservation come first
    t.paused = true;
    paused_.push_back(&t);
    return {BodyVerdict::kPause, 0};
  }
  const auto now = Clock::now();
  if (OverSpeedLimit(job, now)) {  // resumed by the tick once tokens are back
    t.paused = true;
    t.rate_paused = true;
    rate_paused_.push_back(&t);
    return {BodyVerdict::kPause, 0};
  }
  // A piece's end can shrink while it runs (a steal), so look it up each time.
  std::size_t take = data.size();
  if (t.piece) {
    // The first request has no end: when it reaches its piece's end while
    // the next piece cannot get a connection of its own (the server refused
    // extra range requests, or no slot is free), it simply reads on.
    // Streaming, the pieces after it are better served by their own
    // transfers as slots free up, unless the server refuses those.
    if (t.probe() && t.offset + data.size() > job.plan->piece(*t.piece).range.end &&
        (job.fallback ||
         (!job.stream && (static_cast<int>(job.transfers.size()) >= job.connection_cap ||
                          !loop_.HasRoom(job.host_key, transfer::HttpVersion::kHttp11))))) {
      job.plan->MergeFollowing(*t.piece);
    }
    const std::uint64_t end = job.plan->piece(*t.piece).range.end;
    take = static_cast<std::size_t>(std::min<std::uint64_t>(take, end - t.offset));
  }
  if (!Store(t, data.first(take))) {
    t.paused = true;
    paused_.push_back(&t);
    return {BodyVerdict::kPause, 0};
  }
  if (t.piece) job.plan->Advance(*t.piece, take);
  t.offset += take;
  t.window_bytes += take;
  t.got += take;
  if (take > 0) {
    t.last_byte = now;
    overall_.Consume(take, now);
    job.scores->AddBytes(t.source, take, now);
    if (job.bucket) job.bucket->Consume(take, now);
  }
  job.received += take;
  if (take > 0) job.sources[t.source].failures = 0;
  bytes_received_ += take;
  stats_.bytes_received += take;
  if (take > 0) job.failures_in_a_row = 0;  // progress: retries start counting again
  if (take < data.size()) return {BodyVerdict::kStop, take};
  return {BodyVerdict::kConsumedAll, take};
}

bool Core::Store(PieceTransfer& t, std::span<const std::byte> data) {
  Job& job = t.job();
  std::uint64_t at = t.offset;
  if (at < job.stream_skip) {
    // Restarted from byte 0 while streaming: these bytes are on stdout already.
    const auto drop = static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), job.stream_skip - at));
    data = data.subspan(drop);
    at += drop;
  }
  if (data.empty()) return true;
  // Take the whole block or none of it: on a pause libcurl hands the same
  // bytes again later, so a partial copy would duplicate them.
  // Streaming: nothing past the window (the writes to stdout move it on).
  if (job.stream && at >= job.stream->written() + job.stream_window) return false;
  const std::size_t keep_free = KeepFree(job, t);
  if (!t.buffer) {
    t.buffer = buffers_.Acquire(keep_free);
    if (!t.buffer) return false;
    t.buffer_offset = at;
  }
  std::unique_ptr<storage::Buffer> next;
  if (t.buffer->free_space() < data.size()) {
    next = buffers_.Acquire(keep_free);
    if (!next) return false;
  }
  const std::size_t first = std::min(data.size(), t.buffer->free_space());
  std::memcpy(t.buffer->data.get() + t.buffer->size, data.data(), first);
  t.buffer->size += first;
  if (next) {
    Flush(t);
    t.buffer = std::move(next);
    t.buffer_offset = at + first;
    std::memcpy(t.buffer->data.get(), data.data() + first, data.size() - first);
    t.buffer->size = data.size() - first;
  } else if (t.buffer->free_space() == 0) {
    Flush(t);
  }
  return true;
}

void Core::Flush(PieceTransfer& t) {
  if (!t.buffer) return;
  if (t.buffer->size == 0) {
    buffers_.Release(std::move(t.buffer));
    return;
  }
  Job& job = t.job();
  if (job.stream) {  // to stdout, in order, through the reorder window
    job.stream->Add(t.buffer_offset, std::move(t.buffer));
    PumpStream(job);
    return;
  }
  ++job.pending_writes;
  // std::function needs a copyable callable, so the buffer travels in a shared_ptr.
  auto buffer = std::make_shared<std::unique_ptr<storage::Buffer>>(std::move(t.buffer));
  PostToWriters([this, id = job.id, file = job.file, offset = t.buffer_offset, buffer] {
    storage::Buffer& b = **buffer;
    Status s = file->WriteAt(offset, std::span<const std::byte>(b.data.get(), b.size));
    const std::uint64_t n = b.size;
    buffers_.Release(std::move(*buffer));
    loop_.Post([this, id, offset, n, s = std::move(s)]() mutable {
      OnWritten(id, offset, n, std::move(s));
    });
  });
}

void Core::ResumePaused() {
  // Resume may deliver bytes right away, and OnBody may pause again and
  // append to paused_, so walk a private copy.
  std::vector<PieceTransfer*> batch;
  batch.swap(paused_);
  const auto now = Clock::now();
  for (PieceTransfer* t : batch) {
    t->paused = false;
    t->window_start = now;  // time spent paused is ours, not a stall
    t->window_bytes = 0;
    loop_.Resume(t->handle);
  }
}

void Core::OnDone(PieceTransfer& t, const transfer::TransferResult& result) {
  Job& job = t.job();
  Source& src = job.sources[t.source];
  --src.active;
  src.busy_seconds += std::chrono::duration<double>(Clock::now() - t.started).count();
  src.done_bytes += t.got;
  Flush(t);
  if (t.paused) {
    std::erase(paused_, &t);
    std::erase(rate_paused_, &t);
  }
  if (t.piece) job.plan->Release(*t.piece);
  if (!result.status.ok()) {
    Recover(job, t, result);
  } else if (job.skipped) {
    // A 304: nothing arrived and nothing is missing.
  } else if (!t.piece && job.plan == std::nullopt && t.probe()) {
    job.stream_ended = true;  // a stream of unknown length ended cleanly
  } else if (job.plan && !job.splittable && !job.plan->done()) {
    Fail(job, Status::Error(ErrorClass::kNetwork, "the server closed the stream early"));
  }
  std::erase_if(job.transfers, [&](const auto& p) { return p.get() == &t; });  // deletes t
  if (job.fallback) MergeIntoStream(job);
  MaybeClose(job);
}

}  // namespace haul::engine
