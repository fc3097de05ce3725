// Implements src/integrity/digest.h: algorithm names and the Hasher factory.
// The algorithms themselves are in md5.cc, sha1.cc and sha2.cc.
#include "integrity/digest.h"

#include <cstdio>
#include <cstdlib>

#include "integrity/block_hasher.h"

namespace haul::integrity {

namespace detail {

void DieUsedAfterFinish(const char* method) {
  std::fprintf(stderr, "haul: bug: Hasher::%s called after Finish\n", method);
  std::abort();
}

}  // namespace detail

std::string_view HashAlgorithmName(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kMd5: return "md5";
    case HashAlgorithm::kSha1: return "sha-1";
    case HashAlgorithm::kSha256: return "sha-256";
    case HashAlgorithm::kSha512: return "sha-512";
  }
  return "unknown";  // not reached: the switch covers every enumerator
}

std::unique_ptr<Hasher> MakeHasher(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kMd5: return detail::MakeMd5Hasher();
    case HashAlgorithm::kSha1: return detail::MakeSha1Hasher();
    case HashAlgorithm::kSha256: return detail::MakeSha256Hasher();
    case HashAlgorithm::kSha512: return detail::MakeSha512Hasher();
  }
  // Only an out-of-range cast gets here; "never null" must still hold.
  std::fprintf(stderr, "haul: bug: MakeHasher(%d)\n", static_cast<int>(algorithm));
  std::abort();
}

}  // namespace haul::integrity
