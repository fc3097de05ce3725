// A job: one file to download, from one or more equivalent URLs.
//
// Thread safety: a plain value, moved into the engine by Engine::Submit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace haul {

/// What the user asked for one download.
struct JobSpec {
  /// The first URL is the primary source; the rest are mirrors of the same
  /// file. Mirrors are accepted and validated but not yet used for transfers.
  std::vector<std::string> urls;
  /// Output file name (-o, or out= in a list). Empty: derived from the URL.
  /// A relative name is taken below `dir`; an absolute one is used as is.
  std::string out;
  /// Directory for the output (-d, or dir= in a list). Empty: current directory.
  std::string dir;
  /// Expected checksum, "TYPE=HEX" as aria2 writes it ("sha-256=..."), or
  /// empty. Checked before the file gets its final name.
  std::string checksum;
  /// Where this job came from, for error messages ("urls.txt:12"); may be empty.
  std::string origin;
};

/// Stable identifier of a submitted job, unique within one Engine.
using JobId = std::uint64_t;

}  // namespace haul
