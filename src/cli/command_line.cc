// Implements src/cli/command_line.h on top of CLI11. Options are declared in
// small tables, one function per group; numbers are taken as text and
// converted afterwards so that every bad value gets the same one-line message
// naming the valid range from haul/options.h.
#include "cli/command_line.h"

#include <CLI/CLI.hpp>

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "haul/version.h"
#include "integrity/checksum.h"
#include "reporting/format.h"

namespace haul::cli {
namespace {

/// One integer option of the "Limits" group, bound to a field of Options.
struct CountOption {
  const char* flags;  ///< CLI11 names, "-x,--connections"
  const char* label;  ///< how messages name it, "-x/--connections"
  const char* help;
  int Options::*field;
  Range range;
};

constexpr std::array kCountOptions{
    CountOption{"-x,--connections", "-x/--connections", "connections per download",
                &Options::connections_per_download, Options::kConnectionsRange},
    CountOption{"-j,--jobs", "-j/--jobs", "downloads running at once", &Options::jobs,
                Options::kJobsRange},
    CountOption{"--max-connections", "--max-connections", "connections across all downloads",
                &Options::max_connections, Options::kMaxConnectionsRange},
    CountOption{"--max-per-host", "--max-per-host", "connections to any one host",
                &Options::max_per_host, Options::kMaxPerHostRange},
    CountOption{"--retries", "--retries", "retries of a failing request",
                &Options::retries, Options::kRetriesRange},
    CountOption{"--connect-timeout", "--connect-timeout", "seconds to establish a connection",
                &Options::connect_timeout_seconds, Options::kConnectTimeoutRange},
    CountOption{"--speed-time", "--speed-time",
                "seconds under --lowest-speed-limit before a transfer counts as stalled",
                &Options::speed_time_seconds, Options::kSpeedTimeRange},
};

constexpr const char* kMinPieceSizeLabel = "--min-piece-size";
constexpr const char* kRetryWaitLabel = "--retry-wait";
constexpr const char* kLowestSpeedLabel = "--lowest-speed-limit";
constexpr const char* kMaxSpeedLabel = "--max-speed";
constexpr const char* kMaxOverallSpeedLabel = "--max-overall-speed";
constexpr const char* kBufferSizeLabel = "--buffer-size";

/// Binary size suffixes accepted by ParseSize and used to print sizes back.
struct SizeSuffix {
  char letter;
  int shift;
};
constexpr std::array kSizeSuffixes{SizeSuffix{'G', 30}, SizeSuffix{'M', 20}, SizeSuffix{'K', 10}};

/// A size the way a user would type it: "16K", "4G", or plain bytes.
std::string SizeArg(std::uint64_t bytes) {
  for (const SizeSuffix& s : kSizeSuffixes) {
    const std::uint64_t unit = std::uint64_t{1} << s.shift;
    if (bytes != 0 && bytes % unit == 0) return std::to_string(bytes / unit) + s.letter;
  }
  return std::to_string(bytes);
}

Status UsageError(std::string message) {
  return Status::Error(ErrorClass::kUsage, std::move(message));
}

/// "<label> must be between <min> and <max> (got <got>)".
Status RangeError(std::string_view label, const std::string& min, const std::string& max,
                  std::string_view got) {
  return UsageError(std::string(label) + " must be between " + min + " and " + max + " (got " +
                    std::string(got) + ")");
}

Status CountRangeError(const CountOption& o, std::string_view got) {
  return RangeError(o.label, std::to_string(o.range.min), std::to_string(o.range.max), got);
}

Status SizeRangeError(std::string_view got) {
  const Range r = Options::kMinPieceSizeRange;
  return RangeError(kMinPieceSizeLabel, SizeArg(static_cast<std::uint64_t>(r.min)),
                    SizeArg(static_cast<std::uint64_t>(r.max)), got);
}

/// CLI11 messages can span lines; haul's usage errors are one line each.
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

ExitRequest UsageExit(const std::string& message) {
  return ExitRequest{ExitCode::kUsage, reporting::ErrorLine(OneLine(message))};
}

/// Help text for a count option: "... (1-64, default 8)".
std::string CountHelp(const CountOption& o) {
  const Options defaults;
  return std::string(o.help) + " (" + std::to_string(o.range.min) + "-" +
         std::to_string(o.range.max) + ", default " + std::to_string(defaults.*o.field) + ")";
}

// --- Range and cross-option checks, used by ValidateCommandLine ---

Status CheckRanges(const Options& o) {
  for (const CountOption& c : kCountOptions) {
    const int value = o.*c.field;
    if (value < c.range.min || value > c.range.max) {
      return CountRangeError(c, std::to_string(value));
    }
  }
  const Range r = Options::kMinPieceSizeRange;
  if (o.min_piece_size < static_cast<std::uint64_t>(r.min) ||
      o.min_piece_size > static_cast<std::uint64_t>(r.max)) {
    return SizeRangeError(SizeArg(o.min_piece_size));
  }
  const Range b = Options::kStreamBufferSizeRange;
  if (o.stream_buffer_size < static_cast<std::uint64_t>(b.min) ||
      o.stream_buffer_size > static_cast<std::uint64_t>(b.max)) {
    return RangeError(kBufferSizeLabel, SizeArg(static_cast<std::uint64_t>(b.min)),
                      SizeArg(static_cast<std::uint64_t>(b.max)), SizeArg(o.stream_buffer_size));
  }
  return Status::Ok();
}

bool IsOneLine(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

Status CheckHttpOptions(const Options& o) {
  for (const std::string& h : o.headers) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0 || !IsOneLine(h)) {
      return UsageError("-H/--header must look like \"Name: value\" (got \"" + OneLine(h) + "\")");
    }
  }
  if (!IsOneLine(o.user_agent)) return UsageError("-A/--user-agent must be a single line");
  return Status::Ok();
}

Status CheckSources(const CommandLine& cl) {
  if (cl.urls.empty() && cl.input_file.empty()) {
    return UsageError("no URLs given (pass URLs or -i FILE)");
  }
  return Status::Ok();
}

Status CheckMirrors(const CommandLine& cl) {
  if (cl.mirrors.empty()) return Status::Ok();
  if (!cl.input_file.empty()) {
    return UsageError("--mirror cannot be used with -i/--input-file (put mirrors on the entry's line)");
  }
  if (cl.urls.size() != 1) {
    return UsageError("--mirror needs exactly one URL (got " + std::to_string(cl.urls.size()) + ")");
  }
  return Status::Ok();
}

/// --progress values, in the order the help and messages list them.
struct ProgressName {
  const char* name;
  ProgressMode mode;
};
constexpr std::array kProgressNames{
    ProgressName{"auto", ProgressMode::kAuto}, ProgressName{"bar", ProgressMode::kBar},
    ProgressName{"line", ProgressMode::kLine}, ProgressName{"json", ProgressMode::kJson},
    ProgressName{"none", ProgressMode::kNone}};

Status CheckProgress(const CommandLine& cl) {
  if (!cl.progress_file.empty() && cl.progress != ProgressMode::kJson) {
    return UsageError("--progress-file needs --progress=json");
  }
  if (cl.quiet && (cl.progress == ProgressMode::kBar || cl.progress == ProgressMode::kLine)) {
    return UsageError("-q/--quiet cannot be used with --progress=bar or --progress=line");
  }
  return Status::Ok();
}

Status CheckChecksum(const CommandLine& cl) {
  if (cl.checksum.empty()) return Status::Ok();
  if (!cl.input_file.empty()) {
    return UsageError("--checksum cannot be used with -i/--input-file (use checksum= in the list)");
  }
  if (cl.urls.size() != 1) {
    return UsageError("--checksum needs exactly one URL (got " + std::to_string(cl.urls.size()) + ")");
  }
  std::string why;
  if (!integrity::ParseChecksum(cl.checksum, &why)) return UsageError("--checksum: " + why);
  return Status::Ok();
}

Status CheckOutput(const CommandLine& cl) {
  if (cl.output == "-") {
    // Every download goes to stdout, one after another: names and
    // directories have no meaning there.
    if (!cl.dir.empty()) return UsageError("-d/--dir cannot be used with -o - (stdout)");
    if (cl.options.content_disposition) {
      return UsageError("--content-disposition cannot be used with -o - (stdout)");
    }
    return Status::Ok();
  }
  if (cl.output.empty()) return Status::Ok();
  if (!cl.input_file.empty()) {
    return UsageError("-o/--output cannot be used with -i/--input-file (use out= in the list)");
  }
  if (cl.urls.size() != 1) {
    return UsageError("-o/--output needs exactly one URL (got " + std::to_string(cl.urls.size()) +
                      ")");
  }
  return Status::Ok();
}

/// --skip-existing and -N decide about the file at the final path before
/// anything is fetched: it must be a file, named before the response.
Status CheckExistingFileOptions(const CommandLine& cl) {
  const Options& o = cl.options;
  if (o.skip_existing && o.timestamping) {
    return UsageError("--skip-existing and -N/--timestamping cannot be used together");
  }
  if (o.skip_existing && o.overwrite) {
    return UsageError("--skip-existing and --overwrite cannot be used together");
  }
  if (!o.skip_existing && !o.timestamping) return Status::Ok();
  const std::string label = o.skip_existing ? "--skip-existing" : "-N/--timestamping";
  if (cl.output == "-") return UsageError(label + " cannot be used with -o - (stdout)");
  if (o.content_disposition) {
    return UsageError(label +
                      " cannot be used with --content-disposition (the name is known only "
                      "from the response)");
  }
  return Status::Ok();
}

Status CheckProxyAndCredentials(const Options& o) {
  if (!o.user.empty() && (o.user.find(':') == std::string::npos || !IsOneLine(o.user))) {
    // haul never prompts, so the password has to be there.
    return UsageError("-u/--user must look like USER:PASSWORD (haul does not prompt)");
  }
  if (o.proxy && !IsOneLine(*o.proxy)) return UsageError("--proxy must be a single line");
  if (o.noproxy && !IsOneLine(*o.noproxy)) return UsageError("--noproxy must be a single line");
  return Status::Ok();
}

/// A usage error unless `path` can be opened for reading.
Status CheckReadable(const char* label, const std::string& path) {
  if (path.empty()) return Status::Ok();
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return UsageError(std::string(label) + ": cannot read " + path + ": " + std::strerror(errno));
  }
  std::fclose(f);
  return Status::Ok();
}

