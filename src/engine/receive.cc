// Implements the receiving half of engine/core.h: checking response heads,
// buffering body bytes, and handing full buffers to the writer threads.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "engine/core.h"

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
bool SameValidators(const Job& job, const transfer::ResponseHead& head) {
  if (!job.etag.empty() && !head.etag.empty() && job.etag != head.etag) return false;
  return job.last_modified.empty() || head.last_modified.empty() ||
         job.last_modified == head.last_modified;
}

}  // namespace

HeadVerdict Core::OnHead(PieceTransfer& t, const transfer::ResponseHead& head, Status& why) {
  Job& job = t.job();
  if (job.failed()) return Reject(why, job.failure.error_class(), job.failure.message());
  if (head.status >= 400 || (head.status >= 300 && head.status < 400)) {
    // A 416 to "bytes=0-" with "bytes */0" is how some servers say "empty file".
    const bool empty = t.probe() && head.status == 416 && head.content_range &&
                       head.content_range->unsatisfied && head.content_range->total == 0U;
    if (!empty) return Reject(why, ErrorClass::kHttp, HttpError(head));
  }
  return t.probe() ? AcceptFirstResponse(job, t, head, why) : CheckPieceResponse(job, t, head, why);
}

HeadVerdict Core::AcceptFirstResponse(Job& job, PieceTransfer& t,
                                      const transfer::ResponseHead& head, Status& why) {
  std::optional<std::uint64_t> size;
  if (head.status == 416) {
    size = 0;  // checked by OnHead: "bytes */0"
  } else if (head.status == 206) {
    // Split only on a 206 whose Content-Range starts where we asked and
    // states the total; anything else could put bytes at the wrong offsets.
    const auto& cr = head.content_range;
    if (!cr || cr->unsatisfied || cr->first != 0 || !cr->total) {
      return Reject(why, ErrorClass::kProtocol,
                    "bad Content-Range for bytes=0-: " + DescribeRange(head));
    }
    size = *cr->total;
    job.splittable = true;
  } else {
    size = head.content_length;  // a 200: the server ignored Range; one stream
  }
  job.etag = head.etag;
  job.last_modified = head.last_modified;
  if (size) {
    const int connections = job.splittable ? options_.connections_per_download : 1;
    job.plan.emplace(*size, connections, options_.min_piece_size);
    t.piece = job.plan->TakeUnassigned();  // piece 0, which starts at byte 0
    bytes_known_total_ += *size;
    if (job.plan->piece_count() > 1) {
      // Counted as a pending write so the commit never overtakes it.
      ++job.pending_writes;
      PostToWriters([this, id = job.id, file = job.file, n = *size] {
        Status s = file->Preallocate(n);
        loop_.Post([this, id, s = std::move(s)]() mutable { OnWritten(id, 0, std::move(s)); });
      });
    }
  } else {
    total_unknown_ = true;
  }
  spdlog::debug("job {}: HTTP {} size={} split={}", job.id, head.status,
                size ? std::to_string(*size) : std::string("unknown"),
                job.plan ? job.plan->piece_count() : 1);
  return HeadVerdict::kAccept;
}

HeadVerdict Core::CheckPieceResponse(Job& job, PieceTransfer& t,
                                     const transfer::ResponseHead& head, Status& why) {
  if (head.status != 206) {
    return Reject(why, ErrorClass::kProtocol,
                  "server ignored Range on a later request (HTTP " + std::to_string(head.status) + ")");
  }
  const auto& cr = head.content_range;
  if (!cr || cr->unsatisfied || cr->first != t.offset || cr->total != job.plan->size()) {
    return Reject(why, ErrorClass::kProtocol,
                  "Content-Range " + DescribeRange(head) + " does not match the request for bytes " +
                      std::to_string(t.offset) + "- of " + std::to_string(job.plan->size()));
  }
  if (!SameValidators(job, head)) {
    return Reject(why, ErrorClass::kProtocol, "the file changed on the server during the download");
  }
  return HeadVerdict::kAccept;
}

BodyVerdict Core::OnBody(PieceTransfer& t, std::span<const std::byte> data) {
  Job& job = t.job();
  if (job.failed()) return {BodyVerdict::kStop, 0};
  // A piece's end can shrink while it runs (a steal), so look it up each time.
  std::size_t take = data.size();
  if (t.piece) {
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
  job.received += take;
  bytes_received_ += take;
  if (take < data.size()) return {BodyVerdict::kStop, take};
  return {BodyVerdict::kConsumedAll, take};
}

bool Core::Store(PieceTransfer& t, std::span<const std::byte> data) {
  if (data.empty()) return true;
  // Take the whole block or none of it: on a pause libcurl hands the same
  // bytes again later, so a partial copy would duplicate them.
  if (!t.buffer) {
    t.buffer = buffers_.Acquire();
    if (!t.buffer) return false;
    t.buffer_offset = t.offset;
  }
  std::unique_ptr<storage::Buffer> next;
  if (t.buffer->free_space() < data.size()) {
    next = buffers_.Acquire();
    if (!next) return false;
  }
  const std::size_t first = std::min(data.size(), t.buffer->free_space());
  std::memcpy(t.buffer->data.get() + t.buffer->size, data.data(), first);
  t.buffer->size += first;
  if (next) {
    Flush(t);
    t.buffer = std::move(next);
    t.buffer_offset = t.offset + first;
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
  ++job.pending_writes;
  // std::function needs a copyable callable, so the buffer travels in a shared_ptr.
  auto buffer = std::make_shared<std::unique_ptr<storage::Buffer>>(std::move(t.buffer));
  PostToWriters([this, id = job.id, file = job.file, offset = t.buffer_offset, buffer] {
    storage::Buffer& b = **buffer;
    Status s = file->WriteAt(offset, std::span<const std::byte>(b.data.get(), b.size));
    const std::uint64_t n = b.size;
    buffers_.Release(std::move(*buffer));
    loop_.Post([this, id, n, s = std::move(s)]() mutable { OnWritten(id, n, std::move(s)); });
  });
}

void Core::ResumePaused() {
  // Resume may deliver bytes right away, and OnBody may pause again and
  // append to paused_, so walk a private copy.
  std::vector<PieceTransfer*> batch;
  batch.swap(paused_);
  for (PieceTransfer* t : batch) {
    t->paused = false;
    loop_.Resume(t->handle);
  }
}

void Core::OnDone(PieceTransfer& t, const transfer::TransferResult& result) {
  Job& job = t.job();
  Flush(t);
  if (t.paused) std::erase(paused_, &t);
  if (t.piece) job.plan->Release(*t.piece);
  if (!result.status.ok()) {
    Fail(job, result.status);
  } else if (!t.piece && job.plan == std::nullopt && t.probe()) {
    job.stream_ended = true;  // a stream of unknown length ended cleanly
  } else if (job.plan && !job.splittable && !job.plan->done()) {
    Fail(job, Status::Error(ErrorClass::kNetwork, "the server closed the stream early"));
  }
  std::erase_if(job.transfers, [&](const auto& p) { return p.get() == &t; });  // deletes t
  MaybeClose(job);
}

}  // namespace haul::engine
