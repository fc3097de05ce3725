// Deciding the fault server's answer to one request: status, header fields,
// which bytes make the body, and how delivering them goes wrong. Pure logic
// with no I/O, so the connection code only carries a plan out.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fault_server/http.h"

namespace haul_fault {

/// One response, ready to be sent.
struct ResponsePlan {
  /// What the body is made of.
  enum class Body {
    kText,     ///< `text`, for errors and redirects
    kContent,  ///< bytes [first, first + length) of the content of `version`
    kChunked,  ///< the whole content of `version` in chunked framing
  };

  int status = 200;
  /// Header fields in order, without the framing ones (Content-Length,
  /// Transfer-Encoding), which SerializeHead adds from the body.
  std::vector<std::pair<std::string, std::string>> headers;
  Body body = Body::kText;
  std::string text;
  std::uint64_t first = 0;
  std::uint64_t length = 0;
  std::uint64_t version = 0;
  bool head_only = false;  ///< HEAD: the head says what GET would send, no body
  bool close = false;      ///< close the connection (FIN) afterwards

  // How delivery goes wrong, counted in body bytes as sent on the wire.
  std::optional<std::uint64_t> reset_after;  ///< RST once this many were sent
  std::optional<std::uint64_t> stall_after;  ///< pause once this many were sent
  std::uint64_t stall_ms = 0;
  std::optional<std::uint64_t> short_after;  ///< FIN once this many were sent
  std::uint64_t rate = 0;                    ///< bytes per second; 0: no limit
};

/// The answer to request number `number` (0-based, per path) of its path.
/// `default_host` ("127.0.0.1:PORT") makes absolute redirect URLs when the
/// request has no Host field.
ResponsePlan PlanResponse(const Request& request, std::uint64_t number,
                          std::string_view default_host);

/// A small text/plain response, e.g. 400 with the reason.
ResponsePlan TextResponse(int status, std::string text);

/// The status line and header fields, ending with the blank line.
std::string SerializeHead(const ResponsePlan& plan);

/// The ETag the content of `version` and `size` is served with.
std::string ContentEtag(std::uint64_t version, std::uint64_t size);

/// The Last-Modified of `version`: an IMF-fixdate one hour later per version.
std::string ContentLastModified(std::uint64_t version);

}  // namespace haul_fault
