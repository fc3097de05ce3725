// Reading the access log that NginxServer writes, to see what haul did on
// the wire: how many TCP connections it opened and which requests it sent.
//
// Each line has the format NginxServer configures ("haul_it"):
//   $connection $connection_requests $status $body_bytes_sent "$request" "$http_range"
// $connection is nginx's serial number of the TCP connection, so the number
// of distinct values is the number of connections the client used.
//
// Thread safety: no shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace haul_it {

/// One parsed access-log line.
struct AccessLogEntry {
  std::uint64_t connection = 0;           ///< $connection
  std::uint64_t connection_requests = 0;  ///< $connection_requests
  int status = 0;                         ///< $status
  std::uint64_t body_bytes = 0;           ///< $body_bytes_sent
  std::string method;                     ///< from $request
  std::string target;                     ///< from $request, e.g. "/a.bin"
  std::string protocol;                   ///< from $request, e.g. "HTTP/2.0"
  std::string range;                      ///< $http_range, "-" when absent
};

/// Parses one line; returns false when it does not have the expected shape.
bool ParseAccessLogLine(const std::string& line, AccessLogEntry* entry);

/// The entries of the log at `path` that start at or after byte `offset`
/// (see NginxServer::AccessLogSize). Unparsable lines are skipped.
std::vector<AccessLogEntry> ReadAccessLog(const std::filesystem::path& path,
                                          std::uint64_t offset = 0);

/// Like ReadAccessLog, after waiting (at most about 2 s) until the log has
/// stopped growing for 100 ms. nginx writes a request's line after sending
/// the response, so a client can have its answer (and exit) before the line
/// is there; a request the client cut short is logged only once nginx
/// notices the closed connection.
std::vector<AccessLogEntry> ReadSettledAccessLog(const std::filesystem::path& path,
                                                 std::uint64_t offset = 0);

/// The number of distinct $connection values among the entries whose target
/// starts with `target_prefix` (all entries when it is empty).
size_t DistinctConnections(const std::vector<AccessLogEntry>& entries,
                           const std::string& target_prefix = {});

/// The entries as text, one per line, for assertion messages.
std::string FormatEntries(const std::vector<AccessLogEntry>& entries);

}  // namespace haul_it
