// Parsing the few response headers haul acts on. Pure functions, no curl.
//
// Thread safety: pure functions and plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace haul::transfer {

/// A parsed "Content-Range: bytes first-last/total" (RFC 9110 14.4).
/// "bytes */total" (on 416) parses with `unsatisfied` set.
struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;                ///< inclusive
  std::optional<std::uint64_t> total;    ///< nullopt for "/*"
  bool unsatisfied = false;              ///< "bytes */total"
  bool operator==(const ContentRange&) const = default;
};

/// nullopt unless `value` is a well-formed byte Content-Range with first <= last
/// and, when the total is known, last < total.
std::optional<ContentRange> ParseContentRange(std::string_view value);

/// The head of the final response, gathered line by line by ResponseHeadBuilder.
struct ResponseHead {
  long status = 0;
  std::string reason;  ///< reason phrase; empty on HTTP/2
  std::optional<ContentRange> content_range;
  std::optional<std::uint64_t> content_length;
  std::string etag;
  std::string last_modified;
  std::string content_encoding;
  std::string content_disposition;  ///< raw value; see ParseContentDispositionFilename
  std::string retry_after;          ///< raw value; see ParseRetryAfter
  bool bad_content_range = false;   ///< a Content-Range header was present but malformed
};

/// Feeds raw header lines (as libcurl's header callback delivers them, CRLF
/// included). A status line starts a new head, so after redirects and
/// "100 Continue" only the final response's headers remain.
class ResponseHeadBuilder {
 public:
  void Reset() { head_ = ResponseHead{}; }
  void Feed(std::string_view line);
  const ResponseHead& head() const { return head_; }

 private:
  ResponseHead head_;
};

/// Parses a decimal uint64 that must fill `s` entirely.
std::optional<std::uint64_t> ParseUint64(std::string_view s);

/// The file name a Content-Disposition value suggests (RFC 6266), e.g.
///   attachment; filename="a b.txt"              -> a b.txt (quoted-string)
///   inline; filename=a.txt                      -> a.txt (token)
///   attachment; filename*=UTF-8''%e2%82%ac.txt  -> U+20AC ".txt", as UTF-8
/// filename* wins over filename whatever their order; it may use UTF-8 or
/// ISO-8859-1 (converted to UTF-8). A filename* that cannot be decoded (other
/// charset, bad %-escape, invalid UTF-8, quoted) is ignored, as RFC 6266
/// advises, and filename is used instead. Parameter names are case-insensitive;
/// other parameters are skipped.
///
/// The name is returned as sent: it may hold "/", ".." or control characters,
/// so pass it through storage::SanitizeServerFilename before using it. It is
/// never percent-decoded unless it came from filename*.
///
/// nullopt when there is no non-empty name, or the value is malformed: no
/// disposition type, an unbalanced quote, or the same name parameter twice
/// (two names are ambiguous, so neither is trusted).
std::optional<std::string> ParseContentDispositionFilename(std::string_view value);

/// The longest wait ParseRetryAfter returns: a server asking for more is
/// treated as asking for this, so a typo or overflow cannot stall a job for
/// years.
inline constexpr std::chrono::seconds kMaxRetryAfter = std::chrono::hours(24);

/// How long a Retry-After value (RFC 9110 10.2.3) asks to wait, relative to
/// `now`: delta-seconds ("120") or an HTTP-date in any of the three forms of
/// RFC 9110 5.6.7 ("Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94
/// 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"). A date in the past gives 0;
/// anything longer than kMaxRetryAfter gives kMaxRetryAfter. A date is
/// rounded up to whole seconds. nullopt when `value` is neither form.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now);

/// A Last-Modified value (an HTTP-date in any of the three forms above) as
/// seconds since the epoch; `now` places an rfc850-date's two-digit year.
/// nullopt when it is not a date.
std::optional<std::chrono::sys_seconds> ParseLastModified(std::string_view value,
                                                          std::chrono::system_clock::time_point now);

}  // namespace haul::transfer
