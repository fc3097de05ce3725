// Implements transfer/http_headers.h.
#include "transfer/http_headers.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cctype>
#include <utility>

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

// ---- Content-Disposition (RFC 6266) --------------------------------------

void SkipSpace(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

/// RFC 9110 5.6.2 tchar. Spelled out rather than std::isalnum, which
/// depends on the locale.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

/// Removes the token at the front of `s` and returns it; empty if none.
std::string_view TakeToken(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && IsTokenChar(s[n])) ++n;
  const std::string_view token = s.substr(0, n);
  s.remove_prefix(n);
  return token;
}

/// Removes the quoted-string at the front of `s` (which starts with '"') and
/// returns its text with the backslash escapes undone; nullopt if it never
/// closes.
std::optional<std::string> TakeQuoted(std::string_view& s) {
  std::string text;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '"') {
      s.remove_prefix(i + 1);
      return text;
    }
    if (s[i] == '\\' && ++i == s.size()) break;  // a lone '\' escapes the end
    text.push_back(s[i]);
  }
  return std::nullopt;
}

/// One disposition parameter, "name=value" or "name="value"".
struct DispositionParam {
  std::string_view name;
  std::string value;
  bool quoted = false;
};

/// Removes one parameter from the front of `s`, leaving `s` empty or at the
/// next ';'. nullopt when it is not "name=value".
std::optional<DispositionParam> TakeParam(std::string_view& s) {
  DispositionParam param;
  param.name = TakeToken(s);
  SkipSpace(s);
  if (param.name.empty() || s.empty() || s.front() != '=') return std::nullopt;
  s.remove_prefix(1);
  SkipSpace(s);
  if (!s.empty() && s.front() == '"') {
    std::optional<std::string> text = TakeQuoted(s);
    if (!text) return std::nullopt;
    param.value = std::move(*text);
    param.quoted = true;
    SkipSpace(s);
    return s.empty() || s.front() == ';' ? std::optional(std::move(param)) : std::nullopt;
  }
  // The grammar says token, but servers also send bare spaces and UTF-8, as
  // browsers accept: take everything up to the next ';'.
  const std::size_t end = std::min(s.find(';'), s.size());
  param.value = std::string(Trim(s.substr(0, end)));
  s.remove_prefix(end);
  return param;
}

std::optional<int> HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

/// RFC 8187 percent-decoding: every '%' must start a two-digit hex escape.
std::optional<std::string> StrictPercentDecode(std::string_view s) {
  std::string bytes;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      bytes.push_back(s[i]);
      continue;
    }
    const std::optional<int> hi = i + 2 < s.size() ? HexDigit(s[i + 1]) : std::nullopt;
    const std::optional<int> lo = hi ? HexDigit(s[i + 2]) : std::nullopt;
    if (!lo) return std::nullopt;
    bytes.push_back(static_cast<char>(*hi * 16 + *lo));
    i += 2;
  }
  return bytes;
}

/// The length of the UTF-8 sequence `lead` starts; 0 if it starts none
/// (a continuation byte, or C0, C1, F5-FF, which only overlong or
/// out-of-range sequences use).
std::size_t Utf8SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

bool IsUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = Utf8SequenceLength(static_cast<unsigned char>(s[i]));
    if (len == 0 || len > s.size() - i) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

/// ISO-8859-1 maps each byte to the code point of the same value.
std::string Latin1ToUtf8(std::string_view s) {
  std::string utf8;
  utf8.reserve(s.size() * 2);
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      utf8.push_back(c);
      continue;
    }
    utf8.push_back(static_cast<char>(0xC0 | (u >> 6)));
    utf8.push_back(static_cast<char>(0x80 | (u & 0x3F)));
  }
  return utf8;
}

/// Decodes an RFC 8187 ext-value, charset "'" [language] "'" value-chars, to
/// UTF-8; nullopt for another charset or a bad escape.
std::optional<std::string> DecodeExtValue(std::string_view ext) {
  const std::size_t quote1 = ext.find('\'');
  const std::size_t quote2 =
      quote1 == std::string_view::npos ? quote1 : ext.find('\'', quote1 + 1);
  if (quote2 == std::string_view::npos) return std::nullopt;
  const std::string_view charset = ext.substr(0, quote1);  // the language is ignored
  std::optional<std::string> bytes = StrictPercentDecode(ext.substr(quote2 + 1));
  if (!bytes) return std::nullopt;
  if (IEquals(charset, "UTF-8")) return IsUtf8(*bytes) ? bytes : std::nullopt;
  if (IEquals(charset, "ISO-8859-1")) return Latin1ToUtf8(*bytes);
  return std::nullopt;
}

