// The partial file a download writes into, and its promotion to the final name.
//
// A download writes to "<final>.part" with positioned writes. Only when every
// byte is written does Commit rename it to the final path, never replacing an
// existing file unless asked to. The partial is locked (flock) while open, so
// two downloads (in this or another haul process) never write the same file.
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

class PartFile {
 public:
  /// The partial path for a final path: final + ".part".
  static std::string PartPathFor(const std::string& final_path);

  PartFile() = default;
  ~PartFile();  ///< closes the descriptor; leaves the partial on disk
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  /// Creates missing parent directories of final_path, fails with kExists if
  /// final_path exists and !overwrite, then opens (creating) the partial,
  /// locks it (kIo "in use by another download" if locked) and truncates it.
  Status Open(const std::string& final_path, bool overwrite);
  /// Reserves `size` bytes on disk where the filesystem supports it
  /// (fallocate); a filesystem without support is not an error.
  Status Preallocate(std::uint64_t size);
  /// Writes all of `data` at `offset`, retrying short writes and EINTR.
  /// kIo with strerror text on failure (ENOSPC, EIO, ...).
  Status WriteAt(std::uint64_t offset, std::span<const std::byte> data);
  /// Truncates to `size` bytes (drops any preallocated tail), closes, and
  /// renames the partial to the final path. Without overwrite the rename never
  /// replaces an existing file (renameat2 RENAME_NOREPLACE, or link+unlink
  /// where that is unsupported) and fails with kExists.
  Status Commit(std::uint64_t size, bool overwrite);
  /// Closes and deletes the partial.
  void Discard();

  const std::string& final_path() const { return final_path_; }
  const std::string& part_path() const { return part_path_; }
  bool is_open() const { return fd_ >= 0; }

 private:
  std::string final_path_;
  std::string part_path_;
  int fd_ = -1;
};

}  // namespace haul::storage