/// The file-system side of validation: --ca-certificate and --netrc-file
/// must be readable.
Status CheckFiles(const CommandLine& cl) {
  Status s = CheckReadable("--ca-certificate", cl.options.ca_certificate);
  if (s.ok()) s = CheckReadable("--netrc-file", cl.options.netrc_file);
  return s;
}

/// CLI11's config-file errors as one line naming the file.
std::string ConfigErrorText(const std::string& path, const CLI::ConfigError& e) {
  std::string what = e.what();
  const std::string_view unknown = "INI was not able to parse ";
  const std::string_view not_allowed = ": This option is not allowed in a configuration file";
  if (what.rfind(unknown, 0) == 0) {
    what = "unknown option '" + what.substr(unknown.size()) + "'";
  } else if (what.ends_with(not_allowed)) {
    what = "'" + what.substr(0, what.size() - not_allowed.size()) + "' cannot be set in a config file";
  }
  return "config file " + path + ": " + what;
}

/// Builds the CLI11 app over a CommandLine and converts what it collected.
class Parser {
 public:
  /// `default_config`: the file read when --config is not given; a missing
  /// one is skipped silently, and empty means none.
  explicit Parser(std::string default_config);
  ParseResult Parse(int argc, const char* const* argv);

 private:
  void AddLimitOptions();
  void AddOutputOptions();
  void AddHttpOptions();
  void AddReportingOptions();
  void AddMachineOutputOptions();
  Status ConvertProgress();
  void AddBatchOptions();
  Status ConvertNumbers();
  Status ConvertByteCounts();
  Status ConvertShard();
  void AddProxyAndCredentialOptions();
  void ConvertProxyAndCredentials();
  std::string ConfigPath() const;
  Status ConvertReliability();

