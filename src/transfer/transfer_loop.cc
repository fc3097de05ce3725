// Implements transfer/transfer_loop.h. The only file that calls libcurl.
#include "transfer/transfer_loop.h"

#include <curl/curl.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <chrono>
#include <cstring>
#include <new>
#include <utility>

namespace haul::transfer {
namespace {

// libcurl's own receive buffer per transfer; bigger blocks mean fewer write
// callbacks per byte. Must stay below Options::buffer_unit.
constexpr long kReceiveBufferBytes = 64L * 1024;

struct EasyDeleter {
  void operator()(CURL* e) const { curl_easy_cleanup(e); }
};
struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct ShareDeleter {
  void operator()(CURLSH* s) const { curl_share_cleanup(s); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// What the scheduler must do about a libcurl error decides its class.
ErrorClass Classify(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
      return ErrorClass::kTls;
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
      return ErrorClass::kProtocol;
    case CURLE_URL_MALFORMAT:
      return ErrorClass::kUsage;
    case CURLE_OUT_OF_MEMORY:
      return ErrorClass::kInternal;
    default:
      return ErrorClass::kNetwork;
  }
}

// Errors a retry of the same request may cure.
bool IsTransient(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:  // also how a reset during the handshake shows
      return true;
    default:
      return false;
  }
}

// curl_slist_append fails only when memory runs out.
void AppendHeader(std::unique_ptr<curl_slist, SlistDeleter>& list, const std::string& header) {
  curl_slist* grown = curl_slist_append(list.get(), header.c_str());
  if (grown == nullptr) throw std::bad_alloc();
  (void)list.release();  // grown is the same list, extended
  list.reset(grown);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

struct TransferLoop::Handles {
  std::unique_ptr<CURLM, MultiDeleter> multi;
  std::unique_ptr<CURLSH, ShareDeleter> share;
};

/// A persistent transfer slot: one easy handle, reused for transfer after transfer.
struct TransferLoop::Slot {
  TransferLoop* loop = nullptr;
  std::unique_ptr<CURL, EasyDeleter> easy;
  TransferHandle index = 0;
  Receiver* receiver = nullptr;  // set while a transfer runs
  bool stream = false;  // counted as a multiplexed stream, not a connection
  std::chrono::steady_clock::time_point idle_since;  // when it last went idle
  std::string host_key;
  std::string range;  // the Range value, kept for logs
  std::unique_ptr<curl_slist, SlistDeleter> headers;  // this transfer's request headers
  ResponseHeadBuilder head;
  bool head_delivered = false;
  bool rejected = false;
  bool stopped = false;
  Status reject_status;
  char error[CURL_ERROR_SIZE] = {};
};

std::string HostKeyOf(const std::string& url) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return {};
  std::string key;
  for (CURLUPart part : {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT}) {
    char* value = nullptr;
    if (curl_url_get(u.get(), part, &value, CURLU_DEFAULT_PORT) != CURLUE_OK) return {};
    key += value;
    key += part == CURLUPART_SCHEME ? "://" : (part == CURLUPART_HOST ? ":" : "");
    curl_free(value);
  }
  return Lower(key);
}

std::string CurlVersion() { return curl_version(); }

TransferLoop::TransferLoop(LoopOptions options)
    : options_(std::move(options)),
      shrink_(options_.slot_retire_interval, options_.slot_retire_min_age) {}

TransferLoop::~TransferLoop() { Stop(); }

Status TransferLoop::Start(std::function<void()> tick) {
  // curl_global_init is not thread-safe before 7.84; call it before any thread starts.
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return Status::Error(ErrorClass::kInternal, "libcurl initialisation failed");
  }
  handles_ = std::make_unique<Handles>();
  handles_->multi.reset(curl_multi_init());
  handles_->share.reset(curl_share_init());
  if (!handles_->multi || !handles_->share) {
    return Status::Error(ErrorClass::kInternal, "libcurl handle creation failed");
  }
  // Share DNS and TLS sessions only. The share is used from this one loop
  // thread, so it needs no lock callbacks; the connection cache stays in the
  // multi handle, which is where libcurl supports it.
  curl_share_setopt(handles_->share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(handles_->share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  CURLM* m = handles_->multi.get();
  curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(options_.max_slots));
  curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options_.max_per_host));
  curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, static_cast<long>(options_.max_slots));
  curl_multi_setopt(m, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(m, CURLMOPT_MAX_CONCURRENT_STREAMS,
                    static_cast<long>(options_.max_streams_per_host));
  tick_ = std::move(tick);
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void TransferLoop::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    posted_.push_back(std::move(fn));
  }
  Wakeup();
}