/// The filename and filename* parameters of one header value.
struct DispositionNames {
  std::optional<std::string> plain;     ///< filename
  std::optional<std::string> extended;  ///< filename*, decoded; nullopt if undecodable
  bool seen_plain = false;
  bool seen_extended = false;

  /// False when `param` repeats a name parameter already seen.
  bool Add(DispositionParam param) {
    if (IEquals(param.name, "filename")) {
      if (std::exchange(seen_plain, true)) return false;
      plain = std::move(param.value);
    } else if (IEquals(param.name, "filename*")) {
      if (std::exchange(seen_extended, true)) return false;
      // An ext-value may not be quoted (RFC 8187 3.2.1); ignore one that is.
      if (!param.quoted) extended = DecodeExtValue(param.value);
    }
    return true;
  }
};

// ---- Retry-After and HTTP-date (RFC 9110 10.2.3, 5.6.7) ------------------

/// An HTTP-date taken apart; always UTC ("GMT").
struct DateTime {
  int year = 0;
  int month = 0;  ///< 1-12
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

constexpr std::array<std::string_view, 7> kDayNames = {"Mon", "Tue", "Wed", "Thu",
                                                       "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDayNames = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> kMonthNames = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// The three HTTP-date forms as MatchDate patterns (letters as in MatchDate).
constexpr std::string_view kImfFixdate = "a, dd b yyyy hh:ii:ss GMT";
constexpr std::string_view kRfc850Date = "A, dd-b-yy hh:ii:ss GMT";
constexpr std::string_view kAsctimeDate = "a b ee hh:ii:ss yyyy";

/// Removes one of `names` (case-sensitive, as RFC 9110 5.6.7 says) from the
/// front of `s` and returns its index.
template <std::size_t N>
std::optional<int> TakeName(std::string_view& s, const std::array<std::string_view, N>& names) {
  for (std::size_t i = 0; i < N; ++i) {
    if (s.starts_with(names[i])) {
      s.remove_prefix(names[i].size());
      return static_cast<int>(i);
    }
  }
  return std::nullopt;
}

/// Removes exactly `n` decimal digits from the front of `s`.
std::optional<int> TakeDigits(std::string_view& s, std::size_t n) {
  if (n == 0 || s.size() < n) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    value = value * 10 + (s[i] - '0');
  }
  s.remove_prefix(n);
  return value;
}

/// Where a numeric pattern letter's value goes; nullptr for other letters.
int* NumericField(char letter, DateTime& t) {
  switch (letter) {
    case 'd': case 'e': return &t.day;
    case 'y': return &t.year;
    case 'h': return &t.hour;
    case 'i': return &t.minute;
    case 's': return &t.second;
    default: return nullptr;
  }
}

/// Removes one pattern field, a run of `run` copies of `letter`, from `s`.
bool TakeField(std::string_view& s, char letter, std::size_t run, DateTime& t) {
  if (letter == 'a') return TakeName(s, kDayNames).has_value();
  if (letter == 'A') return TakeName(s, kLongDayNames).has_value();
  if (letter == 'b') {
    const std::optional<int> month = TakeName(s, kMonthNames);
    t.month = month.value_or(-1) + 1;
    return month.has_value();
  }
  if (int* field = NumericField(letter, t)) {
    if (letter == 'e' && s.starts_with(' ')) {  // asctime pads the day with a space
      s.remove_prefix(1);
      --run;
    }
    const std::optional<int> value = TakeDigits(s, run);
    *field = value.value_or(0);
    return value.has_value();
  }
  const std::string literal(run, letter);
  if (!s.starts_with(literal)) return false;
  s.remove_prefix(run);
  return true;
}

/// Matches all of `s` against `pattern`, in which runs of these letters are
/// fields and every other character stands for itself: a day name ("Sun"),
/// A long day name ("Sunday"), b month name ("Nov"), d day, e day whose
/// first digit may be a space, y year, h hour, i minute, s second. A numeric
/// field has exactly as many digits as its run of letters.
std::optional<DateTime> MatchDate(std::string_view s, std::string_view pattern) {
  DateTime t;
  while (!pattern.empty()) {
    const char letter = pattern.front();
    const std::size_t run = std::min(pattern.find_first_not_of(letter), pattern.size());
    pattern.remove_prefix(run);
    if (!TakeField(s, letter, run, t)) return std::nullopt;
  }
  if (!s.empty()) return std::nullopt;
  return t;
}

/// nullopt for an impossible date or time ("Feb 30", "25:00:00"). A leap
/// second (":60") is allowed and lands on the next minute.
std::optional<std::chrono::sys_seconds> ToSysSeconds(const DateTime& t) {
  using namespace std::chrono;
  const year_month_day date{year{t.year}, month{static_cast<unsigned>(t.month)},
                            day{static_cast<unsigned>(t.day)}};
  if (!date.ok() || t.hour > 23 || t.minute > 59 || t.second > 60) return std::nullopt;
  return sys_days{date} + hours{t.hour} + minutes{t.minute} + seconds{t.second};
}

/// An rfc850-date's two-digit year, read as RFC 9110 5.6.7 says: the year
/// ending in those digits that is at most 50 years after `this_year` and
/// less than 50 before it ("00" in 1999 is 2000; "80" in 2026 is 1980).
int FullYear(int two_digits, int this_year) {
  constexpr int kHalfCentury = 50;
  const int year = this_year - this_year % 100 + two_digits;
  if (year > this_year + kHalfCentury) return year - 100;
  if (year <= this_year - kHalfCentury) return year + 100;
  return year;
}

std::optional<std::chrono::sys_seconds> ParseHttpDate(std::string_view s, int this_year) {
  if (std::optional<DateTime> t = MatchDate(s, kImfFixdate)) return ToSysSeconds(*t);
  if (std::optional<DateTime> t = MatchDate(s, kAsctimeDate)) return ToSysSeconds(*t);
  if (std::optional<DateTime> t = MatchDate(s, kRfc850Date)) {
    t->year = FullYear(t->year, this_year);
    return ToSysSeconds(*t);
  }
  return std::nullopt;
}

/// delta-seconds: 1*DIGIT, capped at kMaxRetryAfter however long it is.
std::chrono::seconds DelaySeconds(std::string_view digits) {
  digits.remove_prefix(std::min(digits.find_first_not_of('0'), digits.size() - 1));
  // Ten digits already exceed the cap; do not convert what could overflow.
  constexpr std::size_t kMaxDigits = 9;
  if (digits.size() > kMaxDigits) return kMaxRetryAfter;
  const auto value = static_cast<std::chrono::seconds::rep>(ParseUint64(digits).value_or(0));
  return std::min(std::chrono::seconds{value}, kMaxRetryAfter);
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
  } else if (IEquals(name, "Content-Disposition")) {
    head_.content_disposition = std::string(value);
  } else if (IEquals(name, "Retry-After")) {
    head_.retry_after = std::string(value);
  }
}