  CLI::App app_{"haul: a download accelerator for HTTP and HTTPS", "haul"};
  CommandLine cl_;
  bool version_ = false;
  /// Text of the numeric options, converted by ConvertNumbers.
  std::array<std::string, kCountOptions.size()> count_text_;
  std::array<CLI::Option*, kCountOptions.size()> count_options_{};
  std::string min_piece_size_text_;
  CLI::Option* min_piece_size_option_ = nullptr;
  std::string retry_wait_text_;
  CLI::Option* retry_wait_option_ = nullptr;
  std::string lowest_speed_text_;
  CLI::Option* lowest_speed_option_ = nullptr;
  std::string max_speed_text_;
  CLI::Option* max_speed_option_ = nullptr;
  std::string max_overall_speed_text_;
  CLI::Option* max_overall_speed_option_ = nullptr;
  std::string buffer_size_text_;
  CLI::Option* buffer_size_option_ = nullptr;
  std::string progress_text_ = "auto";
  bool continue_ = false;  // resuming is the default; -c is accepted for wget/aria2 users
  std::string shard_text_;
  CLI::Option* shard_option_ = nullptr;
  /// Proxy options, copied into Options only when given: an unset proxy
  /// leaves libcurl's environment variables in charge.
  std::string proxy_text_;
  CLI::Option* proxy_option_ = nullptr;
  std::string noproxy_text_;
  CLI::Option* noproxy_option_ = nullptr;
  std::string default_config_;
  CLI::Option* config_option_ = nullptr;
};