void TransferLoop::Wakeup() {
  // Safe from any thread; handles_ is set before the thread starts and
  // released only after it is joined.
  if (handles_) curl_multi_wakeup(handles_->multi.get());
}

void TransferLoop::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  Wakeup();
  thread_.join();
  for (auto& slot : slots_) {
    if (slot->receiver) curl_multi_remove_handle(handles_->multi.get(), slot->easy.get());
  }
  slots_.clear();  // easy handles go before the multi and share they used
  idle_.clear();
  retired_.clear();
  handles_.reset();
  curl_global_cleanup();
}

void TransferLoop::Run() {
  for (;;) {
    curl_multi_poll(handles_->multi.get(), nullptr, 0, 100, nullptr);
    RunPosted();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
    }
    int running = 0;
    curl_multi_perform(handles_->multi.get(), &running);
    DrainCompletions();
    DeliverAborted();
    tick_();
    DeliverAborted();  // the tick may abort transfers too
    // After the tick, so a slot freed and refilled in this pass is not idle.
    RetireIdleSlot(std::chrono::steady_clock::now());
  }
}

void TransferLoop::RunPosted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

bool TransferLoop::HasRoom(const std::string& host_key, HttpVersion version) const {
  if (version == HttpVersion::kMultiplex && multiplexing_.count(host_key) > 0) {
    const auto it = streams_.find(host_key);
    return it == streams_.end() || it->second < options_.max_streams_per_host;
  }
  if (active_ - active_streams_ >= options_.max_slots) return false;
  auto it = per_host_.find(host_key);
  return it == per_host_.end() || it->second < options_.max_per_host;
}

TransferLoop::Slot* TransferLoop::IdleSlot() {
  if (!idle_.empty()) {
    // The most recently used: its handle is warm, and the least recently
    // used ones are left to age into retirement.
    Slot* s = idle_.back();
    idle_.pop_back();
    return s;
  }
  Slot* slot = nullptr;
  if (!retired_.empty()) {
    slot = retired_.back();  // keeps its index; only the easy handle is new
    retired_.pop_back();
  } else if (static_cast<int>(slots_.size()) <
             options_.max_slots + options_.max_streams_per_host) {
    slots_.push_back(std::make_unique<Slot>());
    slot = slots_.back().get();
    slot->loop = this;
    slot->index = static_cast<TransferHandle>(slots_.size() - 1);
  } else {
    return nullptr;
  }
  if (!CreateEasy(*slot)) {
    retired_.push_back(slot);
    return nullptr;
  }
  return slot;
}

bool TransferLoop::CreateEasy(Slot& slot) {
  slot.easy.reset(curl_easy_init());
  if (!slot.easy) return false;
  shrink_.OnCreated(std::chrono::steady_clock::now());
  ++stats_.slots_created;
  stats_.slots_alive = static_cast<int>(slots_.size() - retired_.size());
  return true;
}

void TransferLoop::MakeIdle(Slot& slot) {
  // Appending keeps idle_ ordered by idle_since, oldest first.
  slot.idle_since = std::chrono::steady_clock::now();
  idle_.push_back(&slot);
}

void TransferLoop::RetireIdleSlot(std::chrono::steady_clock::time_point now) {
  // A slot idle for less than one interval is between transfers, not spare:
  // only the long-idle prefix of idle_ is offered to the policy.
  const auto long_idle_end = std::partition_point(idle_.begin(), idle_.end(), [&](const Slot* s) {
    return now - s->idle_since >= options_.slot_retire_interval;
  });
  const auto spare = static_cast<std::size_t>(long_idle_end - idle_.begin());
  if (!shrink_.ShouldRetire(spare, now)) return;
  Slot* lru = idle_.front();
  assert(lru->receiver == nullptr && "an idle slot runs no transfer");
  idle_.erase(idle_.begin());
  // The slot is out of the multi handle (Finish removed it), so this frees
  // only the easy handle: the connection it last used stays in the multi's
  // connection cache for the next transfer to that host.
  lru->easy.reset();
  lru->headers.reset();
  retired_.push_back(lru);
  shrink_.OnRetired(now);
  ++stats_.slots_retired;
  stats_.slots_alive = static_cast<int>(slots_.size() - retired_.size());
}

std::optional<TransferHandle> TransferLoop::TryStart(const Request& request, Receiver* receiver) {
  if (!HasRoom(request.host_key, request.version)) return std::nullopt;
  Slot* slot = IdleSlot();
  if (!slot) return std::nullopt;
  slot->receiver = receiver;
  slot->host_key = request.host_key;
  slot->head.Reset();
  slot->head_delivered = slot->rejected = slot->stopped = false;
  slot->reject_status = Status::Ok();
  slot->error[0] = '\0';
  Configure(*slot, request);
  if (curl_multi_add_handle(handles_->multi.get(), slot->easy.get()) != CURLM_OK) {
    slot->receiver = nullptr;
    MakeIdle(*slot);
    return std::nullopt;
  }
  slot->stream = request.version == HttpVersion::kMultiplex &&
                 multiplexing_.count(slot->host_key) > 0;
  if (slot->stream) {
    ++streams_[slot->host_key];
    ++active_streams_;
  } else {
    ++per_host_[slot->host_key];
  }
  stats_.peak_active = std::max(stats_.peak_active, ++active_);
  return slot->index;
}

