// Producing response bodies piece by piece: text, content slices and chunked
// framing. Thread safety: a BodySource belongs to one thread (body.h).
#include "fault_server/body.h"

#include <algorithm>
#include <cstdio>
#include <span>

#include "fault_server/content.h"

namespace haul_fault {
namespace {

// Chunk sizes, used in turn: tiny ones, odd ones and ones larger than a
// typical client buffer, so a decoder meets every boundary case.
constexpr std::uint64_t kChunkSizes[] = {1, 7, 4096, 333, 65536, 10, 16383, 1000};

std::string Hex(std::uint64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(n));
  return buf;
}

}  // namespace

std::string_view BodySource::Next() {
  switch (plan_.body) {
    case ResponsePlan::Body::kText:
      if (produced_ > 0) return {};
      produced_ = plan_.text.size();
      return plan_.text;
    case ResponsePlan::Body::kContent:
      return NextContent();
    case ResponsePlan::Body::kChunked:
      return NextChunk();
  }
  return {};
}

std::string_view BodySource::NextContent() {
  const std::uint64_t left = plan_.length - produced_;
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, kMaxPiece));
  piece_.resize(n);
  FillContent(plan_.first + produced_, std::as_writable_bytes(std::span<char>(piece_)),
              plan_.version);
  produced_ += n;
  return piece_;
}

std::string_view BodySource::NextChunk() {
  if (finished_) return {};
  const std::uint64_t left = plan_.length - produced_;
  if (left == 0) {
    finished_ = true;
    piece_ = "0\r\n\r\n";  // the last chunk, no trailer
    return piece_;
  }
  const std::uint64_t size = kChunkSizes[chunks_ % std::size(kChunkSizes)];
  const std::uint64_t n = std::min(left, size);
  ++chunks_;
  piece_ = Hex(n) + "\r\n" + ContentSlice(produced_, n, plan_.version) + "\r\n";
  produced_ += n;
  return piece_;
}

}  // namespace haul_fault
