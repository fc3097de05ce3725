// haul's command line: argv -> CommandLine, or a reason to exit right away.
// This is the only file that includes CLI11; the rest of haul sees the
// structs below. Every option, default and range is documented in
// docs/options.md; defaults and ranges themselves live in haul/options.h.
//
// Thread safety: pure functions, except that ParseCommandLine reads the
// config file and checks that --ca-certificate and --netrc-file exist, and its
// two-argument form reads $XDG_CONFIG_HOME and $HOME.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cli/shard.h"
#include "haul/exit_codes.h"
#include "haul/options.h"
#include "haul/status.h"

namespace haul::cli {

/// --progress: how progress is shown (docs/options.md, docs/json.md).
enum class ProgressMode {
  kAuto,  ///< kBar when stderr is a terminal, else kLine
  kBar,   ///< the live display, redrawn in place
  kLine,  ///< plain lines now and then, then a summary line
  kJson,  ///< JSON Lines events, on stderr or in --progress-file
  kNone,  ///< no progress: error lines and the summary line only
};

/// What the user asked for: engine options plus what only the CLI uses.
struct CommandLine {
  Options options;                ///< engine settings (-x, -j, -H, ...)
  std::vector<std::string> urls;  ///< positional URLs, in order
  std::string input_file;         ///< -i: list file, "-" = stdin; empty = none
  std::string output;             ///< -o: output file for the single URL
  std::string dir;                ///< -d: output directory
  std::string checksum;           ///< --checksum TYPE=HEX for the single URL
  std::vector<std::string> mirrors;  ///< --mirror: more sources of the single URL's file
  bool quiet = false;             ///< -q: errors only
  bool verbose = false;           ///< -v: debug logging
  bool stats = false;             ///< --stats: run statistics at exit
  // Machine-readable output (docs/json.md).
  ProgressMode progress = ProgressMode::kAuto;  ///< --progress
  std::string progress_file;  ///< --progress-file: JSON events here, not stderr
  std::string summary_json;   ///< --summary-json: the run's summary document
  std::optional<Shard> shard;     ///< --shard K/N: only this share of the downloads
};

/// The process should end now without downloading anything.
struct ExitRequest {
  ExitCode code = ExitCode::kOk;
  /// For kOk: help or version text for stdout. Otherwise exactly one line,
  /// "haul: error: ...\n", for stderr.
  std::string text;
  /// --version: `text` is "haul X.Y.Z\n"; the caller may add what only it
  /// knows (the transport library versions).
  bool version = false;
};

/// Either a command line to run or a request to exit.
using ParseResult = std::variant<CommandLine, ExitRequest>;

/// Parses argv (argv[0] is the program name), then the config file: --config
/// FILE, else `default_config` when it exists (empty = none). Options on the
/// command line win over the file. Help and --version give an ExitRequest
/// with code kOk; any usage problem (CLI11's own errors, a missing --config
/// file and an unknown key in a config file included) gives one line and
/// code kUsage.
ParseResult ParseCommandLine(int argc, const char* const* argv,
                             const std::string& default_config);

/// As above with the default config file, DefaultConfigPath of the
/// environment's $XDG_CONFIG_HOME and $HOME.
ParseResult ParseCommandLine(int argc, const char* const* argv);

/// "$XDG_CONFIG_HOME/haul/config" when that variable is an absolute path,
/// else "$HOME/.config/haul/config"; empty when neither is usable.
std::string DefaultConfigPath(const char* xdg_config_home, const char* home);

/// Checks option ranges and the rules between options (-o needs exactly one
/// URL and no -i; some URL or -i is needed; headers and -u need a ':';
/// --skip-existing and -N exclude each other, -o - and --content-disposition).
/// Pure: does
/// not touch the file system. The error is kUsage with a one-line message
/// naming the option and, for numbers, the valid range.
Status ValidateCommandLine(const CommandLine& cl);

/// Parses a byte count with an optional binary suffix K, M or G (either case):
/// "1M" -> 1048576. nullopt for anything else, including overflow.
std::optional<std::uint64_t> ParseSize(std::string_view text);

}  // namespace haul::cli
