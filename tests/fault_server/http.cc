// Parsing request heads, queries, percent-escapes and Range values.
// Thread safety: pure functions.
#include "fault_server/http.h"

#include <algorithm>
#include <limits>

namespace haul_fault {
namespace {

constexpr std::string_view kCrlf = "\r\n";
// A request head has at most kMaxHeadBytes, so at most this many lines.
constexpr std::size_t kMaxLines = kMaxHeadBytes / 2;

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

/// A field name is an RFC 9110 token: visible ASCII without delimiters.
bool IsToken(std::string_view s) {
  constexpr std::string_view kDelimiters = "\"(),/:;<=>?@[\\]{}";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return c > ' ' && c < 127 && kDelimiters.find(c) == std::string_view::npos;
  });
}

/// Splits off the text before the next CRLF (or all of it).
std::string_view TakeLine(std::string_view& rest) {
  const std::size_t end = rest.find(kCrlf);
  const std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
  return line;
}

/// "GET /target HTTP/1.1": exactly three parts separated by single spaces.
bool ParseRequestLine(std::string_view line, Request* r) {
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return false;
  r->method = line.substr(0, sp1);
  r->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  r->version = line.substr(sp2 + 1);
  if (!IsToken(r->method) || r->target.empty() || r->target.front() != '/') return false;
  if (r->target.find(' ') != std::string::npos) return false;
  if (r->version != "HTTP/1.1" && r->version != "HTTP/1.0") return false;
  const std::size_t q = r->target.find('?');
  r->path = r->target.substr(0, q);
  r->query = q == std::string::npos ? std::string() : r->target.substr(q + 1);
  return true;
}

/// "Name: value"; obsolete line folding (a line starting with OWS) is
/// rejected, as RFC 9112 5.2 allows.
bool ParseHeaderLine(std::string_view line, Request* r) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view name = line.substr(0, colon);
  if (!IsToken(name)) return false;
  r->headers.emplace_back(ToLower(name), std::string(TrimOws(line.substr(colon + 1))));
  return true;
}

/// True when the comma-separated list `value` holds `token`, ignoring case.
bool ListHasToken(std::string_view value, std::string_view token) {
  for (std::size_t guard = 0; guard <= kMaxHeadBytes && !value.empty(); ++guard) {
    const std::size_t comma = value.find(',');
    if (ToLower(TrimOws(value.substr(0, comma))) == token) return true;
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
  }
  return false;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string_view> Request::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

bool Request::KeepAlive() const {
  const std::string_view connection = Header("connection").value_or("");
  if (ListHasToken(connection, "close")) return false;
  return version == "HTTP/1.1" || ListHasToken(connection, "keep-alive");
}

bool Request::HasBody() const {
  if (Header("transfer-encoding").has_value()) return true;
  const auto length = Header("content-length");
  return length.has_value() && *length != "0";
}

std::optional<Request> ParseRequestHead(std::string_view head) {
  Request r;
  if (!ParseRequestLine(TakeLine(head), &r)) return std::nullopt;
  for (std::size_t i = 0; i < kMaxLines && !head.empty(); ++i) {
    if (!ParseHeaderLine(TakeLine(head), &r)) return std::nullopt;
  }
  if (!head.empty()) return std::nullopt;
  return r;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;  // a '%' needs two digits
    const int hi = HexDigit(s[i + 1]);
    const int lo = HexDigit(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::vector<QueryParam> SplitQuery(std::string_view query) {
  std::vector<QueryParam> params;
  for (std::size_t guard = 0; guard <= kMaxHeadBytes && !query.empty(); ++guard) {
    const std::size_t amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;
    const std::size_t eq = piece.find('=');
    const bool has_value = eq != std::string_view::npos;
    params.push_back(
        {piece.substr(0, eq), has_value ? piece.substr(eq + 1) : std::string_view(), has_value});
  }
  return params;
}

RangeResult ResolveRange(std::string_view value, std::uint64_t size) {
  value = TrimOws(value);
  constexpr std::string_view kUnit = "bytes=";
  if (value.size() < kUnit.size() || ToLower(value.substr(0, kUnit.size())) != kUnit) return {};
  const std::string_view spec = TrimOws(value.substr(kUnit.size()));
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) return {};
  const std::string_view a = spec.substr(0, dash);
  const std::string_view b = spec.substr(dash + 1);
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (a.empty()) {  // bytes=-n: the last n bytes
    if (!ParseU64(b, &last)) return {};
    if (last == 0 || size == 0) return {RangeResult::Kind::kUnsatisfiable};
    return {RangeResult::Kind::kSatisfiable, size - std::min(last, size), size - 1};
  }
  if (!ParseU64(a, &first)) return {};
  if (b.empty()) {
    last = std::numeric_limits<std::uint64_t>::max();
  } else if (!ParseU64(b, &last) || last < first) {
    return {};
  }
  if (first >= size) return {RangeResult::Kind::kUnsatisfiable};
  return {RangeResult::Kind::kSatisfiable, first, std::min(last, size - 1)};
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool ParseU64(std::string_view s, std::uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

}  // namespace haul_fault
