// Parsing haul's --stats report: "key: value" lines on stderr, e.g.
//   downloads ok: 3
//   wall seconds: 0.412
//
// Thread safety: no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace haul_it {

/// Every key haul's --stats prints, in order.
inline constexpr const char* kStatsKeys[] = {
    "downloads ok",      "downloads failed", "downloads skipped", "bytes", "bytes received", "bytes resumed",
    "wall seconds",      "requests",         "connections opened",
    "requests reusing a connection", "peak transfer slots", "transfer slots created",
    "transfer slots retired", "writer threads created", "writer threads retired",
    "peak writer threads", "buffer pool hits", "buffer pool misses",
    "retries", "restarts", "stragglers", "stream buffer budget", "stream buffer peak"};

/// The --stats lines found in `stderr_text`, key to value text. Lines whose
/// key is not one of kStatsKeys are ignored, so warnings mixed into stderr do
/// not confuse it.
std::map<std::string, std::string> ParseStats(const std::string& stderr_text);

/// The value of an integer statistic, or nullopt when it is missing or not
/// a non-negative integer.
std::optional<std::uint64_t> StatInt(const std::map<std::string, std::string>& stats,
                                     const std::string& key);

}  // namespace haul_it
