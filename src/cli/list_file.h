// Streaming parser for aria2-style list files (-i FILE):
//
//   # a comment; blank lines are skipped too
//   https://example.com/a.iso https://mirror.example.org/a.iso
//     out=debian.iso
//     dir=isos
//   http://example.com/b.bin
//
// One download per non-indented line; several whitespace-separated URLs on a
// line are mirrors of the same file. Indented "key=value" lines apply to the
// entry above; the keys are out= (a relative file name, no '..') and dir=.
// Lines may end in CRLF, the first may start with a UTF-8 BOM, and lines
// longer than kMaxListLine bytes are rejected without being kept in memory.
//
// Bad lines become error items ("urls.txt:12: <why>", class kUsage) and the
// rest of the list still runs. The reader holds at most one entry and one
// read-ahead line, so a list of any length is parsed in bounded memory.
//
// Thread safety: a ListReader is used by one thread; CheckUrl is pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "haul/job.h"
#include "haul/status.h"

namespace haul::cli {

/// Longest list-file line accepted, in bytes, not counting the line ending.
inline constexpr std::size_t kMaxListLine = 64 * 1024;

/// One result from a list file: a download to submit, or an error to report.
struct ListItem {
  std::uint64_t line = 0;  ///< 1-based line number of the entry or the bad line
  JobSpec job;             ///< the download; meaningful only when ok()
  Status error;            ///< kUsage with "source:line: why" for a bad line
  bool ok() const { return error.ok(); }
};

/// Checks that `url` is an http or https URL (scheme case-insensitive) with a
/// host. The message (kUsage) does not repeat the URL, e.g.
/// "unsupported scheme 'ftp' (haul supports http and https)".
Status CheckUrl(std::string_view url);

/// Reads a list file one entry at a time; see the file comment for the syntax.
class ListReader {
 public:
  /// `in` must outlive the reader. `source_name` starts error messages and
  /// JobSpec::origin ("urls.txt" -> "urls.txt:12").
  ListReader(std::istream& in, std::string source_name);

  /// The next download or error, in file order; nullopt at the end of input.
  /// An entry is returned once the line after it (or the end) shows that it
  /// has no more option lines; errors in its option lines come before it.
  std::optional<ListItem> Next();

 private:
  /// One physical line, truncated past kMaxListLine.
  struct Line {
    std::string text;
    std::uint64_t number = 0;
    bool too_long = false;
  };
  /// Where option lines go: nowhere yet, to a rejected entry (silently
  /// dropped), or to the open entry.
  enum class State { kNoEntry, kRejected, kOpen };

  bool ReadLine(Line& line);
  std::optional<ListItem> HandleOption(const Line& line);
  std::optional<ListItem> HandleEntry(Line line);
  ListItem ParseEntry(const Line& line) const;
  ListItem ErrorItem(std::uint64_t line, std::string_view why) const;
  std::optional<ListItem> TakeEntry();

  std::istream& in_;
  const std::string source_name_;
  std::vector<char> buffer_;  ///< getline target: kMaxListLine + 2 bytes
  std::uint64_t lines_read_ = 0;
  State state_ = State::kNoEntry;
  std::optional<ListItem> entry_;  ///< the open entry, collecting options
  std::optional<Line> pending_;    ///< the read-ahead line that closed it
};

}  // namespace haul::cli
