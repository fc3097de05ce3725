// haul's entry point: parse the command line, wire the engine to a reporter
// and to SIGINT/SIGTERM, stream the URLs in, and turn the outcome into an exit
// code (docs/exit-codes.md).
//
// Threads: main parses, submits (Engine::Submit may block: that is what keeps
// a huge list streaming in bounded memory) and finishes; the engine's threads
// report through the reporter; the signal watcher's thread cancels.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>

#include "cli/command_line.h"
#include "cli/list_file.h"
#include "cli/list_source.h"
#include "cli/outputs.h"
#include "cli/signal_watcher.h"
#include "haul/engine.h"
#include "haul/exit_codes.h"
#include "reporting/format.h"
#include "reporting/reporter.h"

namespace haul::cli {
namespace {

/// Logs go to stderr: warnings by default, errors only with -q, debug with -v.
/// When stderr carries JSON events, only what comes before an abort: the
/// events say the rest, and a log line would break the JSON Lines.
void SetUpLogging(const CommandLine& cl) {
  auto logger = spdlog::stderr_logger_mt("haul");
  logger->set_pattern(cl.verbose ? "haul: [%H:%M:%S.%e] %l: %v" : "haul: %l: %v");
  spdlog::set_default_logger(logger);
  if (cl.verbose) {
    spdlog::set_level(spdlog::level::debug);
  } else if (JsonOnStderr(cl)) {
    spdlog::set_level(spdlog::level::critical);
  } else {
    spdlog::set_level(cl.quiet ? spdlog::level::err : spdlog::level::warn);
  }
}

void PrintError(std::string_view message) {
  std::fputs(reporting::ErrorLine(message).c_str(), stderr);
}

/// What a signal cancels: the engine once it runs, and the list being read
/// (a read waiting on a terminal or pipe ends). Remembers a signal that came
/// earlier, so the engine is cancelled as soon as it is attached.
class CancelTarget {
 public:
  explicit CancelTarget(ListSource& list) : list_(list) {}

  void Trigger(int signal_number) {
    std::lock_guard lock(mu_);
    if (!triggered_) signal_ = signal_number;
    triggered_ = true;
    list_.Interrupt();
    if (engine_ != nullptr) engine_->Cancel();
  }
  /// Attach after Engine::Start; detach (nullptr) before the engine goes away.
  void Attach(Engine* engine) {
    std::lock_guard lock(mu_);
    engine_ = engine;
    if (engine_ != nullptr && triggered_) engine_->Cancel();
  }
  bool triggered() const {
    std::lock_guard lock(mu_);
    return triggered_;
  }
  /// The first signal that triggered the cancel (0 if none).
  int signal() const {
    std::lock_guard lock(mu_);
    return signal_;
  }

 private:
  ListSource& list_;
  mutable std::mutex mu_;
  Engine* engine_ = nullptr;  // guarded by mu_
  bool triggered_ = false;    // guarded by mu_
  int signal_ = 0;            // guarded by mu_
};

/// Feeds downloads to the engine and counts the errors found before the
/// engine saw anything: bad command-line URLs and bad list lines (a bad
/// option line counts too, though its entry still runs).
class Feeder {
 public:
  Feeder(Engine& engine, reporting::Reporter& reporter, const CommandLine& cl,
         const CancelTarget& cancel)
      : engine_(engine), reporter_(reporter), cl_(cl), cancel_(cancel) {}

  void SubmitUrls() {
    for (const std::string& url : cl_.urls) {
      if (cancel_.triggered() || stopped_) return;
      if (Status s = CheckUrl(url); !s.ok()) {
        InputError(Status::Error(s.error_class(), url + ": " + s.message()));
        continue;
      }
      JobSpec spec;
      spec.urls = {url};
      if (!AddMirrors(spec)) continue;
      if (!Mine(url)) continue;
      spec.out = cl_.output;
      spec.dir = cl_.dir;
      spec.checksum = cl_.checksum;
      spec.origin = "argv";
      engine_.Submit(std::move(spec));
    }
  }

  /// Appends the --mirror URLs (only given with one URL); a bad one is an
  /// input error and the download does not run.
  bool AddMirrors(JobSpec& spec) {
    for (const std::string& mirror : cl_.mirrors) {
      if (Status s = CheckUrl(mirror); !s.ok()) {
        InputError(Status::Error(s.error_class(), "--mirror " + mirror + ": " + s.message()));
        return false;
      }
      spec.urls.push_back(mirror);
    }
    return true;
  }

  /// Streams the list: one entry read, one submitted (Submit blocks while the
  /// engine's queue is full).
  void SubmitList(ListReader& reader) {
    while (!cancel_.triggered() && !stopped_) {
      std::optional<ListItem> item = reader.Next();
      if (!item) return;
      if (!item->ok()) {
        InputError(item->error);
        continue;
      }
      if (!Mine(item->job.urls.front())) continue;
      if (cl_.options.to_stdout) {
        // Everything goes to stdout, in list order.
        if (!item->job.out.empty() || !item->job.dir.empty()) {
          spdlog::warn("{}: out= and dir= have no effect with -o -", item->job.origin);
        }
        item->job.out = "-";
        item->job.dir.clear();
      } else {
        item->job.dir = DirFor(item->job.dir);
      }
      engine_.Submit(std::move(item->job));
    }
  }

