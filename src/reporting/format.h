// Text formatting shared by the reporters and by main's --stats output.
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "haul/engine.h"
#include "haul/status.h"

namespace haul::reporting {

/// Every error line haul prints starts with this.
inline constexpr std::string_view kErrorPrefix = "haul: error: ";

/// "haul: error: <message>\n".
std::string ErrorLine(std::string_view message);

/// The one line printed for a failed download:
/// "haul: error: <url>: <status.message()>\n".
std::string DownloadErrorLine(std::string_view url, const Status& status);

/// Whether the live display may use colour (https://no-color.org): only on
/// a terminal, and only while NO_COLOR is unset or empty. `no_color` is the
/// variable's value, nullptr when unset.
bool ColourWanted(bool is_terminal, const char* no_color);

/// `line` (an ErrorLine) with its "haul: error:" prefix in red (ANSI SGR 31).
std::string RedErrorLine(std::string_view line);

/// Human-readable size with binary units: "512 B", "1.5 KiB", "12.0 MiB",
/// "3.2 GiB", "1.0 TiB" (one decimal above bytes).
std::string FormatBytes(std::uint64_t bytes);

/// A transfer rate: FormatBytes of the whole bytes per second, plus "/s".
/// Negative or non-finite rates print as "0 B/s".
std::string FormatRate(double bytes_per_second);

/// A short duration: "3.2s" under 10 s, "42s" under a minute, "4m05s" under an
/// hour, else "2h03m".
std::string FormatDuration(std::chrono::milliseconds d);

/// The --stats block, one "key: value" line each, in a fixed order that the
/// integration tests parse:
///   downloads ok, downloads failed, downloads skipped, bytes, wall seconds (3 decimals),
///   requests, connections opened, requests reusing a connection,
///   peak transfer slots, transfer slots created.
std::string FormatStats(const RunStats& stats);

}  // namespace haul::reporting
