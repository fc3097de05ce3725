// The per-path request, byte and Range counters behind /_stats/<name>.
// Thread safety: every method takes the one mutex; see counters.h.
#include "fault_server/counters.h"

#include <cstdio>

#include "fault_server/http.h"

namespace haul_fault {
namespace {

/// `s` as a JSON string literal; bytes >= 0x80 pass through unchanged.
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x",
                    static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

/// "bytes=0-99" -> "0-99"; any other value is kept whole.
std::string_view WithoutUnit(std::string_view range) {
  constexpr std::string_view kUnit = "bytes=";
  if (range.size() >= kUnit.size() && ToLower(range.substr(0, kUnit.size())) == kUnit) {
    range.remove_prefix(kUnit.size());
  }
  return range;
}

}  // namespace

std::uint64_t Counters::BeginRequest(const std::string& path, std::string_view range) {
  const std::lock_guard<std::mutex> lock(mu_);
  PathCounters& c = paths_[path];
  c.ranges.emplace_back(WithoutUnit(range));
  return c.requests++;
}

void Counters::AddBytes(const std::string& path, std::uint64_t bytes) {
  const std::lock_guard<std::mutex> lock(mu_);
  paths_[path].bytes += bytes;
}

std::string Counters::Json(const std::string& path) const {
  const std::lock_guard<std::mutex> lock(mu_);
  const auto it = paths_.find(path);
  if (it == paths_.end()) return R"({"requests":0,"bytes":0,"ranges":[]})";
  const PathCounters& c = it->second;
  std::string json = "{\"requests\":" + std::to_string(c.requests) +
                     ",\"bytes\":" + std::to_string(c.bytes) + ",\"ranges\":[";
  for (std::size_t i = 0; i < c.ranges.size(); ++i) {
    if (i > 0) json += ',';
    json += JsonString(c.ranges[i]);
  }
  return json + "]}";
}

}  // namespace haul_fault
