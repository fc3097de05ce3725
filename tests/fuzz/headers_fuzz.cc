// libFuzzer target for the parsers that read bytes a server chooses:
// transfer/http_headers.h and storage::SanitizeServerFilename.
//
// The input is a response head, split into lines the way libcurl's header
// callback delivers them ('\n' kept). Every line, and the value after its
// first ':', also goes through each parser on its own, so a seed of bare
// values works as well as a seed of whole headers. Beyond "no crash, no
// ASan/UBSan report", it checks what the callers rely on:
//   - a sanitized server name is non-empty, at most 255 bytes, not "." or
//     "..", not a dot file, has no '/', '\\' or control character, does not
//     end in '.' or ' ', stays UTF-8 if it was, and sanitizes to itself;
//   - a Retry-After wait is within [0, kMaxRetryAfter] for any clock;
//   - a parsed Content-Range is ordered and inside its total.
//
// Thread safety: libFuzzer calls LLVMFuzzerTestOneInput from one thread.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "storage/output_name.h"
#include "transfer/http_headers.h"

namespace haul::fuzz {
namespace {

using std::chrono::system_clock;

void CheckServerName(std::string_view raw) {
  const std::optional<std::string> name = storage::SanitizeServerFilename(raw);
  if (!name) return;
  Require(!name->empty() && name->size() <= 255, "sanitized name is 1-255 bytes");
  Require(*name != "." && *name != "..", "sanitized name is not . or ..");
  Require(name->front() != '.', "sanitized name is not a dot file");
  Require(name->back() != '.' && name->back() != ' ', "sanitized name has no trailing . or space");
  for (const char c : *name) {
    const auto u = static_cast<unsigned char>(c);
    Require(c != '/' && c != '\\', "sanitized name has no separator");
    Require(u >= 0x20 && u != 0x7f, "sanitized name has no control character");
  }
  Require(!IsUtf8(raw) || IsUtf8(*name), "sanitizing UTF-8 keeps it UTF-8");
  Require(storage::SanitizeServerFilename(*name) == name, "sanitizing is idempotent");
}

void CheckDisposition(std::string_view value) {
  const std::optional<std::string> name = transfer::ParseContentDispositionFilename(value);
  if (!name) return;
  Require(!name->empty(), "a Content-Disposition name is non-empty");
  CheckServerName(*name);
}

void CheckRetryAfter(std::string_view value) {
  // A fixed clock keeps runs reproducible; the extremes look for overflow.
  const system_clock::time_point kNow =
      std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + std::chrono::hours{12};
  for (const system_clock::time_point now :
       {kNow, system_clock::time_point::min(), system_clock::time_point::max()}) {
    const std::optional<std::chrono::seconds> wait = transfer::ParseRetryAfter(value, now);
    Require(!wait || (*wait >= std::chrono::seconds{0} && *wait <= transfer::kMaxRetryAfter),
            "Retry-After wait is within [0, kMaxRetryAfter]");
  }
}

void CheckContentRange(const std::optional<transfer::ContentRange>& range) {
  if (!range) return;
  if (range->unsatisfied) {
    Require(range->total.has_value(), "an unsatisfied range has a total");
    return;
  }
  Require(range->first <= range->last, "Content-Range first <= last");
  Require(!range->total || range->last < *range->total, "Content-Range last < total");
}

/// Every parser on one header value (or a whole line: they must cope).
void CheckValue(std::string_view value) {
  CheckContentRange(transfer::ParseContentRange(value));
  (void)transfer::ParseUint64(value);
  CheckDisposition(value);
  CheckRetryAfter(value);
  CheckServerName(value);
}

}  // namespace
}  // namespace haul::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace haul;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  transfer::ResponseHeadBuilder builder;
  while (!input.empty()) {
    const std::size_t end = std::min(input.find('\n'), input.size() - 1) + 1;
    const std::string_view line = input.substr(0, end);
    input.remove_prefix(end);
    builder.Feed(line);
    fuzz::CheckValue(line);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) fuzz::CheckValue(line.substr(colon + 1));
  }
  const transfer::ResponseHead& head = builder.head();
  fuzz::CheckContentRange(head.content_range);
  fuzz::Require(!head.bad_content_range || !head.content_range,
                "bad_content_range means no content_range");
  fuzz::CheckDisposition(head.content_disposition);
  fuzz::CheckRetryAfter(head.retry_after);
  return 0;
}
