// Implements engine/core.h: the job state machine and the slot scheduler.
#include "engine/core.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>
#include <utility>

#include "haul/version.h"
#include "storage/output_name.h"

namespace haul::engine {
namespace {

using transfer::BodyVerdict;
using transfer::HeadVerdict;

transfer::LoopOptions LoopOptionsFrom(const Options& o) {
  transfer::LoopOptions l;
  l.max_slots = o.max_connections;
  l.max_per_host = o.max_per_host;
  l.headers = o.headers;
  l.user_agent = o.user_agent.empty() ? std::string("haul/") + kVersion : o.user_agent;
  l.ca_certificate = o.ca_certificate;
  l.insecure = o.insecure;
  l.max_redirects = o.max_redirects;
  l.connect_timeout_seconds = o.connect_timeout_seconds;
  l.proxy = o.proxy;
  l.noproxy = o.noproxy;
  l.user = o.user;
  l.netrc = o.netrc;
  l.netrc_file = o.netrc_file;
  return l;
}

// Every slot may hold one filling buffer while another is being written, so
// the pool never starves a slot for good (see docs/storage.md). Streaming to
// stdout, the pool is the reorder window's budget instead: the transfer at
// the write position always gets a buffer (a reserve only it may use), the
// others pause when the rest is out.
std::size_t BufferBudget(const Options& o) {
  if (o.to_stdout) return std::max<std::size_t>(o.stream_buffer_size / o.buffer_unit, 4);
  const auto floor = 2 * static_cast<std::size_t>(o.max_connections) + 4;
  return std::max(o.max_buffers, floor);
}

// Streaming to stdout, downloads run one after another so their bytes
// concatenate in order (as curl writes several URLs).
Options Adjusted(Options o) {
  if (o.to_stdout) o.jobs = 1;
  return o;
}

// Each queued writer task holds a buffer, or is one of a job's few
// open/preallocate/commit tasks, so this bound is never reached.
std::size_t WriterQueueBudget(const Options& o) {
  return BufferBudget(o) + 3 * static_cast<std::size_t>(o.jobs) + 16;
}

/// The state file beside a partial, if it is one this URL may resume from.
std::optional<storage::ResumeState> FindResumeState(const std::string& path,
                                                    const std::string& url) {
  storage::LoadedState loaded = storage::LoadState(path);
  if (loaded.outcome == storage::LoadOutcome::kMissing) return std::nullopt;
  if (loaded.outcome == storage::LoadOutcome::kCorrupt) {
    spdlog::warn("{}: ignoring a damaged resume state ({})", path, loaded.why);
    return std::nullopt;
  }
  const auto& urls = loaded.state.urls;
  if (std::find(urls.begin(), urls.end(), url) == urls.end()) {
    spdlog::warn("{}: resume state is for another URL; starting over", path);
    return std::nullopt;
  }
  if (loaded.state.size == 0) return std::nullopt;
  return std::move(loaded.state);
}

/// A partial must hold at least every byte its state says was written.
bool PartialHolds(const storage::ResumeState& s, std::uint64_t partial_size) {
  return s.completed.empty() || s.completed.back().end <= partial_size;
}

}  // namespace

/// The first byte a resume must fetch. When everything was written the last
/// byte is fetched again, so the server still confirms size and validators.
std::uint64_t FirstMissing(const storage::ResumeState& s) {
  if (s.completed.empty() || s.completed.front().begin > 0) return 0;
  return std::min(s.completed.front().end, s.size - 1);
}

// ---- PieceTransfer: forwards to the core ----

HeadVerdict PieceTransfer::OnHead(const transfer::ResponseHead& head, Status& why) {
  return core_.OnHead(*this, head, why);
}
BodyVerdict PieceTransfer::OnBody(std::span<const std::byte> data) {
  return core_.OnBody(*this, data);
}
void PieceTransfer::OnDone(const transfer::TransferResult& result) { core_.OnDone(*this, result); }

// ---- Construction and the submitting thread's side ----

Core::Core(const Options& options, EventSink& sink)
    : options_(Adjusted(options)),
      sink_(sink),
      started_(Clock::now()),
      buffers_(options_.buffer_unit, BufferBudget(options_)),
      writers_(options_.writer_threads, WriterQueueBudget(options_)),
      loop_(LoopOptionsFrom(options)),
      overall_(static_cast<double>(options.max_overall_speed), 0, Clock::now()) {
  // A released buffer may unblock a paused transfer; only the loop thread may
  // unpause, so flag it and wake the loop.
  buffers_.SetOnAvailable([this] {
    if (!resume_wanted_.exchange(true)) loop_.Wakeup();
  });
}

Core::~Core() = default;

Status Core::Start() {
  last_progress_ = Clock::now();
  return loop_.Start([this] { Tick(); });
}

JobId Core::Submit(JobSpec spec) {
  JobId id = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // Bounded: a caller streaming a huge list waits here.
    cv_.wait(lock, [&] {
      return cancelled_ || abandoned_ || queue_.size() < static_cast<std::size_t>(options_.jobs);
    });
    if (abandoned_ && !cancelled_) ++abandoned_jobs_;
    if (cancelled_ || abandoned_) return 0;
    id = next_id_++;
    queue_.push_back({id, std::move(spec)});
  }
  loop_.Wakeup();
  return id;
}

