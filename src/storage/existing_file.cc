// Implements src/storage/existing_file.h.
#include "storage/existing_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace haul::storage {

FinalFile InspectFinal(const std::string& path) {
  FinalFile f;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return f;
  f.exists = true;
  // stat follows a symlink to what a reader of the path would get.
  if (::stat(path.c_str(), &st) != 0) return f;
  f.directory = S_ISDIR(st.st_mode);
  f.regular = S_ISREG(st.st_mode);
  f.mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec);
  return f;
}

ExistingAction DecideExisting(bool skip_existing, bool timestamping, const FinalFile& final_file,
                              bool resuming) {
  if (!final_file.exists) return ExistingAction::kDownload;
  if (skip_existing && !final_file.directory) return ExistingAction::kSkip;
  if (timestamping && final_file.regular) {
    return resuming ? ExistingAction::kReplace : ExistingAction::kIfNewer;
  }
  return ExistingAction::kDownload;
}

Status SetModifiedTime(const std::string& path, std::int64_t seconds) {
  const timespec times[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(seconds), 0}};
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) {
    return Status::Error(ErrorClass::kIo,
                         "cannot set the time of " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace haul::storage
