// What a download does about a file already at its final path: the
// --skip-existing and -N/--timestamping decisions (docs/options.md,
// docs/scaling.md), and the file-system calls they need.
//
// Thread safety: DecideExisting is pure. InspectFinal and SetModifiedTime
// touch the file system and belong on a writer thread, like PartFile::Open.
#pragma once

#include <cstdint>
#include <string>

#include "haul/status.h"

namespace haul::storage {

/// What is at a final path, as lstat(2) and stat(2) see it.
struct FinalFile {
  bool exists = false;     ///< something is there (lstat: a dangling symlink too)
  bool directory = false;  ///< it is a directory (stat)
  bool regular = false;    ///< it is, or links to, a regular file (stat)
  std::int64_t mtime = 0;  ///< whole seconds since the epoch, when regular
};

/// Looks at `path` without opening it.
FinalFile InspectFinal(const std::string& path);

/// How a download treats its final path.
enum class ExistingAction {
  kDownload,  ///< as usual: an existing file fails it unless --overwrite
  kSkip,      ///< --skip-existing: no request, the file is never touched
  kIfNewer,   ///< -N: ask with If-Modified-Since the file's mtime; a 304
              ///< leaves the file, a new body replaces it
  kReplace,   ///< -N with a partial to resume: resume, then replace the file
};

/// The action for one download. `resuming`: a NAME.part with a NAME.haul
/// for this URL exists. Resuming wins over the conditional request (the
/// partial is what an earlier -N run found newer); --skip-existing wins
/// over everything, and leaves the partial alone too. A directory at the
/// path is never skipped: opening it fails with a clear error instead.
ExistingAction DecideExisting(bool skip_existing, bool timestamping, const FinalFile& final_file,
                              bool resuming);

/// Sets `path`'s modification time to `seconds` since the epoch (its access
/// time is left alone), so that the next -N run asks with that date. kIo
/// with the system's message on failure.
Status SetModifiedTime(const std::string& path, std::int64_t seconds);

}  // namespace haul::storage