void Core::Cancel() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return;
    cancelled_ = true;
  }
  cv_.notify_all();
  loop_.Post([this] {
    FailQueued(ErrorClass::kInterrupted);
    for (auto& [id, job] : jobs_) Fail(*job, Status::Error(ErrorClass::kInterrupted, "interrupted"));
  });
}

void Core::FailQueued(ErrorClass c) {
  std::deque<Queued> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dropped.swap(queue_);
  }
  cv_.notify_all();  // a submitter waiting for room sees the queue empty
  stats_.failures.insert(stats_.failures.end(), dropped.size(), c);
  stats_.jobs_failed += dropped.size();
}

RunStats Core::Finish() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    closed_ = true;
    loop_.Wakeup();
    cv_.wait(lock, [&] { return finished_; });
  }
  writers_.Stop();  // before the loop: writer tasks post to the loop
  loop_.Stop();
  const transfer::LoopStats& ls = loop_.stats();
  stats_.requests = ls.requests;
  stats_.connections_opened = ls.connections_opened;
  stats_.requests_reused = ls.requests_reused;
  stats_.peak_slots = ls.peak_active;
  stats_.slots_created = ls.slots_created;
  stats_.slots_retired = ls.slots_retired;
  const storage::WriterPool::Stats ws = writers_.stats();
  stats_.writer_threads_created = ws.threads_created;
  stats_.writer_threads_retired = ws.threads_retired;
  stats_.writer_threads_peak = ws.peak_threads;
  const storage::BufferPool::Stats bs = buffers_.stats();
  stats_.buffer_hits = bs.hits;
  stats_.buffer_misses = bs.misses;
  if (options_.to_stdout) {
    stats_.stream_buffer_budget = buffers_.max_buffers() * buffers_.unit();
    stats_.stream_buffer_peak = bs.peak_out * buffers_.unit();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (abandoned_) {
      stats_.jobs_failed += abandoned_jobs_;
      stats_.failures.insert(stats_.failures.end(), abandoned_jobs_, *abandoned_);
    }
  }
  stats_.wall = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
  return stats_;
}

// ---- The loop's tick ----

void Core::Tick() {
  ActivateQueued();
  if (resume_wanted_.exchange(false)) ResumePaused();
  const auto now = Clock::now();
  CheckStalls(now);
  CheckStragglers(now);
  SampleThroughput(now);
  ResumeRateLimited(now);
  SaveStates(now);
  FillSlots();
  ServeStreamHeads();
  EmitProgress(false);
  CheckFinished();
}

void Core::ActivateQueued() {
  std::vector<Queued> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    while (!queue_.empty() && jobs_.size() + batch.size() < static_cast<std::size_t>(options_.jobs)) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  if (batch.empty()) return;
  cv_.notify_all();
  for (Queued& q : batch) Activate(std::move(q));
}

