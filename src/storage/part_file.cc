// Implements src/storage/part_file.h with POSIX/Linux calls on a raw fd.
#include "storage/part_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>  // renameat2 (glibc >= 2.28 with _GNU_SOURCE)
#include <filesystem>
#include <limits>
#include <string_view>
#include <system_error>
#include <utility>

namespace haul::storage {
namespace {

// How often Open retries when the inode it locked was renamed or unlinked by
// the previous owner between our open() and flock(). Each retry needs that
// owner to finish a whole download in between, so a few are plenty.
constexpr int kLockAttempts = 3;

constexpr std::uint64_t kMaxOffset = std::numeric_limits<off_t>::max();

std::string ErrnoText(int err) { return std::generic_category().message(err); }

/// "cannot <verb> <path>: <strerror>", the one-line form every kIo takes.
Status IoError(std::string_view verb, const std::string& path, int err) {
  std::string msg = "cannot ";
  msg.append(verb).append(" ").append(path).append(": ").append(ErrnoText(err));
  return Status::Error(ErrorClass::kIo, std::move(msg));
}

Status ExistsError(const std::string& path) {
  return Status::Error(ErrorClass::kExists, path + " exists (use --overwrite to replace it)");
}

Status InUseError(const std::string& part_path) {
  return Status::Error(ErrorClass::kIo, part_path + " is in use by another download");
}

Status NotOpen(std::string_view what) {
  return Status::Error(ErrorClass::kInternal,
                       std::string(what) + " on a PartFile that is not open");
}

/// mkdir -p of final_path's parent directory.
Status MakeParentDirs(const std::string& final_path) {
  const std::filesystem::path parent = std::filesystem::path(final_path).parent_path();
  if (parent.empty()) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) return IoError("create directory", parent.string(), ec.value());
  return Status::Ok();
}

/// kExists if final_path exists and may not be replaced. lstat, not stat: a
/// dangling symlink still blocks a no-replace rename, so it must block here.
Status CheckFinal(const std::string& final_path, bool overwrite) {
  struct stat st {};
  if (::lstat(final_path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return IoError("stat", final_path, errno);
  }
  // rename() cannot replace a directory with a file; fail now, not at the end.
  if (S_ISDIR(st.st_mode)) return Status::Error(ErrorClass::kIo, final_path + " is a directory");
  if (!overwrite) return ExistsError(final_path);
  return Status::Ok();
}

/// True if `path` still names the file open on `fd`.
bool StillNamedBy(int fd, const std::string& path) {
  struct stat by_fd {};
  struct stat by_path {};
  if (::fstat(fd, &by_fd) != 0 || ::stat(path.c_str(), &by_path) != 0) return false;
  return by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino;
}

/// Opens (creating) and exclusively locks `path`, into *fd_out.
Status OpenLocked(const std::string& path, int* fd_out) {
  for (int attempt = 0; attempt < kLockAttempts; ++attempt) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return IoError("open", path, errno);
    int rc = 0;
    do {
      rc = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) return InUseError(path);
      return IoError("lock", path, err);
    }
    // The previous owner may have renamed (Commit) or unlinked (Discard) the
    // inode we opened before releasing its lock; then our lock guards nothing.
    if (StillNamedBy(fd, path)) {
      *fd_out = fd;
      return Status::Ok();
    }
    ::close(fd);
  }
  return InUseError(path);
}

/// rename() that never replaces `to`.
Status RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return Status::Ok();
  }
  const int err = errno;
  if (err == EEXIST) return ExistsError(to);
  // EINVAL: this filesystem does not support the flag; ENOSYS: old kernel.
  if (err == EINVAL || err == ENOSYS) return detail::LinkNoReplace(from, to);
  return IoError("rename", from + " to " + to, err);
}

Status RenameReplacing(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) == 0) return Status::Ok();
  return IoError("rename", from + " to " + to, errno);
}

}  // namespace

namespace detail {

Status LinkNoReplace(const std::string& from, const std::string& to) {
  // link() fails with EEXIST rather than replace, which is the atomic check
  // rename() lacks; the unlink then drops the old name.
  if (::link(from.c_str(), to.c_str()) != 0) {
    const int err = errno;
    if (err == EEXIST) return ExistsError(to);
    return IoError("link", from + " to " + to, err);
  }
  if (::unlink(from.c_str()) != 0) return IoError("remove", from, errno);
  return Status::Ok();
}

}  // namespace detail

std::string PartFile::PartPathFor(const std::string& final_path) { return final_path + ".part"; }

PartFile::~PartFile() { Close(); }

Status PartFile::Open(const std::string& final_path, bool overwrite) {
  return Open(final_path, OpenMode{overwrite, false, true});
}

