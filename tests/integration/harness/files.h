// Files for the integration tests: temporary directories, deterministic
// pseudo-random payloads, and byte-exact comparison.
//
// Thread safety: no shared state; TempDir is owned by one test.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace haul_it {

/// One mebibyte, for file sizes in tests.
constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

/// A directory made by mkdtemp under $TMPDIR (or /tmp), removed with
/// everything in it when the object dies.
class TempDir {
 public:
  /// `prefix` becomes the start of the directory's name, e.g. "haul-it-".
  explicit TempDir(const std::string& prefix = "haul-it-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// path() / name.
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// Writes `size` pseudo-random bytes to `path`, creating parent directories.
/// The bytes depend only on `seed` (splitmix64), so a failing run can be
/// reproduced exactly.
void WriteRandomFile(const std::filesystem::path& path, std::uint64_t size,
                     std::uint64_t seed);

/// Writes `content` to `path`, creating parent directories.
void WriteFile(const std::filesystem::path& path, const std::string& content);

/// The whole content of `path`; throws std::runtime_error when unreadable.
std::string ReadFile(const std::filesystem::path& path);

/// The file's content, or "" when it does not exist (a log a server may not
/// have written yet).
std::string ReadFileIfExists(const std::filesystem::path& path);

/// Success when both files exist and hold the same bytes. The failure
/// message gives both sizes, the first differing offset and both SHA-256s.
testing::AssertionResult FilesEqual(const std::filesystem::path& expected,
                                    const std::filesystem::path& actual);

/// The SHA-256 of a file as lowercase hex, computed by sha256sum(1); empty
/// when that fails.
std::string Sha256Hex(const std::filesystem::path& path);

/// The names of the entries directly inside `dir`, sorted.
std::vector<std::string> ListDir(const std::filesystem::path& dir);

}  // namespace haul_it