void Core::Activate(Queued q) {
  auto job = std::make_unique<Job>();
  job->id = q.id;
  job->url = q.spec.urls.empty() ? std::string() : q.spec.urls.front();
  job->host_key = transfer::HostKeyOf(job->url);
  job->final_path = storage::ResolveOutputPath(q.spec.dir, q.spec.out, job->url);
  job->commit_path = job->final_path;
  job->state_path = storage::StatePathFor(job->final_path);
  job->connection_cap = options_.connections_per_download;
  job->replace_final = options_.overwrite;
  for (const std::string& url : q.spec.urls) {
    Source source;
    source.url = url;
    source.host_key = transfer::HostKeyOf(url);
    source.checked = job->sources.empty();  // the primary is the reference
    if (source.host_key.empty() && !job->sources.empty()) {
      spdlog::warn("{}: ignoring malformed mirror URL {}", job->url, url);
      continue;
    }
    job->sources.push_back(std::move(source));
  }
  job->scores.emplace(job->sources.size());
  job->spec = std::move(q.spec);
  job->started = Clock::now();
  if (options_.max_speed > 0) {
    job->bucket.emplace(static_cast<double>(options_.max_speed), 0, job->started);
  }
  if (options_.ramp_up) {
    scheduling::RampUpOptions ramp;
    ramp.max = options_.connections_per_download;
    ramp.initial = std::min(ramp.initial, ramp.max);
    job->ramp.emplace(ramp);
  }
  if (options_.to_stdout) {
    job->final_path = job->commit_path = "-";
    job->state_path.clear();
    job->stream.emplace();
    job->stream_window = InitialStreamWindow(options_);
  } else {
    job->file = std::make_shared<storage::PartFile>();
  }
  Job& j = *job;
  jobs_.emplace(j.id, std::move(job));
  if (j.host_key.empty()) {
    j.phase = Job::Phase::kReady;  // nothing to open; close it as failed
    Fail(j, Status::Error(ErrorClass::kUsage, "malformed URL"));
    return;
  }
  if (!j.spec.checksum.empty()) {
    std::string why;
    j.checksum = integrity::ParseChecksum(j.spec.checksum, &why);
    if (!j.checksum) {
      j.phase = Job::Phase::kReady;
      Fail(j, Status::Error(ErrorClass::kUsage, "checksum: " + why));
      return;
    }
    if (j.stream) j.stream_hasher = integrity::MakeHasher(j.checksum->algorithm);
  }
  if (j.stream) {  // nothing to open: stdout is there
    OnOpened(j.id, Opened{});
    return;
  }
  storage::PartFile::OpenMode mode;
  mode.overwrite = options_.overwrite;
  // With Content-Disposition the final name is known only from the response;
  // the commit's no-replace rename still guards whatever name it gets.
  mode.check_final = !(options_.content_disposition && j.spec.out.empty());
  // Opening creates directories and may touch a slow disk: not on this thread.
  PostToWriters([this, id = j.id, file = j.file, path = j.final_path, state = j.state_path,
                 url = j.url, mode] {
    Opened opened = OpenPartial(*file, path, state, url, mode);
    loop_.Post([this, id, opened = std::move(opened)]() mutable { OnOpened(id, std::move(opened)); });
  });
}

Core::Opened Core::OpenPartial(storage::PartFile& file, const std::string& path,
                               const std::string& state, const std::string& url,
                               storage::PartFile::OpenMode mode) const {
  Opened r;
  const storage::FinalFile existing = storage::InspectFinal(path);
  // --skip-existing decides before anything is read or opened: the file,
  // and any partial and state beside it, stay exactly as they are.
  r.action = storage::DecideExisting(options_.skip_existing, options_.timestamping, existing, false);
  if (r.action == storage::ExistingAction::kSkip) return r;
  r.resume = FindResumeState(state, url);
  r.action = storage::DecideExisting(options_.skip_existing, options_.timestamping, existing,
                                     r.resume.has_value());
  r.mtime = existing.mtime;
  // -N found an older copy (or resumes a newer one): the file may be replaced.
  if (r.action == storage::ExistingAction::kIfNewer ||
      r.action == storage::ExistingAction::kReplace) {
    mode.overwrite = true;
  }
  mode.keep_contents = r.resume.has_value();
  r.status = file.Open(path, mode);
  if (r.status.ok() && r.resume && !PartialHolds(*r.resume, file.size_at_open())) {
    spdlog::warn("{}: the partial is shorter than its resume state says; starting over",
                 file.part_path());
    r.resume.reset();
    r.status = file.Truncate(0);
  }
  if (r.status.ok() && !r.resume) storage::RemoveState(state);  // stale or foreign: never trusted
  return r;
}

