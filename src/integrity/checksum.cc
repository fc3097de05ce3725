// Implements src/integrity/checksum.h.
#include "integrity/checksum.h"

#include <array>
#include <utility>

namespace haul::integrity {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

struct AlgorithmSpelling {
  std::string_view name;
  HashAlgorithm algorithm;
};

// aria2's names first; the dashless forms are what sha256sum users type.
constexpr std::array<AlgorithmSpelling, 7> kSpellings = {{
    {"md5", HashAlgorithm::kMd5},
    {"sha-1", HashAlgorithm::kSha1},
    {"sha-256", HashAlgorithm::kSha256},
    {"sha-512", HashAlgorithm::kSha512},
    {"sha1", HashAlgorithm::kSha1},
    {"sha256", HashAlgorithm::kSha256},
    {"sha512", HashAlgorithm::kSha512},
}};

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

std::optional<HashAlgorithm> AlgorithmNamed(std::string_view type) {
  for (const AlgorithmSpelling& s : kSpellings) {
    if (EqualsIgnoringCase(type, s.name)) return s.algorithm;
  }
  return std::nullopt;
}

/// The value of one hex digit, or -1.
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char lower = ToLowerAscii(c);
  if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return -1;
}

/// `text` with bytes outside printable ASCII shown as \xNN, so an error
/// message that quotes user input stays on one line.
std::string Printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kHexDigits[u >> 4]);
      out.push_back(kHexDigits[u & 0xf]);
    }
  }
  return out;
}

std::nullopt_t Fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return std::nullopt;
}

/// Decodes `hex` (already checked to have an even length) into bytes.
std::optional<std::vector<std::uint8_t>> DecodeHex(std::string_view hex, std::string_view name,
                                                    std::string* error) {
  std::vector<std::uint8_t> bytes(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); ++i) {
    const int v = HexValue(hex[i]);
    if (v < 0) {
      return Fail(error, std::string(name) + " digest has a non-hex character '" +
                             Printable(hex.substr(i, 1)) + "' at position " +
                             std::to_string(i + 1));
    }
    bytes[i / 2] = static_cast<std::uint8_t>(bytes[i / 2] << 4 | v);
  }
  return bytes;
}

}  // namespace

std::optional<Checksum> ParseChecksum(std::string_view text, std::string* error) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return Fail(error, "checksum '" + Printable(text) +
                           "' is not TYPE=HEX (e.g. sha-256=<64 hex digits>)");
  }
  const std::string_view type = text.substr(0, eq);
  const std::string_view hex = text.substr(eq + 1);
  const std::optional<HashAlgorithm> algorithm = AlgorithmNamed(type);
  if (!algorithm) {
    return Fail(error, "unknown checksum type '" + Printable(type) +
                           "' (haul supports md5, sha-1, sha-256, sha-512)");
  }
  const std::string_view name = HashAlgorithmName(*algorithm);
  const std::size_t want = 2 * MakeHasher(*algorithm)->digest_size();
  if (hex.size() != want) {
    return Fail(error, std::string(name) + " digest must be " + std::to_string(want) +
                           " hex digits (got " + std::to_string(hex.size()) + ")");
  }
  std::optional<std::vector<std::uint8_t>> digest = DecodeHex(hex, name, error);
  if (!digest) return std::nullopt;
  return Checksum{*algorithm, std::move(*digest)};
}

std::string ToHex(std::span<const std::uint8_t> bytes) {
  std::string hex;
  hex.reserve(2 * bytes.size());
  for (const std::uint8_t b : bytes) {
    hex.push_back(kHexDigits[b >> 4]);
    hex.push_back(kHexDigits[b & 0xf]);
  }
  return hex;
}

std::string FormatChecksum(const Checksum& checksum) {
  std::string text(HashAlgorithmName(checksum.algorithm));
  text += '=';
  text += ToHex(checksum.digest);
  return text;
}

}  // namespace haul::integrity
