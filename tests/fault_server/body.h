// A response body as it goes on the wire, produced piece by piece so that
// a large resource never sits in memory: a short text, a slice of the
// content, or the whole content in chunked framing (RFC 9112 7.1) with
// chunks of varying sizes.
//
// Thread safety: a BodySource belongs to one connection thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fault_server/response_plan.h"

namespace haul_fault {

/// The largest piece Next() returns, framing excluded.
inline constexpr std::size_t kMaxPiece = 64 * 1024;

/// Produces the body bytes of one ResponsePlan in order.
class BodySource {
 public:
  /// `plan` must outlive the source.
  explicit BodySource(const ResponsePlan& plan) : plan_(plan) {}

  /// The next piece of the body; empty once it is complete. The view is
  /// valid until the next call.
  std::string_view Next();

 private:
  std::string_view NextContent();
  std::string_view NextChunk();

  const ResponsePlan& plan_;
  std::uint64_t produced_ = 0;  ///< content or text bytes produced so far
  std::size_t chunks_ = 0;      ///< chunks produced so far
  bool finished_ = false;       ///< chunked: the last chunk has been produced
  std::string piece_;
};

}  // namespace haul_fault