void Core::OnOpened(JobId id, Opened opened) {
  Job* job = Find(id);
  job->phase = Job::Phase::kReady;
  if (opened.action == storage::ExistingAction::kSkip) {
    spdlog::info("{}: exists; skipped", job->final_path);
    job->skipped = true;
    MaybeClose(*job);
    return;
  }
  if (!opened.status.ok()) {
    Fail(*job, std::move(opened.status));
    return;
  }
  if (opened.resume) {
    job->state_on_disk = true;
    job->resume = std::move(opened.resume);
  }
  if (opened.action == storage::ExistingAction::kIfNewer) job->if_modified_since = opened.mtime;
  if (opened.action != storage::ExistingAction::kDownload) job->replace_final = true;
  if (job->failed()) {  // cancelled while opening
    MaybeClose(*job);
    return;
  }
  sink_.OnJobStarted({job->id, job->url, job->final_path});
  FillSlots();
}

// ---- Scheduling transfers onto slots ----

void Core::FillSlots() {
  // Round robin, one new transfer per job per pass, until a pass starts
  // nothing: every running job gets a fair share of the global slots.
  // Bounded: every pass that continues started a transfer, and transfers
  // are bounded by the loop's slots and per-host limits.
  bool started = true;
  while (started) {
    started = false;
    auto it = jobs_.upper_bound(next_to_serve_);
    for (std::size_t n = 0; n < jobs_.size(); ++n, ++it) {
      if (it == jobs_.end()) it = jobs_.begin();
      if (StartNext(*it->second)) {
        started = true;
        next_to_serve_ = it->first;
      }
    }
  }
}

bool Core::StartNext(Job& job) {
  if (job.failed() || job.restarting) return false;
  if (job.phase == Job::Phase::kReady &&
      (!loop_.HasRoom(job.host_key, transfer::HttpVersion::kMultiplex) ||
       HostPenalized(job.host_key, Clock::now()))) {
    return false;
  }
  if (job.retry_at != Clock::time_point{} && Clock::now() < job.retry_at) return false;
  if (job.phase == Job::Phase::kReady) {
    job.phase = Job::Phase::kRunning;
    if (StartTransfer(job, true, std::nullopt, 0)) return true;
    job.phase = Job::Phase::kReady;
    return false;
  }
  if (job.phase != Job::Phase::kRunning || !job.plan || !job.splittable || job.preparing) {
    return false;
  }
  // Each source (the primary, each mirror) gets up to -x connections; the
  // fastest source with room takes the next piece.
  const std::optional<std::size_t> source = PickSource(job);
  if (!source) return false;
  // A free slot takes the next unassigned piece; when none is left it takes
  // the second half of the largest remaining range (work stealing), if that
  // half would take the victim long enough to be worth a new connection.
  std::optional<scheduling::PieceId> piece = job.plan->TakeUnassigned();
  if (piece && job.stream &&
      job.plan->piece(*piece).range.begin >= job.stream->written() + job.stream_window) {
    // Streaming: bytes beyond the reorder window would only wait there.
    job.plan->Release(*piece);
    return false;
  }
  if (!piece) piece = StealFor(job, *source);
  if (!piece) return false;
  if (!StartTransfer(job, false, piece, *source)) {
    job.plan->Release(*piece);
    return false;
  }
  return true;
}

std::uint64_t Core::MinStealFor(const Job& job) const {
  // Used before any transfer has a rate: the rate per connection is the
  // job's average over its peak connection count (dividing by the transfers
  // still running would make the last straggler look as fast as all of
  // them together, and never split).
  constexpr double kHorizonSeconds = 0.2;
  return scheduling::MinStealRemainder(JobRatePerConnection(job), kHorizonSeconds);
}

std::optional<std::size_t> Core::PickSource(const Job& job) const {
  // Which sources may take a transfer now is decided here (removed, resting,
  // at their connection cap, host full or penalized); which of those is
  // best is the scores' choice (scheduling/source_scores.h): a mirror not
  // yet measured gets one try, then the best per-connection rate wins.
  constexpr int kFull = std::numeric_limits<int>::max();
  const auto now = Clock::now();
  std::vector<int> active(job.sources.size(), kFull);
  for (std::size_t i = 0; i < job.sources.size(); ++i) {
    const Source& s = job.sources[i];
    int cap = i == 0 ? job.connection_cap : options_.connections_per_download;
    if (job.ramp) cap = std::min(cap, job.ramp->target());
    if (s.removed || now < s.penalty_until || s.active >= cap ||
        !loop_.HasRoom(s.host_key, transfer::HttpVersion::kHttp11) ||
        HostPenalized(s.host_key, now) || (!s.checked && s.active > 0)) {
      continue;
    }
    active[i] = s.active;
  }
  return job.scores->Pick(now, active, kFull);
}