Parser::Parser(std::string default_config) : default_config_(std::move(default_config)) {
  app_.add_option("url", cl_.urls, "URLs to download, one file each")
      ->type_name("URL")->configurable(false);
  // As with curl and wget, a repeated single-value option takes the last
  // value, so scripts can override earlier settings (-H collects them all).
  app_.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  // CLI11 reads the config file (TOML-style "key = value", key = a long
  // option name) after the command line and sets only the options the
  // command line left empty: command line > config file > defaults.
  config_option_ = app_.set_config("--config", default_config_,
                                   "read options from FILE ('' = none; the default is "
                                   "$XDG_CONFIG_HOME/haul/config, else ~/.config/haul/config)")
                       ->type_name("FILE")->group("Configuration");
  app_.allow_config_extras(CLI::config_extras_mode::error);
  app_.get_help_ptr()->configurable(false);
  AddOutputOptions();
  AddLimitOptions();
  AddHttpOptions();
  AddProxyAndCredentialOptions();
  AddReportingOptions();
  AddMachineOutputOptions();
  AddBatchOptions();
  app_.get_formatter()->column_width(34);
  app_.footer(
      "A list file has one download per line: a URL, or several URLs (mirrors)\n"
      "separated by spaces, optionally followed by indented 'out=NAME' and\n"
      "'dir=DIR' lines. '#' starts a comment. See docs/options.md.");
}

void Parser::AddOutputOptions() {
  const char* group = "Input and output";
  app_.add_option("-i,--input-file", cl_.input_file, "read URLs from a list file ('-' = stdin)")
      ->type_name("FILE")->group(group);
  app_.add_option("-o,--output", cl_.output,
                  "output file (only with exactly one URL); '-' = stdout, in order, "
                  "every URL one after another")
      ->type_name("FILE")->group(group);
  const Range b = Options::kStreamBufferSizeRange;
  buffer_size_option_ =
      app_.add_option(kBufferSizeLabel, buffer_size_text_,
                      "with -o -: memory for bytes waiting to go out in order (" +
                          SizeArg(static_cast<std::uint64_t>(b.min)) + "-" +
                          SizeArg(static_cast<std::uint64_t>(b.max)) + ", default " +
                          SizeArg(Options{}.stream_buffer_size) + ")")
          ->type_name("SIZE")->group(group);
  app_.add_option("-d,--dir", cl_.dir, "output directory (created if missing)")
      ->type_name("DIR")->group(group);
  app_.add_flag("--overwrite", cl_.options.overwrite, "replace existing files")->group(group);
  app_.add_flag("-c,--continue", continue_,
                "resume partial downloads (the default; kept for wget/aria2 habits)")
      ->group(group);
  app_.add_flag("--content-disposition", cl_.options.content_disposition,
                "name the file as the server's Content-Disposition says (base name only)")
      ->group(group);
  // One value per --mirror, or the URLs after it would be taken as mirrors.
  app_.add_option("--mirror", cl_.mirrors,
                  "another URL of the same file, used as an extra source (repeatable)")
      ->type_name("URL")->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->group(group);
  app_.add_option("--checksum", cl_.checksum,
                  "verify the file: TYPE=HEX, TYPE one of md5, sha-1, sha-256, sha-512")
      ->type_name("TYPE=HEX")->group(group);
}

