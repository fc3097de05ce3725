#include "harness/access_log.h"

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace haul_it {
namespace {

/// Reads a double-quoted field starting at `pos` (at the opening quote) and
/// moves `pos` past the closing quote. nginx escapes '"' as \x22, so the
/// next quote always closes the field.
bool ReadQuoted(const std::string& line, size_t& pos, std::string* out) {
  if (pos >= line.size() || line[pos] != '"') return false;
  const size_t end = line.find('"', pos + 1);
  if (end == std::string::npos) return false;
  *out = line.substr(pos + 1, end - pos - 1);
  pos = end + 1;
  while (pos < line.size() && line[pos] == ' ') ++pos;
  return true;
}

}  // namespace

bool ParseAccessLogLine(const std::string& line, AccessLogEntry* entry) {
  std::istringstream head(line);
  AccessLogEntry e;
  if (!(head >> e.connection >> e.connection_requests >> e.status >> e.body_bytes)) {
    return false;
  }
  head >> std::ws;
  size_t pos = static_cast<size_t>(head.tellg());
  std::string request;
  if (!ReadQuoted(line, pos, &request) || !ReadQuoted(line, pos, &e.range)) return false;
  std::istringstream req(request);
  req >> e.method >> e.target >> e.protocol;
  *entry = std::move(e);
  return true;
}

std::vector<AccessLogEntry> ReadAccessLog(const std::filesystem::path& path,
                                          std::uint64_t offset) {
  std::vector<AccessLogEntry> entries;
  std::ifstream f(path, std::ios::binary);
  if (!f) return entries;
  f.seekg(static_cast<std::streamoff>(offset));
  std::string line;
  while (std::getline(f, line)) {  // bounded by the file's size
    AccessLogEntry e;
    if (ParseAccessLogLine(line, &e)) entries.push_back(std::move(e));
  }
  return entries;
}

std::vector<AccessLogEntry> ReadSettledAccessLog(const std::filesystem::path& path,
                                                 std::uint64_t offset) {
  std::error_code ec;
  std::uintmax_t last = std::filesystem::file_size(path, ec);
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const std::uintmax_t now = std::filesystem::file_size(path, ec);
    if (now == last) break;
    last = now;
  }
  return ReadAccessLog(path, offset);
}

size_t DistinctConnections(const std::vector<AccessLogEntry>& entries,
                           const std::string& target_prefix) {
  std::set<std::uint64_t> connections;
  for (const auto& e : entries) {
    if (e.target.compare(0, target_prefix.size(), target_prefix) == 0) {
      connections.insert(e.connection);
    }
  }
  return connections.size();
}

std::string FormatEntries(const std::vector<AccessLogEntry>& entries) {
  std::ostringstream out;
  for (const auto& e : entries) {
    out << "  conn " << e.connection << " req#" << e.connection_requests << " " << e.status
        << " " << e.body_bytes << " " << e.method << " " << e.target << " " << e.protocol
        << " range=" << e.range << "\n";
  }
  return out.str();
}

}  // namespace haul_it