namespace {

// A steal costs a new connection (handshakes, a request round trip, slow
// start) and closes the victim's at the split: only worth it when the
// stolen part keeps the thief busy this long.
constexpr double kStealHorizonSeconds = 0.2;
// Smallest range worth its own request, unless the victim is stuck.
constexpr std::uint64_t kMinStolenBytes = 256 * 1024;
// A transfer this young has no rate of its own yet.
constexpr auto kRateWarmUp = std::chrono::milliseconds(500);
// A transfer silent this long is stuck: its rate counts as zero.
constexpr auto kSilentAfter = std::chrono::seconds(1);

/// Bytes per second of one transfer; nullopt while too young to tell.
std::optional<double> TransferRate(const PieceTransfer& t, Clock::time_point now) {
  if (now - t.last_byte >= kSilentAfter) return 0.0;
  const double seconds = std::chrono::duration<double>(now - t.started).count();
  if (now - t.started < kRateWarmUp || seconds <= 0) return std::nullopt;
  return static_cast<double>(t.got) / seconds;
}

}  // namespace

std::optional<scheduling::PieceId> Core::StealFor(Job& job, std::size_t thief_source) {
  // Fast sources take more work: the thief takes the tail of the transfer
  // that would finish last, sized so that both finish together (the victim
  // keeps what it can fetch while the thief fetches the rest). A stuck
  // victim loses its whole remaining range and is cancelled.
  const auto now = Clock::now();
  double thief = SourceRate(job, thief_source, now);
  if (thief <= 0) thief = JobRatePerConnection(job);
  if (thief <= 0) return job.plan->StealLargest(MinStealFor(job));  // no rates yet
  PieceTransfer* victim = nullptr;
  double victim_rate = 0;
  double latest = 0;
  for (auto& t : job.transfers) {
    if (!t->piece || t->recovery != Recovery::kNone) continue;
    const auto& p = job.plan->piece(*t->piece);
    if (p.state != scheduling::ChunkPlan::State::kInFlight || p.range.end - p.pos < 2) continue;
    const double rate = TransferRate(*t, now).value_or(thief);
    const auto left = static_cast<double>(p.range.end - p.pos);
    const double finish = rate > 0 ? left / rate : std::numeric_limits<double>::infinity();
    if (victim == nullptr || finish > latest) {
      victim = t.get();
      victim_rate = rate;
      latest = finish;
    }
  }
  if (victim == nullptr) return std::nullopt;
  const auto& p = job.plan->piece(*victim->piece);
  const std::uint64_t left = p.range.end - p.pos;
  const auto keep = static_cast<std::uint64_t>(static_cast<double>(left) * victim_rate /
                                               (victim_rate + thief));
  const std::uint64_t stolen = left - keep;
  const double thief_seconds = static_cast<double>(stolen) / thief;
  // Worth it when the tail ends sooner by more than a new connection costs.
  if (victim_rate > 0 &&
      (stolen < kMinStolenBytes || latest < thief_seconds + kStealHorizonSeconds)) {
    return std::nullopt;
  }
  const scheduling::PieceId id = job.plan->StealAt(*victim->piece, p.pos + keep);
  if (keep == 0) {
    ++stats_.stragglers;
    victim->recovery = Recovery::kSuperseded;
    loop_.Abort(victim->handle, Status::Error(ErrorClass::kNetwork, "superseded by a faster connection"));
  }
  spdlog::debug("job {}: steal {} bytes from a transfer at {:.0f} B/s for one at {:.0f} B/s", job.id,
                stolen, victim_rate, thief);
  return id;
}

double Core::SourceRate(const Job& job, std::size_t source, Clock::time_point now) const {
  // The mean rate of its running transfers that have one, else that of its
  // finished ones; 0 when nothing is known yet.
  double sum = 0;
  int n = 0;
  for (const auto& t : job.transfers) {
    if (t->source != source) continue;
    if (const auto rate = TransferRate(*t, now); rate && *rate > 0) {
      sum += *rate;
      ++n;
    }
  }
  if (n > 0) return sum / n;
  const Source& s = job.sources[source];
  return s.busy_seconds > 0.05 ? static_cast<double>(s.done_bytes) / s.busy_seconds : 0;
}

