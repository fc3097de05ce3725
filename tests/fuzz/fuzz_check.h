// What the libFuzzer targets in tests/fuzz share: a check that aborts, so
// libFuzzer records the input as a crash, and a UTF-8 validity test.
//
// Thread safety: pure functions; libFuzzer calls a target from one thread.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace haul::fuzz {

/// Aborts with `what` on stderr unless `ok`. Not assert(): it must also fire
/// in the fuzz preset's RelWithDebInfo (NDEBUG) build.
inline void Require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

/// True if `s` is well-formed UTF-8 (structure only; overlong forms with
/// lead bytes E0/F0 are not looked for).
inline bool IsUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    if (lead < 0x80) len = 1;
    else if (lead >= 0xC2 && lead <= 0xDF) len = 2;
    else if (lead >= 0xE0 && lead <= 0xEF) len = 3;
    else if (lead >= 0xF0 && lead <= 0xF4) len = 4;
    if (len == 0 || len > s.size() - i) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace haul::fuzz
