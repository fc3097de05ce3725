// Per-path counters of the fault server, which tests read back through
// GET /_stats/<name>: how many requests a path got, how many body bytes the
// sockets accepted for it, and each request's Range.
//
// Thread safety: every method may be called from any connection thread;
// one mutex guards all paths.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace haul_fault {

/// The counters of every path seen so far.
class Counters {
 public:
  /// Records a request for `path` (without query) whose Range field was
  /// `range` ("" when absent). Returns its number for that path, from 0:
  /// the fault selector's request number.
  std::uint64_t BeginRequest(const std::string& path, std::string_view range);

  /// Adds `bytes` of body that send() accepted for `path`.
  void AddBytes(const std::string& path, std::uint64_t bytes);

  /// {"requests":R,"bytes":B,"ranges":["0-",...]} for `path`; zeros and
  /// an empty list for a path never requested. A range is listed without
  /// its "bytes=" prefix.
  std::string Json(const std::string& path) const;

 private:
  struct PathCounters {
    std::uint64_t requests = 0;
    std::uint64_t bytes = 0;
    std::vector<std::string> ranges;
  };

  mutable std::mutex mu_;
  std::map<std::string, PathCounters, std::less<>> paths_;  // guarded by mu_
};

}  // namespace haul_fault
