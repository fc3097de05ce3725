// The fault server's query parameters: what a request's URL asks the server
// to do wrong. Every parameter, its default and its meaning is here; the
// parser is a table in fault_params.cc. tests/integration/README.md lists
// them for test authors.
//
// Thread safety: plain values and a pure function.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace haul_fault {

/// What the Content-Range of a 206 gets wrong (bad_range=).
enum class BadRange {
  kNone,
  kOffset,  ///< "offset": states first + 1 as the first byte
  kTotal,   ///< "total": states size + 1 as the complete length
};

/// The faults one request gets. A request that the selector does not pick
/// gets a default-constructed Faults: normal service.
struct Faults {
  bool ignore_range = false;                       ///< ignore_range=1: 200 with the whole body
  BadRange bad_range = BadRange::kNone;            ///< bad_range=offset|total
  std::optional<std::uint64_t> reset_after;        ///< reset_after=N: RST after N body bytes
  std::optional<std::uint64_t> stall_after;        ///< stall_after=N: pause after N body bytes
  std::uint64_t stall_ms = 60000;                  ///< stall_ms=M: how long the pause is
  std::optional<std::uint64_t> short_after;        ///< short=N: FIN after N body bytes
  int status = 0;                                  ///< status=CODE; 0: none
  std::optional<std::string> retry_after;          ///< retry_after=VALUE, with status=
  bool change = false;                             ///< change=1: a new version on every request
  bool chunked = false;                            ///< chunked=1: 200 with chunked framing
  std::optional<std::uint64_t> redirect;           ///< redirect=N: 302 to redirect=N-1
  bool absolute = false;                           ///< absolute=1: Location is an absolute URL
  bool loop = false;                               ///< loop=1: 302 to the same URL forever
  std::optional<std::string> content_disposition;  ///< cd=VALUE, decoded
  bool gzip = false;                               ///< encoding=gzip: Content-Encoding on 206s
  std::uint64_t rate = 0;                          ///< rate=BPS: body bytes per second; 0: no limit
  bool no_validators = false;                      ///< no_validators=1: no ETag, no Last-Modified
};

/// Everything a request's query says.
struct FaultParams {
  std::uint64_t size = 1048576;  ///< size=N: the resource's length
  /// Selector (per path): requests number fault_from .. fault_from +
  /// fault_count - 1, counted from 0, get `faults`.
  std::uint64_t fault_from = 0;                                           ///< fault_from=K
  std::uint64_t fault_count = std::numeric_limits<std::uint64_t>::max();  ///< fault_count=M
  bool fault_ranged = false;  ///< fault_ranged=1: only ranges starting after byte 0
  Faults faults;
};

/// Parses a raw query string. Values are percent-decoded; names are not.
/// Returns false with a one-line reason in *error for an unknown name or a
/// bad value, so that a typo in a test fails loudly (400) instead of being
/// served normally. "tag=ANYTHING" is accepted and ignored, to make URLs
/// distinct.
bool ParseFaultParams(std::string_view query, FaultParams* out, std::string* error);

}  // namespace haul_fault