void Parser::AddLimitOptions() {
  const char* group = "Limits";
  for (std::size_t i = 0; i < kCountOptions.size(); ++i) {
    count_options_[i] = app_.add_option(kCountOptions[i].flags, count_text_[i],
                                        CountHelp(kCountOptions[i]))
                            ->type_name("N")->group(group);
  }
  const Range r = Options::kMinPieceSizeRange;
  const std::string help = "smallest piece to split into: bytes or K/M/G (" +
                           SizeArg(static_cast<std::uint64_t>(r.min)) + "-" +
                           SizeArg(static_cast<std::uint64_t>(r.max)) + ", default " +
                           SizeArg(Options{}.min_piece_size) + ")";
  min_piece_size_option_ = app_.add_option(kMinPieceSizeLabel, min_piece_size_text_, help)
                               ->type_name("SIZE")->group(group);
  const Options defaults;
  retry_wait_option_ =
      app_.add_option(kRetryWaitLabel, retry_wait_text_,
                      "first retry backoff in seconds, doubled per retry (0-600, default 1)")
          ->type_name("SECONDS")->group(group);
  lowest_speed_option_ =
      app_.add_option(kLowestSpeedLabel, lowest_speed_text_,
                      "bytes/s (or K/M) under which a transfer is stalled and its range "
                      "fetched again; 0 = off (default " +
                          SizeArg(defaults.lowest_speed_limit) + ")")
          ->type_name("SPEED")->group(group);
  max_speed_option_ = app_.add_option(kMaxSpeedLabel, max_speed_text_,
                                      "bytes/s (or K/M/G) per download; 0 = no limit (default)")
                          ->type_name("SPEED")->group(group);
  max_overall_speed_option_ =
      app_.add_option(kMaxOverallSpeedLabel, max_overall_speed_text_,
                      "bytes/s (or K/M/G) across all downloads; 0 = no limit (default)")
          ->type_name("SPEED")->group(group);
}

void Parser::AddHttpOptions() {
  const char* group = "HTTP and TLS";
  Options& o = cl_.options;
  // One value per -H, or the URLs after it would be taken as headers.
  app_.add_option("-H,--header", o.headers, "extra request header \"Name: value\" (repeatable)")
      ->type_name("HEADER")->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->group(group);
  app_.add_option("-A,--user-agent", o.user_agent, "User-Agent header (default haul/VERSION)")
      ->type_name("STRING")->group(group);
  app_.add_option("--ca-certificate", o.ca_certificate, "PEM bundle to verify servers with")
      ->type_name("FILE")->group(group);
  app_.add_flag("-k,--insecure", o.insecure, "do not verify TLS certificates")->group(group);
}

void Parser::AddProxyAndCredentialOptions() {
  const char* group = "Proxy and credentials";
  proxy_option_ = app_.add_option("--proxy", proxy_text_,
                                  "proxy for every request, [SCHEME://]HOST[:PORT] ('' = none; "
                                  "default: http_proxy, https_proxy, ALL_PROXY)")
                      ->type_name("URL")->group(group);
  noproxy_option_ = app_.add_option("--noproxy", noproxy_text_,
                                    "hosts to reach without the proxy, comma-separated ('*' = "
                                    "all; default: NO_PROXY)")
                        ->type_name("LIST")->group(group);
  Options& o = cl_.options;
  app_.add_option("-u,--user", o.user, "credentials for the URL's host (not sent to other hosts)")
      ->type_name("USER:PASSWORD")->group(group);
  app_.add_flag("-n,--netrc", o.netrc, "credentials from ~/.netrc (-u wins)")->group(group);
  app_.add_option("--netrc-file", o.netrc_file, "credentials from FILE instead of ~/.netrc")
      ->type_name("FILE")->group(group);
}

void Parser::ConvertProxyAndCredentials() {
  Options& o = cl_.options;
  if (proxy_option_->count() > 0) o.proxy = proxy_text_;
  if (noproxy_option_->count() > 0) o.noproxy = noproxy_text_;
  if (!o.netrc_file.empty()) o.netrc = true;  // as curl's --netrc-file
}

/// The config file this parse read or tried: --config's, else the default.
std::string Parser::ConfigPath() const {
  return config_option_->count() > 0 ? config_option_->as<std::string>() : default_config_;
}

