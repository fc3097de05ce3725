// JSON Lines progress events (--progress=json), documented field by field in
// docs/json.md. Each event is one JSON object on one line, starting with
// "schema" (kJsonSchema), "event" and "time" (RFC 3339, UTC). Durations are
// whole milliseconds in fields ending in "_ms"; sizes are bytes.
//
// Thread safety: the formatting functions are pure. The reporter
// MakeJsonReporter returns serialises its output on a mutex, as the text
// reporters do (reporter.h).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "haul/events.h"
#include "haul/status.h"
#include "reporting/reporter.h"

namespace haul::reporting {

/// The version of the event and summary formats. Raised only when a field
/// changes meaning or goes away; new fields may appear within a version.
inline constexpr int kJsonSchema = 1;

/// Objects keep their keys in insertion order, so "schema", "event" and
/// "time" come first on every line.
using Json = nlohmann::ordered_json;

/// RFC 3339 in UTC with milliseconds: "2026-11-23T16:14:10.123Z".
std::string Rfc3339(std::chrono::system_clock::time_point t);

/// {"schema", "event", "time"}: the head of every event.
Json EventHead(std::string_view event, std::string_view time);

Json StartEvent(const JobStarted& e, std::string_view time);
Json ProgressEvent(const Progress& p, std::string_view time);
Json RetryEvent(const RetryScheduled& e, std::string_view time);
Json MirrorEvent(const MirrorChanged& e, std::string_view time);
/// "done" for a download that succeeded, "error" for one that failed.
Json FinishedEvent(const JobFinished& e, std::string_view time);
/// "error" for a problem in the input (a bad URL or list line) found before
/// the engine saw it: its "id" and "url" are null, its class "usage".
Json InputErrorEvent(const Status& status, std::string_view time);

/// The hex digest of a "sha-256=HEX" checksum; null for any other (or none).
Json Sha256Of(std::string_view checksum);

/// `value` as compact JSON text. Invalid UTF-8 (a server's bytes in a URL or
/// message) becomes U+FFFD instead of throwing.
std::string JsonText(const Json& value);

/// The kJson reporter (use MakeReporter): one JsonText line per event, and
/// progress at most every ReporterConfig::json_interval, the run's last
/// progress always included.
std::unique_ptr<Reporter> MakeJsonReporter(ReporterConfig config);

}  // namespace haul::reporting
