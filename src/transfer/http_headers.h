// Parsing the few response headers haul acts on. Pure functions, no curl.
//
// Thread safety: pure functions and plain values.
#pragma once

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
  bool bad_content_range = false;  ///< a Content-Range header was present but malformed
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

}  // namespace haul::transfer
