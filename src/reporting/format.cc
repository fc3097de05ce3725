// Implements src/reporting/format.h.
#include "reporting/format.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace haul::reporting {
namespace {

/// printf into a std::string; only for the short, bounded strings here.
template <typename... Args>
std::string Printf(const char* format, Args... args) {
  std::array<char, 64> buffer{};
  const int n = std::snprintf(buffer.data(), buffer.size(), format, args...);
  if (n <= 0) return {};
  return std::string(buffer.data(), std::min(static_cast<std::size_t>(n), buffer.size() - 1));
}

}  // namespace

std::string ErrorLine(std::string_view message) {
  std::string line(kErrorPrefix);
  line.append(message);
  line.push_back('\n');
  return line;
}

std::string DownloadErrorLine(std::string_view url, const Status& status) {
  std::string message(url);
  message.append(": ");
  message.append(status.message());
  return ErrorLine(message);
}

bool ColourWanted(bool is_terminal, const char* no_color) {
  return is_terminal && (no_color == nullptr || no_color[0] == '\0');
}

std::string RedErrorLine(std::string_view line) {
  const std::string_view prefix = kErrorPrefix.substr(0, kErrorPrefix.size() - 1);  // no ' '
  if (line.substr(0, prefix.size()) != prefix) return std::string(line);
  std::string out = "\x1b[31m";
  out.append(prefix);
  out.append("\x1b[0m");
  out.append(line.substr(prefix.size()));
  return out;
}

std::string FormatBytes(std::uint64_t bytes) {
  static constexpr std::array<const char*, 4> kUnits{"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return Printf("%llu B", static_cast<unsigned long long>(bytes));
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  // Move up a unit while the rounded value would print as 1024.0 or more.
  while (unit + 1 < kUnits.size() && value >= 1023.95) {
    value /= 1024.0;
    ++unit;
  }
  return Printf("%.1f %s", value, kUnits[unit]);
}

std::string FormatRate(double bytes_per_second) {
  if (!std::isfinite(bytes_per_second) || bytes_per_second < 0) return "0 B/s";
  return FormatBytes(static_cast<std::uint64_t>(bytes_per_second)) + "/s";
}

std::string FormatDuration(std::chrono::milliseconds d) {
  const long long ms = std::max<long long>(d.count(), 0);
  if (ms < 10'000) return Printf("%lld.%llds", ms / 1000, (ms % 1000) / 100);
  const long long s = ms / 1000;
  if (s < 60) return Printf("%llds", s);
  if (s < 3600) return Printf("%lldm%02llds", s / 60, s % 60);
  return Printf("%lldh%02lldm", s / 3600, (s % 3600) / 60);
}

std::string FormatStats(const RunStats& stats) {
  const long long wall_ms = std::max<long long>(stats.wall.count(), 0);
  std::string out;
  auto line = [&out](const char* key, unsigned long long value) {
    out += Printf("%s: %llu\n", key, value);
  };
  line("downloads ok", stats.jobs_ok);
  line("downloads failed", stats.jobs_failed);
  line("downloads skipped", stats.jobs_skipped);
  line("bytes", stats.bytes);
  line("bytes received", stats.bytes_received);
  line("bytes resumed", stats.bytes_resumed);
  out += Printf("wall seconds: %lld.%03lld\n", wall_ms / 1000, wall_ms % 1000);
  line("requests", stats.requests);
  line("connections opened", stats.connections_opened);
  line("requests reusing a connection", stats.requests_reused);
  line("peak transfer slots", static_cast<unsigned long long>(std::max(stats.peak_slots, 0)));
  line("transfer slots created",
       static_cast<unsigned long long>(std::max(stats.slots_created, 0)));
  line("transfer slots retired",
       static_cast<unsigned long long>(std::max(stats.slots_retired, 0)));
  line("writer threads created", stats.writer_threads_created);
  line("writer threads retired", stats.writer_threads_retired);
  line("peak writer threads",
       static_cast<unsigned long long>(std::max(stats.writer_threads_peak, 0)));
  line("buffer pool hits", stats.buffer_hits);
  line("buffer pool misses", stats.buffer_misses);
  line("retries", stats.retries);
  line("restarts", stats.restarts);
  line("stragglers", stats.stragglers);
  line("stream buffer budget", stats.stream_buffer_budget);
  line("stream buffer peak", stats.stream_buffer_peak);
  return out;
}

}  // namespace haul::reporting
