// Implements HasServedContent from harness/fault_server.h.
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "harness/fault_server.h"

namespace haul_it {

testing::AssertionResult HasServedContent(const std::filesystem::path& path, std::uint64_t size,
                                          std::uint64_t version) {
  std::error_code ec;
  const std::uint64_t got_size = std::filesystem::file_size(path, ec);
  if (ec) return testing::AssertionFailure() << path << ": " << ec.message();
  if (got_size != size) {
    return testing::AssertionFailure() << path << " has " << got_size << " bytes, expected " << size;
  }
  std::ifstream in(path, std::ios::binary);
  constexpr std::uint64_t kBlock = 1 << 20;
  std::vector<char> got(kBlock);
  for (std::uint64_t offset = 0; offset < size; offset += kBlock) {  // bounded by size
    const std::uint64_t n = std::min(kBlock, size - offset);
    in.read(got.data(), static_cast<std::streamsize>(n));
    if (!in) return testing::AssertionFailure() << path << ": read failed at " << offset;
    const std::string want = ContentSlice(offset, n, version);
    for (std::uint64_t i = 0; i < n; ++i) {
      if (got[i] != want[i]) {
        return testing::AssertionFailure() << path << " differs first at byte " << offset + i;
      }
    }
  }
  return testing::AssertionSuccess();
}

}  // namespace haul_it
