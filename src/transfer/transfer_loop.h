// The loop thread: one libcurl multi handle driving a pool of persistent
// transfer slots (easy handles), with a share handle for DNS and TLS sessions.
//
// Following curl's own parallel tool loop: curl_multi_poll -> run posted work
// -> curl_multi_perform -> drain curl_multi_info_read -> let the engine start
// more transfers (the tick). Easy handles are created on demand up to the slot
// limit and reused for every later transfer, so the multi handle's connection
// cache keeps connections warm across chunks and across downloads. Slots left
// idle after a burst give their easy handle back one at a time, as a leaky
// bucket (util/elastic.h); their connections stay in the multi's cache.
//
// Thread safety: Post, Wakeup and Stop may be called from any thread (they use
// only a mutex and curl_multi_wakeup, the one multi call that is thread-safe).
// Everything else, and every Receiver callback and the tick, runs on the loop
// thread. libcurl does not support sharing a connection cache across threads
// (docs/libcurl/libcurl-thread.md), so nothing here is touched from elsewhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "haul/status.h"
#include "transfer/request.h"
#include "util/elastic.h"

namespace haul::transfer {

/// Settings the loop applies to every transfer.
struct LoopOptions {
  int max_slots = 64;     ///< transfers needing their own connection at once; the connection cap
  int max_per_host = 16;  ///< such transfers (and connections) per HostKeyOf
  /// Multiplexed transfers (HTTP/2 streams) at once per host, once the host
  /// is known to multiplex; they share its connections and do not count
  /// against max_per_host. libcurl's own per-connection stream limit is set
  /// to this too, and the server's SETTINGS can only lower it.
  int max_streams_per_host = 100;
  std::vector<std::string> headers;
  std::string user_agent;
  std::string ca_certificate;
  bool insecure = false;
  long max_redirects = 10;
  long connect_timeout_seconds = 30;
  /// Proxy and credentials, as in haul::Options: an unset proxy leaves
  /// libcurl's environment variables in charge, an empty one means none.
  std::optional<std::string> proxy;
  std::optional<std::string> noproxy;
  std::string user;  ///< "user:password"; empty = none
  bool netrc = false;
  std::string netrc_file;
  /// An idle slot's easy handle is freed at most once per this interval, and
  /// only from a slot idle for at least this long.
  std::chrono::steady_clock::duration slot_retire_interval = util::kDefaultShrinkInterval;
  /// No slot is retired within this long of the last easy handle created.
  std::chrono::steady_clock::duration slot_retire_min_age = util::kDefaultShrinkMinAge;
};

/// Counters kept by the loop (read on the loop thread, or after Stop).
struct LoopStats {
  std::uint64_t requests = 0;
  std::uint64_t connections_opened = 0;
  std::uint64_t requests_reused = 0;
  int peak_active = 0;    ///< most transfers running at once
  int slots_created = 0;  ///< easy handles created, re-creations of retired slots included
  int slots_retired = 0;  ///< easy handles freed because their slot sat idle
  int slots_alive = 0;    ///< easy handles that exist now (after Stop: when the loop ended)
};

class TransferLoop {
 public:
  explicit TransferLoop(LoopOptions options);
  ~TransferLoop();  ///< calls Stop()
  TransferLoop(const TransferLoop&) = delete;
  TransferLoop& operator=(const TransferLoop&) = delete;

  /// Creates the multi and share handles and starts the loop thread. `tick`
  /// runs on the loop thread after every wake-up (at least every 100 ms).
  Status Start(std::function<void()> tick);
  /// Any thread: runs `fn` on the loop thread before the next tick.
  void Post(std::function<void()> fn);
  /// Any thread: makes the loop run its tick soon.
  void Wakeup();
  /// Any thread but the loop's: ends the loop and joins it. Transfers still
  /// running are aborted without callbacks, so call it when none are left.
  void Stop();

  // ---- Loop thread only ----
  /// Starts a transfer in an idle (or new) slot; nullopt when the slot or
  /// per-host limit is reached.
  std::optional<TransferHandle> TryStart(const Request& request, Receiver* receiver);
  /// True when TryStart would find room for `host_key`.
  /// For kMultiplex on a host already seen answering over HTTP/2, the room
  /// is counted in streams (max_streams_per_host); otherwise in transfers
  /// that each need a connection (max_slots, max_per_host).
  bool HasRoom(const std::string& host_key, HttpVersion version) const;
  /// Unpauses a transfer whose receiver returned kPause. libcurl may deliver
  /// the held-back bytes to OnBody before this returns.
  void Resume(TransferHandle handle);
  /// Ends a transfer now; its receiver gets OnDone(why) on this loop pass.
  void Abort(TransferHandle handle, Status why);
  int active() const { return active_; }
  const LoopStats& stats() const { return stats_; }

 private:
  struct Slot;
  struct Handles;

  void Run();
  void RunPosted();
  void DrainCompletions();
  void DeliverAborted();
  void Finish(Slot& slot, const TransferResult& result);
  void LearnMultiplexing(const std::string& host_key) noexcept;
  void Configure(Slot& slot, const Request& request);
  Slot* IdleSlot();
  bool CreateEasy(Slot& slot);
  void MakeIdle(Slot& slot);
  void RetireIdleSlot(std::chrono::steady_clock::time_point now);

  static std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) noexcept;
  static std::size_t OnWrite(char* data, std::size_t size, std::size_t n, void* user) noexcept;
  static bool DeliverHead(Slot& slot) noexcept;

  // Constant after construction.
  const LoopOptions options_;

  // Owned by the loop thread (created in Start, released after the join).
  std::unique_ptr<Handles> handles_;
  // Every slot ever made, by index (a TransferHandle). A slot is running
  // (receiver set), idle (in idle_, with an easy handle) or retired (in
  // retired_, without one); slots_ never shrinks, so an index never changes.
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> idle_;     // least recently used first
  std::vector<Slot*> retired_;
  util::LeakyShrink shrink_;
  std::vector<std::pair<Slot*, Status>> aborted_;
  std::unordered_map<std::string, int> per_host_;
  std::unordered_map<std::string, int> streams_;  // multiplexed transfers per host
  std::unordered_set<std::string> multiplexing_;  // hosts seen answering over HTTP/2
  int active_ = 0;          // all transfers
  int active_streams_ = 0;  // of those, multiplexed ones
  LoopStats stats_;
  std::function<void()> tick_;

  std::mutex mu_;
  std::vector<std::function<void()>> posted_;  // guarded by mu_
  bool stop_ = false;                          // guarded by mu_
  std::thread thread_;
};

}  // namespace haul::transfer
