// Implements transfer/http_headers.h.
#include "transfer/http_headers.h"

#include <charconv>
#include <cctype>

namespace haul::transfer {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// "HTTP/1.1 206 Partial Content" or "HTTP/2 200".
void ParseStatusLine(std::string_view line, ResponseHead& head) {
  const std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return;
  std::string_view rest = line.substr(sp + 1);
  const std::size_t sp2 = rest.find(' ');
  const std::string_view code = rest.substr(0, sp2);
  long value = 0;
  auto [ptr, ec] = std::from_chars(code.data(), code.data() + code.size(), value);
  if (ec == std::errc() && ptr == code.data() + code.size()) head.status = value;
  if (sp2 != std::string_view::npos) head.reason = std::string(Trim(rest.substr(sp2 + 1)));
}

}  // namespace

std::optional<std::uint64_t> ParseUint64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<ContentRange> ParseContentRange(std::string_view value) {
  value = Trim(value);
  if (value.size() < 6 || !IEquals(value.substr(0, 6), "bytes ")) return std::nullopt;
  value = Trim(value.substr(6));
  const std::size_t slash = value.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view span = value.substr(0, slash);
  const std::string_view total = value.substr(slash + 1);
  ContentRange cr;
  if (total != "*") {
    cr.total = ParseUint64(total);
    if (!cr.total) return std::nullopt;
  }
  if (span == "*") {
    if (!cr.total) return std::nullopt;  // "bytes */*" says nothing
    cr.unsatisfied = true;
    return cr;
  }
  const std::size_t dash = span.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto first = ParseUint64(span.substr(0, dash));
  const auto last = ParseUint64(span.substr(dash + 1));
  if (!first || !last || *first > *last) return std::nullopt;
  if (cr.total && *last >= *cr.total) return std::nullopt;
  cr.first = *first;
  cr.last = *last;
  return cr;
}

void ResponseHeadBuilder::Feed(std::string_view line) {
  if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
    head_ = ResponseHead{};
    ParseStatusLine(Trim(line), head_);
    return;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  const std::string_view name = Trim(line.substr(0, colon));
  const std::string_view value = Trim(line.substr(colon + 1));
  if (IEquals(name, "Content-Range")) {
    head_.content_range = ParseContentRange(value);
    head_.bad_content_range = !head_.content_range.has_value();
  } else if (IEquals(name, "Content-Length")) {
    head_.content_length = ParseUint64(value);
  } else if (IEquals(name, "ETag")) {
    head_.etag = std::string(value);
  } else if (IEquals(name, "Last-Modified")) {
    head_.last_modified = std::string(value);
  } else if (IEquals(name, "Content-Encoding")) {
    head_.content_encoding = std::string(value);
  }
}

}  // namespace haul::transfer
