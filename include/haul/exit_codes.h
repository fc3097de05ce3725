// haul's process exit codes. Stable: documented in docs/exit-codes.md, and
// never renumbered.
#pragma once

#include <span>

#include "haul/status.h"

namespace haul {

enum class ExitCode : int {
  kOk = 0,
  kInternal = 1,     ///< a bug in haul
  kUsage = 2,        ///< bad options, unreadable list file, bad list entries
  kMixed = 3,        ///< several downloads failed, for different reasons
  kNetwork = 4,      ///< DNS, connect, reset or timeout
  kTls = 5,          ///< TLS handshake or certificate verification failed
  kHttp = 6,         ///< the server answered 4xx or 5xx
  kProtocol = 7,     ///< the server broke HTTP (e.g. a wrong Content-Range)
  kIo = 8,           ///< a local file could not be written, renamed or created
  kExists = 9,       ///< the output file exists and --overwrite was not given
  kIntegrity = 10,   ///< a checksum did not match; the file was not given its name
  kInterrupted = 130,  ///< SIGINT
  kOutputClosed = 141,  ///< the reader of stdout closed it (as if killed by SIGPIPE)
  kTerminated = 143,   ///< SIGTERM
};

/// The exit code for one error class.
ExitCode ExitCodeFor(ErrorClass c);

/// The exit code for a run whose failed downloads had these classes: kOk when
/// there were none, the class's code when they all agree, kMixed otherwise.
ExitCode ExitCodeForFailures(std::span<const ErrorClass> failures);

}  // namespace haul
