// Implements src/cli/list_file.h.
#include "cli/list_file.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "integrity/checksum.h"

namespace haul::cli {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kBlank = " \t";

std::string TooLongMessage() {
  return "line is longer than " + std::to_string(kMaxListLine) + " bytes";
}

Status UsageError(std::string message) {
  return Status::Error(ErrorClass::kUsage, std::move(message));
}

bool IsControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == Lower(y); });
}

/// RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
bool IsSchemeName(std::string_view s) {
  auto alpha = [](char c) { return Lower(c) >= 'a' && Lower(c) <= 'z'; };
  if (s.empty() || !alpha(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  });
}

/// The host of "user@host:port", or "" when there is none.
std::string_view HostOf(std::string_view authority) {
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority[0] == '[') return authority;  // IPv6 literal
  return authority.substr(0, authority.find(':'));
}

/// The text of a "  key=value" line with the leading blanks and trailing
/// blanks removed.
std::string_view Trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kBlank);
  return s.substr(first, last - first + 1);
}

/// out= must stay inside the output directory: relative, no ".." component,
/// no control characters.
Status CheckOutName(std::string_view out) {
  const std::string quoted = "'" + std::string(out) + "'";
  if (out.empty()) return UsageError("out= needs a file name");
  if (out.front() == '/') return UsageError("out= must be a relative path (got " + quoted + ")");
  for (std::string_view rest = out; !rest.empty();) {
    const auto slash = rest.find('/');
    if (rest.substr(0, slash) == "..") {
      return UsageError("out= must not contain '..' (got " + quoted + ")");
    }
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  if (std::any_of(out.begin(), out.end(), IsControl)) {
    return UsageError("out= must not contain control characters");
  }
  return Status::Ok();
}

/// Applies one "key=value" option line to `job`.
Status ApplyOption(std::string_view text, JobSpec& job) {
  const std::string_view option = Trimmed(text);
  const auto eq = option.find('=');
  if (eq == std::string_view::npos) {
    return UsageError("expected an indented key=value option (got '" + std::string(option) + "')");
  }
  const std::string_view key = option.substr(0, eq);
  const std::string_view value = option.substr(eq + 1);
  if (key == "out") {
    Status s = CheckOutName(value);
    if (s.ok()) job.out = value;
    return s;
  }
  if (key == "dir") {
    if (value.empty()) return UsageError("dir= needs a directory");
    job.dir = value;
    return Status::Ok();
  }
  if (key == "checksum") {
    std::string why;
    if (!integrity::ParseChecksum(value, &why)) return UsageError("checksum=: " + why);
    job.checksum = value;
    return Status::Ok();
  }
  return UsageError("unknown option '" + std::string(key) +
                    "' (haul supports out=, dir= and checksum=)");
}

}  // namespace

Status CheckUrl(std::string_view url) {
  if (std::any_of(url.begin(), url.end(), [](char c) { return c == ' ' || IsControl(c); })) {
    return UsageError("URL contains a space or control character");
  }
  const auto sep = url.find("://");
  if (sep == std::string_view::npos || !IsSchemeName(url.substr(0, sep))) {
    return UsageError("not a URL (expected http://HOST/... or https://HOST/...)");
  }
  const std::string_view scheme = url.substr(0, sep);
  if (!EqualsIgnoreCase(scheme, "http") && !EqualsIgnoreCase(scheme, "https")) {
    return UsageError("unsupported scheme '" + std::string(scheme) +
                      "' (haul supports http and https)");
  }
  const std::string_view rest = url.substr(sep + 3);
  if (HostOf(rest.substr(0, rest.find_first_of("/?#"))).empty()) {
    return UsageError("URL has no host");
  }
  return Status::Ok();
}

ListReader::ListReader(std::istream& in, std::string source_name)
    : in_(in), source_name_(std::move(source_name)), buffer_(kMaxListLine + 2) {}

std::optional<ListItem> ListReader::Next() {
  for (;;) {
    Line line;
    if (pending_) {
      line = std::move(*pending_);
      pending_.reset();
    } else if (!ReadLine(line)) {
      return TakeEntry();  // end of input: the open entry, if any, is complete
    }
    const std::string_view text = line.text;
    const auto first = text.find_first_not_of(kBlank);
    if (first == std::string_view::npos || text[first] == '#') continue;  // blank or comment
    std::optional<ListItem> item =
        first > 0 ? HandleOption(line) : HandleEntry(std::move(line));
    if (item) return item;
  }
}

// Reads one line with istream::getline into a fixed buffer one byte longer
// than the limit (room for a '\r'); the rest of an overlong line is skipped
// with ignore(), so it is never held in memory.
bool ListReader::ReadLine(Line& line) {
  in_.getline(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  const auto extracted = static_cast<std::size_t>(in_.gcount());
  const bool full = in_.fail() && extracted > 0;  // the buffer filled before '\n'
  if (in_.fail() && extracted == 0) return false;  // end of input
  // gcount counts the '\n' too, when one was reached.
  const bool newline = !in_.fail() && !in_.eof();
  line.text.assign(buffer_.data(), extracted - (newline ? 1 : 0));
  line.number = ++lines_read_;
  if (full) {
    in_.clear();
    in_.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  if (!full && !line.text.empty() && line.text.back() == '\r') line.text.pop_back();
  if (line.number == 1 && line.text.starts_with(kBom)) line.text.erase(0, kBom.size());
  line.too_long = full || line.text.size() > kMaxListLine;
  return true;
}

std::optional<ListItem> ListReader::HandleOption(const Line& line) {
  switch (state_) {
    case State::kNoEntry:
      return ErrorItem(line.number, "indented option line with no entry above it");
    case State::kRejected:
      return std::nullopt;  // the entry was already reported; its options are moot
    case State::kOpen:
      break;
  }
  if (line.too_long) return ErrorItem(line.number, TooLongMessage());
  Status s = ApplyOption(line.text, entry_->job);
  if (!s.ok()) return ErrorItem(line.number, s.message());
  return std::nullopt;
}

std::optional<ListItem> ListReader::HandleEntry(Line line) {
  if (entry_) {
    // This line ends the open entry's options; read it again next time.
    pending_ = std::move(line);
    return TakeEntry();
  }
  ListItem item = ParseEntry(line);
  if (!item.ok()) {
    state_ = State::kRejected;
    return item;
  }
  entry_ = std::move(item);
  state_ = State::kOpen;
  return std::nullopt;
}

ListItem ListReader::ParseEntry(const Line& line) const {
  if (line.too_long) return ErrorItem(line.number, TooLongMessage());
  ListItem item;
  item.line = line.number;
  item.job.origin = source_name_ + ":" + std::to_string(line.number);
  std::string_view rest = line.text;
  while (!(rest = Trimmed(rest)).empty()) {
    const std::string_view url = rest.substr(0, rest.find_first_of(kBlank));
    rest.remove_prefix(url.size());
    Status s = CheckUrl(url);
    if (!s.ok()) return ErrorItem(line.number, s.message());
    item.job.urls.emplace_back(url);
  }
  return item;
}

ListItem ListReader::ErrorItem(std::uint64_t line, std::string_view why) const {
  ListItem item;
  item.line = line;
  item.error = UsageError(source_name_ + ":" + std::to_string(line) + ": " + std::string(why));
  return item;
}

std::optional<ListItem> ListReader::TakeEntry() {
  std::optional<ListItem> entry = std::move(entry_);
  entry_.reset();
  state_ = State::kNoEntry;
  return entry;
}

}  // namespace haul::cli
