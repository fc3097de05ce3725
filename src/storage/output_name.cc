// Implements src/storage/output_name.h.
#include "storage/output_name.h"

#include <cstddef>
#include <optional>

namespace haul::storage {
namespace {

// NAME_MAX on Linux filesystems: longer names fail with ENAMETOOLONG.
constexpr std::size_t kMaxNameBytes = 255;
// The longest UTF-8 sequence has 3 continuation bytes after its lead byte.
constexpr int kMaxContinuationBytes = 3;

std::optional<int> HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

bool IsControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// The first `max` bytes of `s`, shortened so no UTF-8 character is split.
std::string_view CutAtUtf8Boundary(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  // s[cut] is the first byte dropped; if it continues a character, drop the
  // whole character.
  std::size_t cut = max;
  for (int i = 0; i < kMaxContinuationBytes && cut > 0 && IsUtf8Continuation(s[cut]); ++i) --cut;
  // Still inside a "character": the name is not UTF-8, so a byte cut is fine.
  if (IsUtf8Continuation(s[cut])) cut = max;
  return s.substr(0, cut);
}

/// The path of a URL without scheme, authority, query and fragment.
std::string_view UrlPath(std::string_view url) {
  // '?' and '#' cannot appear before the path ends, so cutting them first
  // also keeps a "://" inside the query from being taken for the scheme.
  url = url.substr(0, url.find_first_of("?#"));
  const std::size_t scheme_end = url.find("://");
  // Without a scheme the URL starts with the host, as curl assumes.
  std::string_view rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
  // The authority (user:pw@host:port) cannot contain an unescaped '/'.
  const std::size_t path_start = rest.find('/');
  return path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
}

/// What follows the last '/' or '\\' in `name`, with control characters
/// removed. Separators go first: no control character is a separator, so
/// removing them cannot create one.
std::string LastComponentWithoutControls(std::string_view name) {
  const std::size_t last_sep = name.find_last_of("/\\");
  if (last_sep != std::string_view::npos) name.remove_prefix(last_sep + 1);
  std::string clean;
  clean.reserve(name.size());
  for (char c : name) {
    if (!IsControl(c)) clean.push_back(c);  // NUL is a control character too
  }
  return clean;
}

/// `s` without leading and trailing spaces and dots.
std::string_view TrimSpacesAndDots(std::string_view s) {
  constexpr std::string_view kTrimmed = " .";
  const std::size_t first = s.find_first_not_of(kTrimmed);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kTrimmed) - first + 1);
}

}  // namespace

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const std::optional<int> hi = HexValue(s[i + 1]);
      const std::optional<int> lo = HexValue(s[i + 2]);
      if (hi && lo) {
        out.push_back(static_cast<char>(*hi * 16 + *lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string SanitizeFileName(std::string_view name) {
  const std::string clean = LastComponentWithoutControls(name);
  // Checked after stripping, so ".\x01." cannot sneak through as "..".
  if (clean.empty() || clean == "." || clean == "..") return std::string(kFallbackName);
  return std::string(CutAtUtf8Boundary(clean, kMaxNameBytes));
}

std::optional<std::string> SanitizeServerFilename(std::string_view name) {
  const std::string clean = LastComponentWithoutControls(name);
  // Control characters are gone first, so ".\x01." cannot pass as a name.
  const std::string_view trimmed = TrimSpacesAndDots(clean);
  if (trimmed.empty()) return std::nullopt;  // "", ".", "..", "...", " . "
  // The cut may end the name on a space or dot again ("a . b" cut after
  // "a "); the first byte is neither, so trimming again leaves a name.
  return std::string(TrimSpacesAndDots(CutAtUtf8Boundary(trimmed, kMaxNameBytes)));
}

std::string NameFromUrl(std::string_view url) {
  const std::string_view path = UrlPath(url);
  const std::size_t last_slash = path.rfind('/');
  const std::string_view segment =
      last_slash == std::string_view::npos ? path : path.substr(last_slash + 1);
  // Decode first, sanitize second: "%2F" and "%2e%2e" only become a separator
  // or ".." after decoding, and SanitizeFileName strips exactly those.
  return SanitizeFileName(PercentDecode(segment));
}

std::string ResolveOutputPath(std::string_view dir, std::string_view out, std::string_view url) {
  if (!out.empty() && out.front() == '/') return std::string(out);
  std::string name = out.empty() ? NameFromUrl(url) : std::string(out);
  if (dir.empty()) return name;
  // Exactly one '/' between: "d/" and "d" both give "d/name", "/" gives "/name".
  const std::size_t keep = dir.find_last_not_of('/');
  std::string path(keep == std::string_view::npos ? std::string_view() : dir.substr(0, keep + 1));
  path.push_back('/');
  path.append(name);
  return path;
}

}  // namespace haul::storage
