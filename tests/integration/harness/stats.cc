#include "harness/stats.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <sstream>

namespace haul_it {

std::map<std::string, std::string> ParseStats(const std::string& stderr_text) {
  std::map<std::string, std::string> stats;
  std::istringstream in(stderr_text);
  std::string line;
  while (std::getline(in, line)) {  // bounded by the text's size
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    const bool known = std::find(std::begin(kStatsKeys), std::end(kStatsKeys), key) !=
                       std::end(kStatsKeys);
    if (known) stats[key] = line.substr(colon + 2);
  }
  return stats;
}

std::optional<std::uint64_t> StatInt(const std::map<std::string, std::string>& stats,
                                     const std::string& key) {
  const auto it = stats.find(key);
  if (it == stats.end() || it->second.empty()) return std::nullopt;
  const std::string& v = it->second;
  if (!std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return std::nullopt;
  }
  return std::stoull(v);
}

}  // namespace haul_it
