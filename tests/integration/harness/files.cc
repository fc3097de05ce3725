#include "harness/files.h"

#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "harness/process.h"

namespace haul_it {
namespace fs = std::filesystem;

namespace {

/// splitmix64: a tiny, good-enough generator whose output depends only on
/// the seed.
std::uint64_t NextRandom(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::ofstream OpenForWrite(const fs::path& path) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw std::runtime_error("cannot write " + path.string());
  return f;
}

/// The offset of the first byte where a and b differ (or the shorter size).
size_t FirstDifference(const std::string& a, const std::string& b) {
  const size_t n = std::min(a.size(), b.size());
  const auto mismatch = std::mismatch(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n),
                                      b.begin());
  return static_cast<size_t>(mismatch.first - a.begin());
}

}  // namespace

TempDir::TempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = (tmp != nullptr && *tmp != '\0' ? std::string(tmp) : "/tmp");
  pattern += "/" + prefix + "XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern);
  }
  path_ = pattern;
  // nginx workers may run as another user; let them read what we serve.
  fs::permissions(path_, fs::perms::owner_all | fs::perms::group_read |
                             fs::perms::group_exec | fs::perms::others_read |
                             fs::perms::others_exec);
}

TempDir::~TempDir() {
  std::error_code ec;  // a destructor must not throw; leftovers are harmless
  fs::remove_all(path_, ec);
}

void WriteRandomFile(const fs::path& path, std::uint64_t size, std::uint64_t seed) {
  std::ofstream f = OpenForWrite(path);
  std::uint64_t state = seed;
  std::string block(1 << 20, '\0');
  for (std::uint64_t done = 0; done < size;) {  // bounded by size
    const size_t n = static_cast<size_t>(std::min<std::uint64_t>(block.size(), size - done));
    for (size_t i = 0; i < n; i += 8) {
      const std::uint64_t v = NextRandom(state);
      std::memcpy(block.data() + i, &v, std::min<size_t>(8, n - i));
    }
    f.write(block.data(), static_cast<std::streamsize>(n));
    done += n;
  }
  if (!f.flush()) throw std::runtime_error("short write to " + path.string());
}

void WriteFile(const fs::path& path, const std::string& content) {
  std::ofstream f = OpenForWrite(path);
  f.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!f.flush()) throw std::runtime_error("short write to " + path.string());
}

std::string ReadFile(const fs::path& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw std::runtime_error("cannot read " + path.string());
  std::string content(static_cast<size_t>(f.tellg()), '\0');
  f.seekg(0);
  if (!f.read(content.data(), static_cast<std::streamsize>(content.size()))) {
    throw std::runtime_error("short read from " + path.string());
  }
  return content;
}

std::string ReadFileIfExists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec) ? ReadFile(path) : std::string();
}

testing::AssertionResult FilesEqual(const fs::path& expected, const fs::path& actual) {
  if (!fs::is_regular_file(actual)) {
    return testing::AssertionFailure() << actual << " is missing or not a regular file";
  }
  const std::string a = ReadFile(expected);
  const std::string b = ReadFile(actual);
  if (a == b) return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << actual << " differs from " << expected << ": sizes " << b.size() << " vs "
         << a.size() << " (expected), first difference at byte " << FirstDifference(a, b)
         << ", sha256 " << Sha256Hex(actual) << " vs " << Sha256Hex(expected);
}

std::string Sha256Hex(const fs::path& path) {
  RunOptions options;
  options.timeout = std::chrono::seconds(60);
  const ProcessResult r = RunProcess({"sha256sum", "-b", path.string()}, options);
  if (r.exit_code != 0 || r.out.size() < 64) return {};
  return r.out.substr(0, 64);
}

std::vector<std::string> ListDir(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace haul_it
