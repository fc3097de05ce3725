// Implements src/cli/run_summary.h.
#include "cli/run_summary.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "haul/engine.h"
#include "haul/exit_codes.h"

namespace haul::cli {
namespace {

using reporting::Json;

Json DownloadJson(const JobFinished& e) {
  Json j;
  j["id"] = e.id;
  j["url"] = e.url;
  j["path"] = e.path.empty() ? Json(nullptr) : Json(e.path);
  j["bytes"] = e.bytes;
  j["sha256"] = reporting::Sha256Of(e.checksum);
  j["duration_ms"] = e.duration.count();
  j["connections"] = e.connections;
  j["retries"] = e.retries;
  j["outcome"] = e.status.ok() ? "ok" : "failed";
  j["skipped"] = e.skipped;
  if (e.status.ok()) {
    j["error_class"] = nullptr;
    j["error"] = nullptr;
  } else {
    j["error_class"] = std::string(ErrorClassName(e.status.error_class()));
    j["error"] = e.status.message();
  }
  return j;
}

Status IoError(const std::string& what, const std::string& path) {
  return Status::Error(ErrorClass::kIo,
                       "--summary-json: cannot " + what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

void RunSummary::OnJobFinished(const JobFinished& e) {
  std::lock_guard lock(mu_);
  downloads_.push_back(e);
}

void RunSummary::ReportInputError(const Status&) {
  std::lock_guard lock(mu_);
  ++input_errors_;
}

void RunSummary::Finish(const RunStats& stats) {
  std::lock_guard lock(mu_);
  wall_ = stats.wall;
}

Json RunSummary::ToJson(int exit_code) const {
  std::lock_guard lock(mu_);
  std::vector<const JobFinished*> sorted;
  sorted.reserve(downloads_.size());
  for (const JobFinished& e : downloads_) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(),
            [](const JobFinished* a, const JobFinished* b) { return a->id < b->id; });
  Json downloads = Json::array();
  std::uint64_t ok = 0;
  std::uint64_t skipped = 0;
  std::uint64_t bytes = 0;
  for (const JobFinished* e : sorted) {
    downloads.push_back(DownloadJson(*e));
    if (e->status.ok()) ++ok;
    if (e->skipped) ++skipped;
    bytes += e->bytes;
  }
  Json totals;
  totals["downloads"] = downloads_.size();
  totals["ok"] = ok;
  totals["failed"] = downloads_.size() - ok;
  totals["skipped"] = skipped;
  totals["input_errors"] = input_errors_;
  totals["bytes"] = bytes;
  totals["duration_ms"] = wall_.count();
  totals["exit_code"] = exit_code;
  Json doc;
  doc["schema"] = reporting::kJsonSchema;
  doc["downloads"] = std::move(downloads);
  doc["totals"] = std::move(totals);
  return doc;
}

AtomicFile::~AtomicFile() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(tmp_path_.c_str());
}

Status AtomicFile::Open(const std::string& path) {
  path_ = path;
  tmp_path_ = path + ".tmp." + std::to_string(::getpid());
  fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) return IoError("write", path);
  return Status::Ok();
}

Status AtomicFile::Commit(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("write", tmp_path_);
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  // Synced before the rename, so that after a crash the name holds either
  // the old document or the whole new one.
  if (::fsync(fd_) != 0) return IoError("sync", tmp_path_);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    ::unlink(tmp_path_.c_str());
    return IoError("close", tmp_path_);
  }
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    Status s = IoError("rename to", path_);
    ::unlink(tmp_path_.c_str());
    return s;
  }
  return Status::Ok();
}

}  // namespace haul::cli