Status PartFile::Open(const std::string& final_path, const OpenMode& mode) {
  if (is_open()) return Status::Error(ErrorClass::kInternal, "PartFile::Open called twice");
  if (final_path.empty()) return Status::Error(ErrorClass::kUsage, "empty output path");
  if (Status s = MakeParentDirs(final_path); !s.ok()) return s;
  if (mode.check_final) {
    if (Status s = CheckFinal(final_path, mode.overwrite); !s.ok()) return s;
  }

  std::string part_path = PartPathFor(final_path);
  int fd = -1;
  if (Status s = OpenLocked(part_path, &fd); !s.ok()) return s;
  // Only after locking: truncating first could wipe another download's data.
  std::uint64_t size = 0;
  if (mode.keep_contents) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return IoError("stat", part_path, err);
    }
    size = static_cast<std::uint64_t>(st.st_size);
  } else if (::ftruncate(fd, 0) != 0) {
    const int err = errno;
    ::close(fd);
    return IoError("truncate", part_path, err);
  }
  final_path_ = final_path;
  part_path_ = std::move(part_path);
  fd_ = fd;
  size_at_open_ = size;
  return Status::Ok();
}

Status PartFile::Sync() {
  if (!is_open()) return NotOpen("Sync");
  if (::fdatasync(fd_) != 0) return IoError("sync", part_path_, errno);
  return Status::Ok();
}

Status PartFile::Truncate(std::uint64_t size) {
  if (!is_open()) return NotOpen("Truncate");
  if (size > kMaxOffset) return IoError("truncate", part_path_, EFBIG);
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return IoError("truncate", part_path_, errno);
  return Status::Ok();
}

Status PartFile::Preallocate(std::uint64_t size) {
  if (!is_open()) return NotOpen("Preallocate");
  if (size == 0) return Status::Ok();  // fallocate rejects len 0 with EINVAL
  if (size > kMaxOffset) return IoError("preallocate", part_path_, EFBIG);
  // fallocate, not posix_fallocate: where the filesystem cannot reserve space
  // glibc's posix_fallocate falls back to writing zeros over the whole file,
  // which costs as much I/O as the download itself.
  int rc = 0;
  do {
    rc = ::fallocate(fd_, 0, 0, static_cast<off_t>(size));
  } while (rc != 0 && errno == EINTR);
  if (rc == 0 || errno == EOPNOTSUPP || errno == ENOSYS) return Status::Ok();
  return IoError("preallocate " + std::to_string(size) + " bytes for", part_path_, errno);
}

Status PartFile::WriteAt(std::uint64_t offset, std::span<const std::byte> data) {
  if (!is_open()) return NotOpen("WriteAt");
  if (offset > kMaxOffset || data.size() > kMaxOffset - offset) {
    return IoError("write", part_path_, EFBIG);
  }
  const std::byte* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::pwrite(fd_, p, left, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("write", part_path_, errno);
    }
    // A regular file never returns 0 for a non-empty write; if one does,
    // fail instead of spinning forever.
    if (n == 0) return IoError("write", part_path_, EIO);
    const auto done = static_cast<std::size_t>(n);
    p += done;
    left -= done;
    offset += done;
  }
  return Status::Ok();
}

Status PartFile::Commit(std::uint64_t size, bool overwrite) {
  return CommitAs(size, overwrite, final_path_);
}

Status PartFile::CommitAs(std::uint64_t size, bool overwrite, const std::string& final_path) {
  if (!is_open()) return NotOpen("Commit");
  if (size > kMaxOffset) return IoError("truncate", part_path_, EFBIG);
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
    return IoError("truncate", part_path_, errno);
  }
  // Rename while the lock is held; see the header for why.
  Status renamed = overwrite ? RenameReplacing(part_path_, final_path)
                             : RenameNoReplace(part_path_, final_path);
  if (!renamed.ok()) return renamed;
  const int fd = std::exchange(fd_, -1);
  // Linux releases the fd even when close fails, so never retry it (EINTR
  // included); but an error here may be a lost write, so report it.
  if (::close(fd) != 0 && errno != EINTR) return IoError("close", final_path, errno);
  return Status::Ok();
}

void PartFile::Discard() {
  if (!is_open()) return;
  // Unlink before close, while locked; see the header for why. Errors are
  // ignored: there is nothing better to do with a partial we cannot delete.
  ::unlink(part_path_.c_str());
  Close();
}

void PartFile::Close() {
  if (fd_ < 0) return;
  ::close(fd_);  // also releases the flock
  fd_ = -1;
}

}  // namespace haul::storage