double TransferRateOf(const PieceTransfer& t, Clock::time_point now) {
  return TransferRate(t, now).value_or(0);
}

double Core::JobRatePerConnection(const Job& job) const {
  const double seconds = std::chrono::duration<double>(Clock::now() - job.started).count();
  if (seconds <= 0 || job.peak_transfers <= 0) return 0;
  return static_cast<double>(job.received) / seconds / static_cast<double>(job.peak_transfers);
}

bool Core::StartTransfer(Job& job, bool probe, std::optional<scheduling::PieceId> piece,
                         std::size_t source) {
  auto t = std::make_unique<PieceTransfer>(*this, job, probe);
  Source& src = job.sources[source];
  transfer::Request req;
  req.url = src.url;
  req.host_key = src.host_key;
  t->source = source;
  // If-Range only with a validator this source gave (the primary's may not
  // be comparable with a mirror's); a mirror's first response is checked.
  req.if_range = source == 0 ? IfRangeFor(job) : (src.checked ? IfRangeOf(src) : std::string());
  if (probe) {
    // No separate probe round trip: the first chunk's GET is open-ended and
    // its response head tells the size (docs/transfer-loop.md). A resume
    // asks from the first missing byte, If-Range guarding the old bytes.
    req.version = transfer::HttpVersion::kMultiplex;
    if (job.resume) {
      job.resume_from = FirstMissing(*job.resume);
      req.first = job.resume_from;
      t->offset = job.resume_from;
    } else if (job.if_modified_since) {  // -N: only a newer file is fetched
      req.if_modified_since = job.if_modified_since;
      t->conditional = true;
    }
  } else {
    const auto& p = job.plan->piece(*piece);
    req.first = p.range.begin;
    req.last = p.range.end - 1;
    req.version = transfer::HttpVersion::kHttp11;
    t->piece = piece;
    t->offset = p.range.begin;
  }
  const auto handle = loop_.TryStart(req, t.get());
  if (!handle) return false;
  t->handle = *handle;
  ++src.active;
  job.transfers.push_back(std::move(t));
  job.peak_transfers = std::max(job.peak_transfers, static_cast<int>(job.transfers.size()));
  spdlog::debug("job {}: start {} bytes={}-{}", job.id, probe ? "probe" : "piece", req.first,
                req.last ? std::to_string(*req.last) : std::string());
  return true;
}

Job* Core::Find(JobId id) {
  auto it = jobs_.find(id);
  assert(it != jobs_.end() && "a job outlives its transfers and writes");
  return it->second.get();
}

void Core::PostToWriters(std::function<void()> task) {
  const bool queued = writers_.Post(std::move(task));
  // The queue is sized so this cannot fail (WriterQueueBudget); if it does,
  // that is a bug, and it must not become a silent hang.
  if (!queued) {
    spdlog::critical("writer queue overflow (capacity {})", writers_.queue_capacity());
    std::abort();
  }
}

void Core::EmitProgress(bool force) {
  const auto now = Clock::now();
  const auto since = now - last_progress_;
  if (!force && since < std::chrono::milliseconds(options_.progress_interval_ms)) return;
  const double seconds = std::chrono::duration<double>(since).count();
  if (seconds > 0) {
    const double instant = static_cast<double>(bytes_received_ - last_progress_bytes_) / seconds;
    speed_ = speed_ == 0 ? instant : 0.7 * speed_ + 0.3 * instant;  // EWMA, ~1 s memory
  }
  last_progress_ = now;
  last_progress_bytes_ = bytes_received_;
  Progress p;
  p.bytes_done = bytes_received_;
  if (!total_unknown_) p.bytes_total = bytes_known_total_;
  p.bytes_per_second = speed_;
  p.active_jobs = static_cast<int>(jobs_.size());
  p.active_transfers = loop_.active();
  p.jobs_done = stats_.jobs_ok;
  p.jobs_failed = stats_.jobs_failed;
  p.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - started_);
  sink_.OnProgress(p);
}

void Core::CheckFinished() {
  bool done = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done = closed_ && !finished_ && queue_.empty() && jobs_.empty();
    if (done) finished_ = true;
  }
  if (done) {
    EmitProgress(true);
    cv_.notify_all();
  }
}

}  // namespace haul::engine
