// The partial file a download writes into, and its promotion to the final name.
//
// A download writes to "<final>.part" with positioned writes. Only when every
// byte is written does Commit rename it to the final path, never replacing an
// existing file unless asked to. The partial is locked (flock) while open, so
// two downloads (in this or another haul process) never write the same file.
// Commit and Discard rename/unlink the partial while still holding the lock,
// so a second process can never lock an inode that has just been promoted or
// deleted (Open re-checks that the locked inode is still the partial path).
//
// Nothing is fsync'ed: see docs/storage.md ("Why no fsync").
//
// Thread safety: WriteAt may be called from several threads at once (pwrite at
// disjoint offsets). Open, Preallocate, Commit and Discard must not run
// concurrently with anything else on the same PartFile.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "haul/status.h"

namespace haul::storage {

/// One download's "<final>.part" file: locked, positioned writes, promotion.
class PartFile {
 public:
  /// The partial path for a final path: final + ".part".
  static std::string PartPathFor(const std::string& final_path);

  /// A closed PartFile; call Open.
  PartFile() = default;
  ~PartFile();  ///< closes the descriptor; leaves the partial on disk
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  /// Creates missing parent directories of final_path, fails with kExists if
  /// final_path exists and !overwrite, then opens (creating) the partial,
  /// locks it (kIo "in use by another download" if locked) and truncates it.
  /// kInternal if this PartFile is already open.
  Status Open(const std::string& final_path, bool overwrite);
  /// How Open treats what it finds.
  struct OpenMode {
    bool overwrite = false;  ///< an existing final file is no obstacle
    /// Keep the partial's bytes (resume) instead of truncating it.
    bool keep_contents = false;
    /// Fail with kExists when the final path exists. Off when the final name
    /// is decided later (Content-Disposition); Commit still never replaces.
    bool check_final = true;
  };
  /// Open with every choice spelled out; Open(path, overwrite) is
  /// Open(path, {overwrite, false, true}).
  Status Open(const std::string& final_path, const OpenMode& mode);
  /// The partial's size in bytes right after Open (0 when it was truncated).
  std::uint64_t size_at_open() const { return size_at_open_; }
  /// fdatasync: the bytes written so far survive a power loss. kIo on failure.
  Status Sync();
  /// Sets the partial's size (drops every byte at and beyond `size`).
  Status Truncate(std::uint64_t size);
  /// Closes the partial and leaves it on disk, for a later resume.
  void Keep() { Close(); }
  /// Commit to another name than the one given to Open (in any directory the
  /// caller vetted): Content-Disposition names are known only late.
  Status CommitAs(std::uint64_t size, bool overwrite, const std::string& final_path);
  /// Reserves `size` bytes on disk where the filesystem supports it
  /// (fallocate); a filesystem without support is not an error. The file
  /// size becomes `size`; Commit trims it. kInternal if not open (likewise
  /// WriteAt and Commit).
  Status Preallocate(std::uint64_t size);
  /// Writes all of `data` at `offset`, retrying short writes and EINTR.
  /// kIo with strerror text on failure (ENOSPC, EIO, ...).
  Status WriteAt(std::uint64_t offset, std::span<const std::byte> data);
  /// Truncates to `size` bytes (drops any preallocated tail), renames the
  /// partial to the final path, and closes it. Without overwrite the rename
  /// never replaces an existing file (renameat2 RENAME_NOREPLACE, or
  /// link+unlink where that is unsupported) and fails with kExists. The rename
  /// happens before the close so it is covered by the lock. If the truncate or
  /// rename fails the partial stays open and locked, so the caller may Discard
  /// it, retry, or destroy it (kept on disk). A failing close() (a delayed
  /// write error, e.g. on NFS) is reported as kIo after the rename.
  Status Commit(std::uint64_t size, bool overwrite);
  /// Deletes and closes the partial; does nothing if not open.
  void Discard();

  /// The paths given to / derived by the last Open (kept after close).
  const std::string& final_path() const { return final_path_; }
  const std::string& part_path() const { return part_path_; }
  bool is_open() const { return fd_ >= 0; }
  /// The partial's descriptor while open (for reading it back to verify).
  int fd() const { return fd_; }

 private:
  void Close();

  // Set by Open, then constant until the next Open: safe to read from WriteAt.
  std::string final_path_;
  std::string part_path_;
  int fd_ = -1;
  std::uint64_t size_at_open_ = 0;
};

namespace detail {
/// Moves `from` to `to` with link()+unlink(), never replacing `to` (kExists).
/// Commit's fallback where renameat2(RENAME_NOREPLACE) is unsupported;
/// declared here so tests can exercise it directly.
Status LinkNoReplace(const std::string& from, const std::string& to);
}  // namespace detail

}  // namespace haul::storage