namespace {

/// Proxy and credentials. Nothing is set unless asked for: after
/// curl_easy_reset libcurl reads http_proxy, https_proxy, ALL_PROXY and
/// NO_PROXY itself (CURLOPT_PROXY.3), and setting CURLOPT_PROXY at all, even
/// to "", would switch that off ("" means no proxy). CURLOPT_UNRESTRICTED_AUTH
/// stays off, so -u is not sent to another host after a redirect.
void ConfigureProxyAndCredentials(CURL* e, const LoopOptions& o) {
  if (o.proxy) curl_easy_setopt(e, CURLOPT_PROXY, o.proxy->c_str());
  if (o.noproxy) curl_easy_setopt(e, CURLOPT_NOPROXY, o.noproxy->c_str());
  if (!o.user.empty()) curl_easy_setopt(e, CURLOPT_USERPWD, o.user.c_str());
  if (o.netrc) {
    // As curl's -n: netrc credentials win over ones in the URL; -u (a
    // CURLOPT_USERPWD) still wins over netrc, and a missing file is no error.
    curl_easy_setopt(e, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_REQUIRED));
    if (!o.netrc_file.empty()) curl_easy_setopt(e, CURLOPT_NETRC_FILE, o.netrc_file.c_str());
  }
}

}  // namespace

void TransferLoop::Configure(Slot& slot, const Request& request) {
  CURL* e = slot.easy.get();
  // Reset drops the previous transfer's options but keeps the handle; live
  // connections belong to the multi handle's cache, so they survive.
  curl_easy_reset(e);
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, &slot);
  curl_easy_setopt(e, CURLOPT_SHARE, handles_->share.get());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, slot.error);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &TransferLoop::OnWrite);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &slot);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &TransferLoop::OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &slot);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, options_.max_redirects);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
  curl_easy_setopt(e, CURLOPT_USERAGENT, options_.user_agent.c_str());
  // Per transfer: the user's headers, If-Range, and an explicit request for
  // the identity encoding, so body bytes are file bytes at their offsets.
  slot.headers.reset();
  for (const std::string& h : options_.headers) AppendHeader(slot.headers, h);
  AppendHeader(slot.headers, "Accept-Encoding: identity");
  if (!request.if_range.empty()) AppendHeader(slot.headers, "If-Range: " + request.if_range);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, slot.headers.get());
  if (request.if_modified_since) {
    // libcurl turns a 200 that does not meet the condition into a
    // "simulated 304" only for requests without a Range (lib/http.c,
    // http_firstwrite); haul always sends one, so the receiver sees the
    // server's real answer: a 304, or a newer file.
    curl_easy_setopt(e, CURLOPT_TIMECONDITION, static_cast<long>(CURL_TIMECOND_IFMODSINCE));
    curl_easy_setopt(e, CURLOPT_TIMEVALUE_LARGE, static_cast<curl_off_t>(*request.if_modified_since));
  }
  if (!options_.ca_certificate.empty()) {
    curl_easy_setopt(e, CURLOPT_CAINFO, options_.ca_certificate.c_str());
  }
  if (options_.insecure) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  ConfigureProxyAndCredentials(e, options_);
  // No CURLOPT_ACCEPT_ENCODING: libcurl never decodes, so a server that
  // sends an encoding anyway gets its bytes saved as they came.
  slot.range = std::to_string(request.first) + "-" +
               (request.last ? std::to_string(*request.last) : std::string());
  curl_easy_setopt(e, CURLOPT_RANGE, slot.range.c_str());
  if (request.version == HttpVersion::kHttp11) {
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  } else {
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    // Wait for an existing connection that can multiplex rather than open a
    // new one: a batch of small files then shares one HTTP/2 connection.
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
  }
}

std::size_t TransferLoop::OnHeader(char* data, std::size_t size, std::size_t n,
                                   void* user) noexcept {
  auto* slot = static_cast<Slot*>(user);
  slot->head.Feed(std::string_view(data, size * n));
  return size * n;
}