void Parser::AddReportingOptions() {
  const char* group = "Reporting";
  app_.add_flag("-q,--quiet", cl_.quiet, "print nothing but errors")->group(group);
  app_.add_flag("-v,--verbose", cl_.verbose, "debug logging on stderr")->group(group);
  app_.add_flag("--stats", cl_.stats, "print run statistics on stderr at exit")->group(group);
  app_.add_flag("--version", version_, "print the version and exit")
      ->configurable(false)->group(group);
}

void Parser::AddMachineOutputOptions() {
  const char* group = "Reporting";
  app_.add_option("--progress", progress_text_,
                  "progress on stderr: auto (bar on a terminal, else line), bar, line, "
                  "json (JSON Lines events), none (errors and the summary)")
      ->type_name("MODE")->group(group);
  app_.add_option("--progress-file", cl_.progress_file,
                  "with --progress=json: write the events to FILE instead of stderr")
      ->type_name("FILE")->group(group);
  app_.add_option("--summary-json", cl_.summary_json,
                  "at exit, write a JSON summary of every download to FILE")
      ->type_name("FILE")->group(group);
}

Status Parser::ConvertProgress() {
  for (const ProgressName& p : kProgressNames) {
    if (progress_text_ == p.name) {
      cl_.progress = p.mode;
      return Status::Ok();
    }
  }
  return UsageError("--progress must be one of auto, bar, line, json, none (got '" +
                    progress_text_ + "')");
}

// --- Batches and CI caches: --skip-existing, -N, --shard (docs/scaling.md) ---

void Parser::AddBatchOptions() {
  const char* group = "Batches and CI caches";
  Options& o = cl_.options;
  app_.add_flag("--skip-existing", o.skip_existing,
                "leave a file that exists alone: no request (counted as skipped)")
      ->group(group);
  app_.add_flag("-N,--timestamping", o.timestamping,
                "fetch a file that exists only if the server's is newer (If-Modified-Since); "
                "downloaded files get the server's Last-Modified time")
      ->group(group);
  shard_option_ = app_.add_option("--shard", shard_text_,
                                  "take only share K of N of the downloads, chosen by URL hash "
                                  "(1 <= K <= N)")
                      ->type_name("K/N")->group(group);
}

Status Parser::ConvertShard() {
  if (shard_option_->count() == 0) return Status::Ok();
  cl_.shard = ParseShard(shard_text_);
  if (!cl_.shard) {
    return UsageError("--shard must be K/N with 1 <= K <= N <= " + std::to_string(kMaxShards) +
                      " (got '" + OneLine(shard_text_) + "')");
  }
  return Status::Ok();
}

Status Parser::ConvertNumbers() {
  for (std::size_t i = 0; i < kCountOptions.size(); ++i) {
    if (count_options_[i]->count() == 0) continue;
    const CountOption& o = kCountOptions[i];
    const std::string& text = count_text_[i];
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::invalid_argument || end != text.data() + text.size() || text.empty()) {
      return UsageError(std::string(o.label) + " must be a whole number (got '" + text + "')");
    }
    // Values beyond int cannot be stored; ValidateCommandLine checks the rest.
    if (ec == std::errc::result_out_of_range || value < std::numeric_limits<int>::min() ||
        value > std::numeric_limits<int>::max()) {
      return CountRangeError(o, text);
    }
    cl_.options.*o.field = static_cast<int>(value);
  }
  if (Status s = ConvertReliability(); !s.ok()) return s;
  cl_.options.to_stdout = cl_.output == "-";
  return ConvertByteCounts();
}

Status Parser::ConvertByteCounts() {
  // Sizes and speeds: a byte count with an optional K/M/G (ParseSize);
  // ranges are checked by ValidateCommandLine.
  const struct {
    CLI::Option* option;
    const char* label;
    const std::string& text;
    std::uint64_t Options::*field;
    const char* like;  ///< for the message: "<label> must be a <like> (got ...)"
  } counts[] = {
      {lowest_speed_option_, kLowestSpeedLabel, lowest_speed_text_, &Options::lowest_speed_limit,
       "speed like 0, 1024, 10K or 1M"},
      {max_speed_option_, kMaxSpeedLabel, max_speed_text_, &Options::max_speed,
       "speed like 0, 1024, 10K or 1M"},
      {max_overall_speed_option_, kMaxOverallSpeedLabel, max_overall_speed_text_,
       &Options::max_overall_speed, "speed like 0, 1024, 10K or 1M"},
      {buffer_size_option_, kBufferSizeLabel, buffer_size_text_, &Options::stream_buffer_size,
       "size like 4M or 64M"},
      {min_piece_size_option_, kMinPieceSizeLabel, min_piece_size_text_, &Options::min_piece_size,
       "size like 65536, 512K or 1M"},
  };
  for (const auto& count : counts) {
    if (count.option->count() == 0) continue;
    const std::optional<std::uint64_t> value = ParseSize(count.text);
    if (!value) {
      return UsageError(std::string(count.label) + " must be a " + count.like + " (got '" +
                        count.text + "')");
    }
    cl_.options.*count.field = *value;
  }
  return Status::Ok();
}

