// haul's engine settings: every tunable and its default lives in this one struct.
//
// Thread safety: a plain value. The engine copies it at construction and never
// reads the caller's copy again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace haul {

/// One option's valid range, shared by the CLI validator and the docs.
struct Range {
  std::int64_t min;
  std::int64_t max;
};

/// Everything the engine can be told. The CLI fills this; defaults are here.
struct Options {
  // --- Concurrency limits (see docs/architecture.md) ---
  /// Transfer slots (and so TCP connections) across all downloads.
  int max_connections = 64;
  static constexpr Range kMaxConnectionsRange{1, 1024};
  /// Transfer slots to any one host (scheme + host + port).
  int max_per_host = 16;
  static constexpr Range kMaxPerHostRange{1, 1024};
  /// Transfer slots one download may use at once (-x).
  int connections_per_download = 8;
  static constexpr Range kConnectionsRange{1, 64};
  /// Start with fewer connections and add more while throughput rises, up to
  /// connections_per_download (the CLI turns it off when -x is given: an
  /// explicit count is used as is).
  bool ramp_up = true;
  /// Downloads running at once (-j).
  /// Many at once keep an HTTP/2 connection full of streams for a batch of
  /// small files; on HTTP/1.1 max_per_host still caps the connections.
  int jobs = 100;
  static constexpr Range kJobsRange{1, 1024};

  // --- Chunk planning ---
  /// A download is split only into pieces of at least this many bytes.
  std::uint64_t min_piece_size = 1U << 20;
  static constexpr Range kMinPieceSizeRange{16 * 1024, std::int64_t{1} << 32};

  // --- Output ---
  /// Replace an existing file at the final path instead of failing the download.
  bool overwrite = false;
  /// Write every download to stdout, in order, one after another (-o -).
  /// Downloads then run one at a time; each still uses several connections.
  bool to_stdout = false;
  /// With to_stdout: the memory for bytes that arrived but are not yet
  /// written, those ahead of the write position included (--buffer-size).
  /// A transfer that would need more is paused until stdout drains.
  std::uint64_t stream_buffer_size = std::uint64_t{16} << 20;
  static constexpr Range kStreamBufferSizeRange{std::int64_t{1} << 20, std::int64_t{1} << 30};
  /// --skip-existing: a download whose final file exists sends no request
  /// and never touches the file; it finishes ok, counted as skipped.
  bool skip_existing = false;
  /// -N/--timestamping: when the final file exists, the first request asks
  /// If-Modified-Since its mtime; a 304 leaves it (skipped), a new body
  /// replaces it. Every file this downloads gets the server's Last-Modified
  /// as its mtime. A partial to resume takes priority (docs/scaling.md).
  bool timestamping = false;

  // --- HTTP and TLS ---
  /// Extra request headers, "Name: value" each, sent with every request.
  std::vector<std::string> headers;
  std::string user_agent;  ///< empty means "haul/<version>"
  std::string ca_certificate;  ///< PEM bundle to verify servers with; empty = system
  bool insecure = false;  ///< -k: skip TLS peer and host verification
  /// Redirects followed per request before giving up.
  long max_redirects = 10;
  /// Seconds allowed to establish a connection (--connect-timeout).
  int connect_timeout_seconds = 30;
  static constexpr Range kConnectTimeoutRange{1, 600};

  // --- Proxy and credentials (docs/options.md#proxy-and-credentials) ---
  /// Proxy for every request (--proxy). Unset: libcurl's own environment
  /// variables decide (http_proxy, https_proxy, ALL_PROXY, NO_PROXY); empty:
  /// no proxy at all, whatever the environment says.
  std::optional<std::string> proxy;
  /// Hosts reached without the proxy, comma-separated, "*" = all (--noproxy).
  /// Unset: NO_PROXY/no_proxy from the environment.
  std::optional<std::string> noproxy;
  /// "user:password" for the URL's host (-u). libcurl does not send it to
  /// another host after a redirect (CURLOPT_UNRESTRICTED_AUTH stays off).
  std::string user;
  /// Look up credentials in a netrc file (--netrc, --netrc-file); user wins.
  bool netrc = false;
  std::string netrc_file;  ///< empty = libcurl's default, $HOME/.netrc

  // --- Reliability (see docs/reliability.md) ---
  /// Retries of a failing request before its download fails (--retries).
  /// A retry that brought new bytes resets the count, so a download that
  /// keeps making progress is never given up.
  int retries = 5;
  static constexpr Range kRetriesRange{0, 100};
  /// First backoff in seconds; doubled per retry, capped, with jitter (--retry-wait).
  double retry_wait_seconds = 1.0;
  static constexpr Range kRetryWaitRange{0, 600};
  /// Longest wait before a retry, Retry-After included.
  double max_retry_wait_seconds = 300;
  /// A transfer slower than this many bytes per second over speed_time_seconds
  /// is stalled: its range goes back to be fetched again. 0 turns it off.
  std::uint64_t lowest_speed_limit = 1024;
  /// The window for lowest_speed_limit (--speed-time).
  int speed_time_seconds = 20;
  static constexpr Range kSpeedTimeRange{1, 3600};
  /// Times a download starts over because the file changed on the server.
  int max_restarts = 3;
  /// Bytes per second across all downloads (--max-overall-speed); 0 = no limit.
  std::uint64_t max_overall_speed = 0;
  /// Bytes per second per download (--max-speed); 0 = no limit.
  std::uint64_t max_speed = 0;
  /// Name the file after the server's Content-Disposition (sanitized).
  bool content_disposition = false;

  // --- Storage ---
  /// Size of one write buffer; data is handed to the writer threads in these units.
  std::size_t buffer_unit = 128 * 1024;
  /// Upper bound on buffers in memory at once (the write pool's budget).
  /// The engine raises it to 2 * max_connections + 4 so that every slot can
  /// always hold one filling buffer while another is being written.
  std::size_t max_buffers = 64;
  /// Threads doing positioned writes and renames.
  int writer_threads = 2;

  // --- Reporting ---
  /// Milliseconds between progress snapshots sent to the event sink.
  int progress_interval_ms = 200;
};

}  // namespace haul