bool TransferLoop::DeliverHead(Slot& slot) noexcept {
  slot.head_delivered = true;
  ResponseHead head = slot.head.head();
  long code = 0;
  curl_easy_getinfo(slot.easy.get(), CURLINFO_RESPONSE_CODE, &code);
  long version = 0;
  curl_easy_getinfo(slot.easy.get(), CURLINFO_HTTP_VERSION, &version);
  // From now on this host's multiplexable requests count as streams.
  if (version == CURL_HTTP_VERSION_2_0) slot.loop->LearnMultiplexing(slot.host_key);
  if (code != 0) head.status = code;
  Status why;
  if (slot.receiver->OnHead(head, why) == HeadVerdict::kReject) {
    slot.rejected = true;
    slot.reject_status = why.ok() ? Status::Error(ErrorClass::kProtocol, "response rejected")
                                  : std::move(why);
    return false;
  }
  return true;
}

std::size_t TransferLoop::OnWrite(char* data, std::size_t size, std::size_t n,
                                  void* user) noexcept {
  auto* slot = static_cast<Slot*>(user);
  const std::size_t len = size * n;
  if (!slot->head_delivered && !DeliverHead(*slot)) return CURL_WRITEFUNC_ERROR;
  if (slot->rejected || slot->stopped) return CURL_WRITEFUNC_ERROR;
  const BodyVerdict v =
      slot->receiver->OnBody(std::span(reinterpret_cast<const std::byte*>(data), len));
  switch (v.kind) {
    case BodyVerdict::kConsumedAll:
      return len;
    case BodyVerdict::kPause:
      return CURL_WRITEFUNC_PAUSE;
    case BodyVerdict::kStop:
      slot->stopped = true;
      return CURL_WRITEFUNC_ERROR;
  }
  return CURL_WRITEFUNC_ERROR;
}

void TransferLoop::DrainCompletions() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(handles_->multi.get(), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Slot* slot = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &slot);
    const CURLcode code = msg->data.result;  // msg is invalid after remove_handle
    TransferResult result;
    curl_easy_getinfo(slot->easy.get(), CURLINFO_RESPONSE_CODE, &result.http_status);
    curl_easy_getinfo(slot->easy.get(), CURLINFO_NUM_CONNECTS, &result.connects);
    if (code == CURLE_OK && !slot->head_delivered) DeliverHead(*slot);  // no body
    if (slot->rejected) {
      result.status = slot->reject_status;
    } else if (slot->stopped) {
      result.stopped_by_receiver = true;
    } else if (code != CURLE_OK) {
      const std::string text = slot->error[0] ? slot->error : curl_easy_strerror(code);
      result.status = Status::Error(Classify(code), text);
      result.transient = IsTransient(code);
    }
    Finish(*slot, result);
  }
}

void TransferLoop::LearnMultiplexing(const std::string& host_key) noexcept {
  // Only allocation can fail here; then the host just stays counted in
  // connections, which is always safe.
  try {
    multiplexing_.insert(host_key);
  } catch (const std::bad_alloc&) {
  }
}

void TransferLoop::Finish(Slot& slot, const TransferResult& result) {
  curl_multi_remove_handle(handles_->multi.get(), slot.easy.get());
  --active_;
  if (slot.stream) {
    --streams_[slot.host_key];
    --active_streams_;
  } else {
    --per_host_[slot.host_key];
  }
  ++stats_.requests;
  stats_.connections_opened += static_cast<std::uint64_t>(result.connects);
  if (result.connects == 0) ++stats_.requests_reused;
  Receiver* receiver = std::exchange(slot.receiver, nullptr);
  // An abort asked for while this transfer was finishing on its own is moot,
  // and must not hit the next transfer to use this slot.
  std::erase_if(aborted_, [&](const auto& entry) { return entry.first == &slot; });
  MakeIdle(slot);
  receiver->OnDone(result);
}

void TransferLoop::Resume(TransferHandle handle) {
  Slot& slot = *slots_.at(handle);
  if (slot.receiver) curl_easy_pause(slot.easy.get(), CURLPAUSE_CONT);
}

void TransferLoop::Abort(TransferHandle handle, Status why) {
  Slot& slot = *slots_.at(handle);
  if (!slot.receiver) return;
  for (const auto& [s, status] : aborted_) {
    if (s == &slot) return;  // already on its way out
  }
  aborted_.emplace_back(&slot, std::move(why));
}

void TransferLoop::DeliverAborted() {
  // Delivered here, not inside Abort, so that a receiver's OnDone never runs
  // inside the engine code that asked for the abort.
  while (!aborted_.empty()) {
    auto [slot, why] = std::move(aborted_.back());
    aborted_.pop_back();
    TransferResult result;
    curl_easy_getinfo(slot->easy.get(), CURLINFO_NUM_CONNECTS, &result.connects);
    result.status = std::move(why);
    Finish(*slot, result);
  }
}

}  // namespace haul::transfer
