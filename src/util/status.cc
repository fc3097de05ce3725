// Implements include/haul/status.h and include/haul/exit_codes.h.
#include "haul/exit_codes.h"
#include "haul/status.h"

namespace haul {

std::string_view ErrorClassName(ErrorClass c) {
  switch (c) {
    case ErrorClass::kNone: return "none";
    case ErrorClass::kUsage: return "usage";
    case ErrorClass::kNetwork: return "network";
    case ErrorClass::kTls: return "tls";
    case ErrorClass::kHttp: return "http";
    case ErrorClass::kProtocol: return "protocol";
    case ErrorClass::kIo: return "io";
    case ErrorClass::kExists: return "exists";
    case ErrorClass::kIntegrity: return "integrity";
    case ErrorClass::kInterrupted: return "interrupted";
    case ErrorClass::kOutputClosed: return "output-closed";
    case ErrorClass::kInternal: return "internal";
  }
  return "internal";
}

ExitCode ExitCodeFor(ErrorClass c) {
  switch (c) {
    case ErrorClass::kNone: return ExitCode::kOk;
    case ErrorClass::kUsage: return ExitCode::kUsage;
    case ErrorClass::kNetwork: return ExitCode::kNetwork;
    case ErrorClass::kTls: return ExitCode::kTls;
    case ErrorClass::kHttp: return ExitCode::kHttp;
    case ErrorClass::kProtocol: return ExitCode::kProtocol;
    case ErrorClass::kIo: return ExitCode::kIo;
    case ErrorClass::kExists: return ExitCode::kExists;
    case ErrorClass::kIntegrity: return ExitCode::kIntegrity;
    case ErrorClass::kInterrupted: return ExitCode::kInterrupted;
    case ErrorClass::kOutputClosed: return ExitCode::kOutputClosed;
    case ErrorClass::kInternal: return ExitCode::kInternal;
  }
  return ExitCode::kInternal;
}

ExitCode ExitCodeForFailures(std::span<const ErrorClass> failures) {
  if (failures.empty()) return ExitCode::kOk;
  // An interruption explains every other failure that came with it.
  for (ErrorClass c : failures) {
    if (c == ErrorClass::kInterrupted) return ExitCode::kInterrupted;
  }
  // So does a reader that closed stdout: nothing after it could be delivered.
  for (ErrorClass c : failures) {
    if (c == ErrorClass::kOutputClosed) return ExitCode::kOutputClosed;
  }
  const ErrorClass first = failures.front();
  for (ErrorClass c : failures) {
    if (c != first) return ExitCode::kMixed;
  }
  return ExitCodeFor(first);
}

}  // namespace haul