Status Parser::ConvertReliability() {
  if (retry_wait_option_->count() > 0) {
    const std::string& text = retry_wait_text_;
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    const Range r = Options::kRetryWaitRange;
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
        !(value >= static_cast<double>(r.min) && value <= static_cast<double>(r.max))) {
      return RangeError(kRetryWaitLabel, std::to_string(r.min), std::to_string(r.max), text);
    }
    cl_.options.retry_wait_seconds = value;
  }
  // An explicit -x is used as is; without it haul ramps up to the default.
  cl_.options.ramp_up = count_options_[0]->count() == 0;
  return Status::Ok();
}

ParseResult Parser::Parse(int argc, const char* const* argv) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return ExitRequest{ExitCode::kOk, app_.help()};
  } catch (const CLI::FileError&) {  // only --config FILE is read by CLI11
    return UsageExit("--config: cannot read " + ConfigPath());
  } catch (const CLI::ConfigError& e) {
    return UsageExit(ConfigErrorText(ConfigPath(), e));
  } catch (const CLI::ParseError& e) {
    return UsageExit(e.what());
  }
  if (version_) return ExitRequest{ExitCode::kOk, std::string("haul ") + kVersion + "\n", true};
  Status s = ConvertNumbers();
  if (s.ok()) s = ConvertProgress();
  if (s.ok()) s = ConvertShard();
  ConvertProxyAndCredentials();
  if (s.ok()) s = ValidateCommandLine(cl_);
  if (s.ok()) s = CheckFiles(cl_);
  if (!s.ok()) return UsageExit(s.message());
  return std::move(cl_);
}

}  // namespace

std::optional<std::uint64_t> ParseSize(std::string_view text) {
  int shift = 0;
  if (!text.empty()) {
    const char last = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
    for (const SizeSuffix& s : kSizeSuffixes) {
      if (last == s.letter) {
        shift = s.shift;
        text.remove_suffix(1);
        break;
      }
    }
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value > (std::numeric_limits<std::uint64_t>::max() >> shift)) return std::nullopt;
  return value << shift;
}

Status ValidateCommandLine(const CommandLine& cl) {
  // First failure wins; the order puts the most basic problem first.
  Status s = CheckRanges(cl.options);
  if (s.ok()) s = CheckHttpOptions(cl.options);
  if (s.ok()) s = CheckProxyAndCredentials(cl.options);
  if (s.ok()) s = CheckSources(cl);
  if (s.ok()) s = CheckOutput(cl);
  if (s.ok()) s = CheckChecksum(cl);
  if (s.ok()) s = CheckMirrors(cl);
  if (s.ok()) s = CheckProgress(cl);
  if (s.ok()) s = CheckExistingFileOptions(cl);
  return s;
}

std::string DefaultConfigPath(const char* xdg_config_home, const char* home) {
  // The XDG Base Directory spec: an unset, empty or relative
  // $XDG_CONFIG_HOME means $HOME/.config.
  if (xdg_config_home != nullptr && xdg_config_home[0] == '/') {
    return std::string(xdg_config_home) + "/haul/config";
  }
  if (home != nullptr && home[0] != '\0') return std::string(home) + "/.config/haul/config";
  return {};
}

ParseResult ParseCommandLine(int argc, const char* const* argv,
                             const std::string& default_config) {
  Parser parser(default_config);
  return parser.Parse(argc, argv);
}

ParseResult ParseCommandLine(int argc, const char* const* argv) {
  return ParseCommandLine(argc, argv,
                          DefaultConfigPath(std::getenv("XDG_CONFIG_HOME"), std::getenv("HOME")));
}

}  // namespace haul::cli
