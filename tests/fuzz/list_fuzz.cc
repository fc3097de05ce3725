// libFuzzer target for the list-file parser, cli/list_file.h.
//
// ListReader pulls lines with istream::getline, so how the bytes arrive
// matters: each input is parsed three ways, from one piece, in pieces of
// sizes drawn from a hash of the input, and (for small inputs) one byte at a
// time, and the three item sequences must be identical. For one input in
// eight the first line is first padded to about kMaxListLine bytes, so the
// overlong-line paths, which plain inputs of a few KB never reach, are
// fuzzed too. Each sequence is drained to the end and checked:
//   - every item's line is within the input, and there are at most as many
//     items as lines;
//   - an entry has URLs that pass CheckUrl, the right origin, and an out=
//     that is relative, without a ".." component or control characters;
//   - an error is kUsage and starts with "source:line: ";
//   - the end stays the end.
//
// Thread safety: libFuzzer calls LLVMFuzzerTestOneInput from one thread.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "cli/list_file.h"
#include "fuzz_check.h"

namespace haul::fuzz {
namespace {

constexpr std::string_view kSource = "fuzz";
/// Inputs up to this size are also read one byte per refill.
constexpr std::size_t kMaxBytewiseInput = 4096;

/// How ChoppedStream cuts its text into refills.
enum class Chop { kWhole, kBytes, kRandom };

/// A streambuf that hands out `text` in pieces: all of it at once, one byte
/// per refill, or pieces of 1-64 bytes drawn from `seed`. A line then ends up
/// split across refills anywhere.
class ChoppedStream : public std::streambuf {
 public:
  ChoppedStream(std::string_view text, Chop chop, std::uint64_t seed)
      : text_(text), chop_(chop), state_(seed | 1) {}  // xorshift must not start at 0

 protected:
  int_type underflow() override {
    if (offset_ == text_.size()) return traits_type::eof();
    const std::size_t piece = std::min(NextPieceSize(), text_.size() - offset_);
    buffer_.assign(text_.substr(offset_, piece));
    offset_ += piece;
    setg(buffer_.data(), buffer_.data(), buffer_.data() + buffer_.size());
    return traits_type::to_int_type(buffer_.front());
  }

 private:
  std::size_t NextPieceSize() {
    constexpr std::size_t kMaxPiece = 64;
    if (chop_ == Chop::kWhole) return text_.size();
    if (chop_ == Chop::kBytes) return 1;
    state_ ^= state_ << 13;  // xorshift64: cheap and deterministic
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return 1 + static_cast<std::size_t>(state_ % kMaxPiece);
  }

  std::string_view text_;
  Chop chop_;
  std::uint64_t state_;
  std::size_t offset_ = 0;
  std::string buffer_;  ///< the current refill; the get area points into it
};

/// FNV-1a: a stable hash, so an input always chops the same way.
std::uint64_t Hash(std::string_view s) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

/// What the CLI relies on from an out= value (see CheckOutName).
void CheckOut(std::string_view out) {
  if (out.empty()) return;
  Require(out.front() != '/', "out= is relative");
  Require(std::none_of(out.begin(), out.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }),
          "out= has no control characters");
  for (std::string_view rest = out; !rest.empty();) {
    const std::size_t slash = rest.find('/');
    Require(rest.substr(0, slash) != "..", "out= has no '..' component");
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
}

void CheckItem(const cli::ListItem& item, std::uint64_t lines) {
  Require(item.line >= 1 && item.line <= lines, "item line is within the input");
  const std::string prefix = std::string(kSource) + ":" + std::to_string(item.line);
  if (!item.ok()) {
    Require(item.error.error_class() == ErrorClass::kUsage, "a list error is kUsage");
    Require(item.error.message().starts_with(prefix + ": "), "a list error names its line");
    return;
  }
  Require(!item.job.urls.empty(), "an entry has a URL");
  for (const std::string& url : item.job.urls) Require(cli::CheckUrl(url).ok(), "URLs are valid");
  Require(item.job.origin == prefix, "an entry's origin is source:line");
  CheckOut(item.job.out);
}

/// Every item `text` gives when chopped so, each flattened to one string.
std::vector<std::string> ReadAll(std::string_view text, Chop chop, std::uint64_t seed) {
  ChoppedStream chopped(text, chop, seed);
  std::istream in(&chopped);
  cli::ListReader reader(in, std::string(kSource));
  const auto lines = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  std::vector<std::string> items;
  while (std::optional<cli::ListItem> item = reader.Next()) {
    CheckItem(*item, lines);
    std::string flat = std::to_string(item->line) + "\n" + item->error.message() + "\n" +
                       item->job.origin + "\n" + item->job.out + "\n" + item->job.dir;
    for (const std::string& url : item->job.urls) flat += "\n" + url;
    items.push_back(std::move(flat));
    Require(items.size() <= lines, "at most one item per line");
  }
  Require(!reader.Next().has_value(), "the end stays the end");
  return items;
}

/// The input, its first line padded to near kMaxListLine for one seed in eight.
std::string WithLongFirstLine(std::string_view input, std::uint64_t seed) {
  std::string text(input);
  if (seed % 8 != 0) return text;
  constexpr std::string_view kFillers = "x #";  // an entry, an option, a comment
  const std::size_t length = cli::kMaxListLine - 1 + (seed >> 3) % 4;  // across the limit
  text.insert(0, length, kFillers[(seed >> 5) % kFillers.size()]);
  return text;
}

}  // namespace
}  // namespace haul::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace haul::fuzz;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::uint64_t seed = Hash(input);
  const std::string text = WithLongFirstLine(input, seed);
  const std::vector<std::string> whole = ReadAll(text, Chop::kWhole, seed);
  Require(ReadAll(text, Chop::kRandom, seed) == whole, "random pieces parse like one piece");
  if (text.size() <= kMaxBytewiseInput) {
    Require(ReadAll(text, Chop::kBytes, seed) == whole, "single bytes parse like one piece");
  }
  return 0;
}
