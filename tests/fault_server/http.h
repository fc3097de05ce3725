// HTTP/1.1 request parsing for the fault server: the request head, the
// query string, percent-decoding and the Range header (RFC 9110, RFC 9112).
// Only what a download client sends is understood: requests without a body,
// one range at most.
//
// Thread safety: pure functions and plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace haul_fault {

/// A request head larger than this is answered with 400 and the connection
/// closed.
inline constexpr std::size_t kMaxHeadBytes = 16 * 1024;

/// One parsed request head.
struct Request {
  std::string method;   ///< e.g. "GET"
  std::string target;   ///< as sent, e.g. "/a.bin?size=10"
  std::string path;     ///< target before '?'
  std::string query;    ///< target after '?', still percent-encoded
  std::string version;  ///< "HTTP/1.1" or "HTTP/1.0"
  /// Header fields in order; names lower-cased, values without OWS.
  std::vector<std::pair<std::string, std::string>> headers;

  /// The first field named `lower_name`, or nullopt.
  std::optional<std::string_view> Header(std::string_view lower_name) const;
  /// True when the connection may carry another request afterwards:
  /// HTTP/1.1 unless "Connection: close", HTTP/1.0 only with keep-alive.
  bool KeepAlive() const;
  /// True when the request announces a body, which the server refuses.
  bool HasBody() const;
};

/// Parses a request head: the request line and header lines, without the
/// blank line that ends them. nullopt when it is malformed.
std::optional<Request> ParseRequestHead(std::string_view head);

/// Decodes %XX escapes ('+' stays '+'); nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view s);

/// One name=value pair of a query string, still percent-encoded.
struct QueryParam {
  std::string_view name;
  std::string_view value;  ///< empty when there was no '='
  bool has_value = false;  ///< true when there was a '='
};

/// Splits a query string at '&'; empty pieces are skipped.
std::vector<QueryParam> SplitQuery(std::string_view query);

/// A Range header value resolved against a resource's size.
struct RangeResult {
  enum class Kind {
    kNone,           ///< no usable single byte range: serve the whole body
    kSatisfiable,    ///< serve [first, last]
    kUnsatisfiable,  ///< answer 416
  };
  Kind kind = Kind::kNone;
  std::uint64_t first = 0;  ///< kSatisfiable only
  std::uint64_t last = 0;   ///< inclusive; kSatisfiable only
};

/// Resolves "bytes=a-b", "bytes=a-" or "bytes=-n" against `size`. Anything
/// else (another unit, several ranges, bad syntax) is kNone: RFC 9110 14.2
/// lets a server ignore a Range it does not understand.
RangeResult ResolveRange(std::string_view value, std::uint64_t size);

/// ASCII lower case.
std::string ToLower(std::string_view s);

/// Parses a decimal number without sign or spaces; false on overflow.
bool ParseU64(std::string_view s, std::uint64_t* out);

}  // namespace haul_fault
