// Serving one connection: request heads in, planned responses out, with the
// delivery faults (stall, reset, short body, rate). Thread safety: one
// thread per Connection; see connection.h.
#include "fault_server/connection.h"

#include <unistd.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "fault_server/body.h"
#include "fault_server/http.h"
#include "fault_server/socket_io.h"

namespace haul_fault {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kStatsPrefix = "/_stats/";
// Far more than any test sends on one connection; it only bounds the loop.
constexpr std::uint64_t kMaxRequestsPerConnection = 10'000'000;
constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

/// Keeps a body to `rate` bytes per second: writes of 1/20 s worth, each
/// one when the bytes before it are due.
class Pacer {
 public:
  explicit Pacer(std::uint64_t rate) : rate_(rate) {}

  /// The largest write that keeps to the rate.
  std::uint64_t Slice() const {
    return rate_ == 0 ? kNoLimit : std::max<std::uint64_t>(1, rate_ / 20);
  }

  /// Waits until `sent` bytes are due; false when the server stops.
  bool WaitUntilDue(std::uint64_t sent, const std::atomic<bool>& stop) const {
    if (rate_ == 0) return true;
    const auto due = start_ + std::chrono::microseconds(sent * 1'000'000 / rate_);
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(due - Clock::now());
    return wait.count() <= 0 || SleepUnlessStopped(wait, stop);
  }

 private:
  const std::uint64_t rate_;
  const Clock::time_point start_ = Clock::now();
};

/// The next body offset at which a fault is due, after `sent`.
std::uint64_t NextFaultOffset(const ResponsePlan& plan, std::uint64_t sent, bool stalled) {
  std::uint64_t next = kNoLimit;
  for (const auto& at :
       {plan.reset_after, plan.short_after, stalled ? std::nullopt : plan.stall_after}) {
    if (at && *at > sent) next = std::min(next, *at);
  }
  return next;
}

/// RFC 9112 2.2: empty lines before a request line are ignored.
void SkipEmptyLines(std::string* input) {
  std::size_t n = 0;
  while (input->compare(n, 2, "\r\n") == 0) n += 2;  // bounded by the size
  input->erase(0, n);
}

}  // namespace

Connection::Connection(int fd, Counters& counters, const std::atomic<bool>& stop,
                       std::string default_host)
    : fd_(fd), counters_(counters), stop_(stop), default_host_(std::move(default_host)) {}

void Connection::Serve() {
  Ending ending = Ending::kClose;
  for (std::uint64_t i = 0; i < kMaxRequestsPerConnection; ++i) {
    const std::optional<std::string> head = ReadHead();
    if (!head) break;
    ending = Handle(*head);
    if (ending != Ending::kKeepOpen) break;
  }
  Finish(ending);
}

std::optional<std::string> Connection::ReadHead() {
  // Each pass reads at least one byte or returns, and the input is capped.
  for (std::size_t pass = 0; pass <= kMaxHeadBytes + 1; ++pass) {
    SkipEmptyLines(&input_);
    const std::size_t end = input_.find("\r\n\r\n");
    if (end != std::string::npos && end + 4 <= kMaxHeadBytes) {
      std::string head = input_.substr(0, end);
      input_.erase(0, end + 4);
      return head;
    }
    if (end != std::string::npos || input_.size() > kMaxHeadBytes) break;
    if (ReadSome(fd_, &input_, stop_, kIdleTimeout) != IoStatus::kOk) return std::nullopt;
  }
  ResponsePlan too_large = TextResponse(400, "request head larger than 16 KiB\n");
  too_large.close = true;
  Respond(too_large, nullptr);
  return std::nullopt;
}

Connection::Ending Connection::Handle(std::string_view head) {
  const std::optional<Request> request = ParseRequestHead(head);
  if (!request || request->HasBody()) {
    ResponsePlan bad = TextResponse(400, "malformed request, or one with a body\n");
    bad.close = true;
    return Respond(bad, nullptr);
  }
  if (request->path.starts_with(kStatsPrefix)) return Respond(StatsResponse(*request), nullptr);
  const std::uint64_t number =
      counters_.BeginRequest(request->path, request->Header("range").value_or(""));
  return Respond(PlanResponse(*request, number, default_host_), &request->path);
}

ResponsePlan Connection::StatsResponse(const Request& request) const {
  const std::string path = "/" + request.path.substr(kStatsPrefix.size());
  ResponsePlan plan = TextResponse(200, counters_.Json(path));
  plan.headers = {{"Content-Type", "application/json"}};
  plan.head_only = request.method == "HEAD";
  plan.close = !request.KeepAlive();
  return plan;
}

Connection::Ending Connection::Respond(const ResponsePlan& plan, const std::string* count_path) {
  if (SendAll(fd_, SerializeHead(plan), stop_, kIdleTimeout) != IoStatus::kOk) {
    return Ending::kAbort;
  }
  const Ending ending = plan.head_only ? Ending::kKeepOpen : SendBody(plan, count_path);
  return ending == Ending::kKeepOpen && plan.close ? Ending::kClose : ending;
}

Connection::Ending Connection::SendBody(const ResponsePlan& plan, const std::string* count_path) {
  BodySource source(plan);
  const Pacer pacer(plan.rate);
  std::uint64_t sent = 0;
  bool stalled = false;
  // Bounded by the body's size: each inner pass sends at least one byte or
  // returns.
  for (std::string_view piece = source.Next(); !piece.empty(); piece = source.Next()) {
    while (!piece.empty()) {
      if (const std::optional<Ending> ending = FaultAt(plan, sent, &stalled)) return *ending;
      const std::uint64_t limit =
          std::min(NextFaultOffset(plan, sent, stalled) - sent, pacer.Slice());
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), limit));
      if (!pacer.WaitUntilDue(sent, stop_)) return Ending::kAbort;
      std::size_t accepted = 0;
      const IoStatus status = SendSome(fd_, piece.substr(0, n), stop_, kIdleTimeout, &accepted);
      if (count_path != nullptr) counters_.AddBytes(*count_path, accepted);
      sent += accepted;
      piece.remove_prefix(accepted);
      if (status != IoStatus::kOk || accepted == 0) return Ending::kAbort;
    }
  }
  // short=N at or past the end still ends the connection, with a FIN.
  return plan.short_after ? Ending::kClose : Ending::kKeepOpen;
}

std::optional<Connection::Ending> Connection::FaultAt(const ResponsePlan& plan, std::uint64_t sent,
                                                      bool* stalled) {
  if (plan.stall_after && !*stalled && sent >= *plan.stall_after) {
    *stalled = true;
    const std::chrono::milliseconds pause(static_cast<std::int64_t>(plan.stall_ms));
    if (!SleepUnlessStopped(pause, stop_)) {
      return Ending::kAbort;
    }
  }
  if (plan.reset_after && sent >= *plan.reset_after) return Ending::kReset;
  if (plan.short_after && sent >= *plan.short_after) return Ending::kClose;
  return std::nullopt;
}

void Connection::Finish(Ending ending) {
  switch (ending) {
    case Ending::kReset:
      CloseWithReset(fd_, stop_);
      return;
    case Ending::kKeepOpen:
    case Ending::kClose:
      CloseGracefully(fd_, stop_);
      return;
    case Ending::kAbort:
      close(fd_);
      return;
  }
}

}  // namespace haul_fault