  /// Reports a list that could not be read to its end.
  void CheckRead(const Status& read) {
    if (read.ok()) return;
    reporter_.ReportInputError(read);
    read_failed_ = true;
  }

  /// The engine's failures, plus one kUsage per input error and a kIo when
  /// the list could not be read to its end.
  std::vector<ErrorClass> Failures(const RunStats& stats) const {
    std::vector<ErrorClass> failures = stats.failures;
    failures.insert(failures.end(), input_errors_, ErrorClass::kUsage);
    if (read_failed_) failures.push_back(ErrorClass::kIo);
    return failures;
  }

 private:
  /// --shard: whether this process takes the download with this primary
  /// URL. Input errors are checked first, so every shard reports them.
  bool Mine(const std::string& primary_url) const {
    if (!cl_.shard || InShard(*cl_.shard, primary_url)) return true;
    spdlog::debug("{}: in shard {}/{}, not this one", primary_url,
                  ShardOf(primary_url, cl_.shard->count), cl_.shard->count);
    return false;
  }

  void InputError(const Status& status) {
    reporter_.ReportInputError(status);
    ++input_errors_;
    // On stdout a skipped entry would be a hole between its neighbours'
    // bytes: nothing after it is submitted (as after a failed download).
    if (cl_.options.to_stdout) stopped_ = true;
  }

  /// A list entry's dir= is taken below -d unless it is absolute.
  std::string DirFor(const std::string& entry_dir) const {
    if (entry_dir.empty()) return cl_.dir;
    if (cl_.dir.empty() || entry_dir.front() == '/') return entry_dir;
    return (std::filesystem::path(cl_.dir) / entry_dir).string();
  }

  Engine& engine_;
  reporting::Reporter& reporter_;
  const CommandLine& cl_;
  const CancelTarget& cancel_;
  std::uint64_t input_errors_ = 0;
  bool read_failed_ = false;
  bool stopped_ = false;  // streaming, an input error ends the submissions
};

/// The code for being stopped by a signal: 128 + its number, as shells do.
ExitCode ExitCodeForSignal(int signal_number) {
  return signal_number == SIGTERM ? ExitCode::kTerminated : ExitCode::kInterrupted;
}

/// The run's exit code; an interruption wins even if nothing was running.
ExitCode ExitCodeOf(const std::vector<ErrorClass>& failures, int signal_number) {
  if (signal_number != 0) return ExitCodeForSignal(signal_number);
  return ExitCodeForFailures(failures);
}

int Run(const CommandLine& cl) {
  SetUpLogging(cl);
  ListSource list;
  if (!cl.input_file.empty()) {
    if (Status s = list.Open(cl.input_file); !s.ok()) {
      PrintError(s.message());
      return static_cast<int>(ExitCode::kUsage);
    }
  }
  Outputs outputs;
  if (Status s = outputs.Open(cl); !s.ok()) {
    PrintError(s.message());
    return static_cast<int>(ExitCode::kUsage);
  }
  reporting::Reporter& reporter = outputs.reporter();
  CancelTarget cancel(list);
  // Before the engine exists, so that every engine thread inherits the
  // blocked signal mask. A second signal means "stop now".
  // The first signal stops cleanly: writes finish, resume state is saved.
  SignalWatcher watcher([&cancel](int signal_number, int count) {
    if (count > 1) std::_Exit(static_cast<int>(ExitCodeForSignal(signal_number)));
    cancel.Trigger(signal_number);
  });
  Engine engine(cl.options, reporter);
  if (Status s = engine.Start(); !s.ok()) {
    PrintError(s.message());
    return static_cast<int>(ExitCode::kInternal);
  }
  cancel.Attach(&engine);
  Feeder feeder(engine, reporter, cl, cancel);
  feeder.SubmitUrls();
  if (!cl.input_file.empty()) {
    ListReader reader(list.stream(), list.name());
    feeder.SubmitList(reader);
    feeder.CheckRead(list.ReadStatus());
  }
  RunStats stats = engine.Finish();
  cancel.Attach(nullptr);
  watcher.Stop();
  reporter.Finish(stats);
  if (cl.stats) std::fputs(reporting::FormatStats(stats).c_str(), stderr);
  return outputs.Close(static_cast<int>(ExitCodeOf(feeder.Failures(stats), cancel.signal())));
}

/// Prints help/version to stdout or the usage error to stderr.
int Exit(const ExitRequest& request) {
  if (request.code != ExitCode::kOk) {
    std::fputs(request.text.c_str(), stderr);
    return static_cast<int>(request.code);
  }
  std::string text = request.text;
  if (request.version) text += TransportVersion() + "\n";
  std::fputs(text.c_str(), stdout);
  return 0;
}

}  // namespace
}  // namespace haul::cli

int main(int argc, char** argv) {
  // A closed stderr or stdout pipe must not kill us mid-run; writes just fail.
  std::signal(SIGPIPE, SIG_IGN);
  haul::cli::ParseResult parsed = haul::cli::ParseCommandLine(argc, argv);
  if (const auto* request = std::get_if<haul::cli::ExitRequest>(&parsed)) {
    return haul::cli::Exit(*request);
  }
  return haul::cli::Run(std::get<haul::cli::CommandLine>(parsed));
}
