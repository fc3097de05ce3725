// The transfer layer's contract with the engine: what to fetch (Request), what
// came back (ResponseHead, TransferResult), and who receives it (Receiver).
// This header is curl-free; only transfer_loop.cc talks to libcurl.
//
// Thread safety: Receiver methods are called on the loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "haul/status.h"
#include "transfer/http_headers.h"

namespace haul::transfer {

/// Which HTTP version a transfer asks for. Chosen per transfer, on purpose:
/// - kMultiplex: HTTP/2 over TLS when the server offers it (ALPN), HTTP/1.1 on
///   plain http. Concurrent requests to one host share one TCP connection.
///   Used for a download's first request, which for a small file is the whole
///   download, so a batch of small files rides one warm connection.
/// - kHttp11: one TCP connection per transfer. Used for the extra segments of
///   a split download: segments multiplexed onto one HTTP/2 connection would
///   share one TCP window and one per-connection server rate limit, which
///   defeats the point of splitting.
enum class HttpVersion { kMultiplex, kHttp11 };

/// One ranged GET.
struct Request {
  std::string url;
  std::string host_key;  ///< HostKeyOf(url), for the per-host limit
  std::uint64_t first = 0;  ///< first byte of the Range
  /// Last byte of the Range (inclusive); nullopt asks "bytes=first-".
  std::optional<std::uint64_t> last;
  HttpVersion version = HttpVersion::kHttp11;
  /// Sent as If-Range when not empty: a strong ETag or an HTTP-date. A server
  /// whose file no longer matches answers 200 with the whole new file.
  std::string if_range;
  /// Sent as If-Modified-Since when set (seconds since the epoch): -N asks
  /// whether the file changed since the local copy's mtime; a server whose
  /// file did not answers 304 with no body.
  std::optional<std::int64_t> if_modified_since;
};

/// What a Receiver says about a response head.
enum class HeadVerdict { kAccept, kReject };

/// What a Receiver did with a block of body bytes.
struct BodyVerdict {
  enum Kind {
    kConsumedAll,  ///< took every byte; keep going
    kPause,        ///< took nothing; pause until Resume (libcurl keeps the bytes)
    kStop,         ///< took `consumed` bytes and wants no more: end the transfer
  };
  Kind kind = kConsumedAll;
  std::size_t consumed = 0;  ///< for kStop
};

/// How a transfer ended.
struct TransferResult {
  /// ok() when the body ended normally or the receiver stopped it; otherwise
  /// the classified libcurl error, or the receiver's rejection.
  Status status;
  bool stopped_by_receiver = false;  ///< the receiver returned kStop
  long http_status = 0;
  long connects = 0;  ///< new connections this transfer opened (CURLINFO_NUM_CONNECTS)
  /// The failure is one a retry may cure: a timeout, a reset, a body cut
  /// short. Refused connections and DNS failures are not (curl and wget do
  /// not retry them either). Only meaningful when !status.ok().
  bool transient = false;
};

/// The engine's side of one transfer. The loop calls OnHead exactly once
/// before the first OnBody (or before OnDone when there is no body, unless the
/// transfer failed before any response), then OnDone exactly once. After OnDone
/// the loop never touches the receiver again.
class Receiver {
 public:
  virtual ~Receiver() = default;
  /// The final response's status and headers (after redirects). Rejecting
  /// ends the transfer before a byte is written; `why` becomes its status.
  virtual HeadVerdict OnHead(const ResponseHead& head, Status& why) = 0;
  virtual BodyVerdict OnBody(std::span<const std::byte> data) = 0;
  virtual void OnDone(const TransferResult& result) = 0;
};

/// Identifies a running transfer to the loop (its slot index).
using TransferHandle = std::uint32_t;

/// "scheme://host:port" in lower case, the unit of the per-host limit; empty
/// when the URL does not parse.
std::string HostKeyOf(const std::string& url);

/// libcurl's version string (curl_version()).
std::string CurlVersion();

}  // namespace haul::transfer