std::optional<std::string> ParseContentDispositionFilename(std::string_view value) {
  std::string_view rest = Trim(value);
  if (TakeToken(rest).empty()) return std::nullopt;  // the type: attachment, inline, ...
  DispositionNames names;
  for (SkipSpace(rest); !rest.empty(); SkipSpace(rest)) {
    if (rest.front() != ';') return std::nullopt;
    rest.remove_prefix(1);
    SkipSpace(rest);
    if (rest.empty() || rest.front() == ';') continue;  // tolerate "; ;" and a trailing ';'
    std::optional<DispositionParam> param = TakeParam(rest);
    if (!param || !names.Add(std::move(*param))) return std::nullopt;
  }
  // RFC 6266 4.3: prefer filename* to filename.
  if (names.extended && !names.extended->empty()) return names.extended;
  if (names.plain && !names.plain->empty()) return names.plain;
  return std::nullopt;
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) return DelaySeconds(value);
  // Whole seconds, so a far-future date cannot overflow `now`'s nanoseconds;
  // flooring `now` rounds the wait up.
  const sys_seconds now_seconds = floor<seconds>(now);
  const int this_year = static_cast<int>(year_month_day{floor<days>(now)}.year());
  const std::optional<sys_seconds> date = ParseHttpDate(value, this_year);
  if (!date) return std::nullopt;
  return std::clamp(*date - now_seconds, seconds{0}, kMaxRetryAfter);
}

std::optional<std::chrono::sys_seconds> ParseLastModified(
    std::string_view value, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const int this_year = static_cast<int>(year_month_day{floor<days>(now)}.year());
  return ParseHttpDate(Trim(value), this_year);
}

}  // namespace haul::transfer
