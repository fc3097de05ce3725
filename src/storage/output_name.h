// Deriving a safe local file name from a URL or a server-supplied name.
// Pure functions: no I/O.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace haul::storage {

/// The fallback name when a URL has no usable last path segment.
inline constexpr std::string_view kFallbackName = "index.html";

/// Makes `name` safe as a single path component: percent-decoded input is
/// expected; anything up to the last '/' or '\' is dropped, control
/// characters (< 0x20, 0x7f) are removed, and "", "." and ".." become
/// kFallbackName. The result is at most 255 bytes (cut at a UTF-8 boundary)
/// and never contains '/' or NUL.
std::string SanitizeFileName(std::string_view name);

/// Makes a server-supplied name (Content-Disposition, see
/// transfer::ParseContentDispositionFilename) safe as a file name directly
/// inside the output directory. Unlike SanitizeFileName it has no fallback:
/// nullopt means "no usable name here", and the caller uses the URL's name.
///
/// Anything up to the last '/' or '\' is dropped, control characters
/// (< 0x20, 0x7f) are removed, then leading and trailing spaces and dots are
/// stripped, and the rest is cut to 255 bytes at a UTF-8 boundary. Leading
/// dots go too, unlike in SanitizeFileName: a server must not be able to
/// create a hidden file (".bashrc" -> "bashrc"), and a name that is only
/// dots ("", ".", "..", "...") gives nullopt. Trailing dots and spaces go
/// because Windows and SMB shares drop them, turning "a.txt." into "a.txt".
/// The name is not percent-decoded: it arrives decoded, and decoding twice
/// would turn a literal "%2F" into a separator.
///
/// A result is never empty, "." or "..", never starts with '.', and holds no
/// '/', '\' or control character (NUL included).
std::optional<std::string> SanitizeServerFilename(std::string_view name);

/// Percent-decodes `s` ("%2F" -> "/"); malformed escapes are kept literally.
std::string PercentDecode(std::string_view s);

/// The file name for a URL: the last segment of its path (query and fragment
/// removed), percent-decoded, then sanitized. "http://h/" -> "index.html".
std::string NameFromUrl(std::string_view url);

/// The output path for a job: `out` if absolute; else dir/out; else
/// dir/NameFromUrl(url). An empty dir means the current directory (no prefix).
std::string ResolveOutputPath(std::string_view dir, std::string_view out,
                              std::string_view url);

}  // namespace haul::storage
