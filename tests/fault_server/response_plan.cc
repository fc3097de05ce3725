// Planning each response: normal 200/206/416 service and the faults the
// query selects. Thread safety: pure functions.
#include "fault_server/response_plan.h"

#include <time.h>

#include <cstdio>
#include <ctime>

#include "fault_server/fault_params.h"

namespace haul_fault {
namespace {

// Last-Modified of version 0: Mon, 01 Jan 2024 00:00:00 GMT.
constexpr std::time_t kVersion0Time = 1704067200;
constexpr std::time_t kSecondsPerVersion = 3600;

std::string_view Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 410:
      return "Gone";
    case 416:
      return "Range Not Satisfiable";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

/// True when request `number` of the path is one the faults apply to.
bool Selected(const FaultParams& p, const Request& r, std::uint64_t number) {
  if (number < p.fault_from || number - p.fault_from >= p.fault_count) return false;
  if (!p.fault_ranged) return true;
  const auto range = r.Header("range");
  if (!range) return false;
  const RangeResult resolved = ResolveRange(*range, p.size);
  return resolved.kind == RangeResult::Kind::kSatisfiable && resolved.first > 0;
}

/// `query` with its redirect= value replaced by `next`; the other
/// parameters are kept exactly as sent.
std::string QueryWithRedirect(std::string_view query, std::uint64_t next) {
  std::string out;
  for (const QueryParam& q : SplitQuery(query)) {
    if (!out.empty()) out += '&';
    if (q.name == "redirect") {
      out += "redirect=" + std::to_string(next);
    } else {
      out += std::string(q.name);
      if (q.has_value) out += "=" + std::string(q.value);
    }
  }
  return out;
}

/// 302 to `target` (a path with query), relative or, with absolute=1, as
/// an http:// URL on the Host the client used.
ResponsePlan Redirect(const Request& r, const Faults& f, const std::string& target,
                      std::string_view default_host) {
  std::string location = target;
  if (f.absolute) {
    location = "http://" + std::string(r.Header("host").value_or(default_host)) + target;
  }
  ResponsePlan plan = TextResponse(302, "redirecting to " + location + "\n");
  plan.headers.emplace_back("Location", location);
  return plan;
}

ResponsePlan StatusResponse(const Faults& f) {
  ResponsePlan plan =
      TextResponse(f.status, std::to_string(f.status) + " " + std::string(Reason(f.status)) +
                                 " (status= fault)\n");
  if (f.retry_after) plan.headers.emplace_back("Retry-After", *f.retry_after);
  return plan;
}

/// The validators of one version; `present` is false with no_validators=1.
struct Validators {
  std::string etag;
  std::string last_modified;
  bool present = true;
};

/// RFC 9110 13.1.5: a Range is honoured only when If-Range, if sent,
/// matches the current ETag or Last-Modified exactly (a strong
/// comparison, so a weak W/ tag never matches).
bool IfRangeMatches(const Request& r, const Validators& v) {
  const auto if_range = r.Header("if-range");
  if (!if_range) return true;
  return v.present && (*if_range == v.etag || *if_range == v.last_modified);
}

RangeResult RangeToServe(const Request& r, std::uint64_t size, const Faults& f,
                         const Validators& v) {
  const auto range = r.Header("range");
  if (!range || f.ignore_range || !IfRangeMatches(r, v)) return {};
  return ResolveRange(*range, size);
}

std::string ContentRange(const RangeResult& range, std::uint64_t size, BadRange bad) {
  const std::uint64_t first = range.first + (bad == BadRange::kOffset ? 1 : 0);
  const std::uint64_t total = size + (bad == BadRange::kTotal ? 1 : 0);
  return "bytes " + std::to_string(first) + "-" + std::to_string(range.last) + "/" +
         std::to_string(total);
}

ResponsePlan Unsatisfiable(std::uint64_t size) {
  ResponsePlan plan = TextResponse(416, "range not satisfiable\n");
  plan.headers.emplace_back("Accept-Ranges", "bytes");
  plan.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
  return plan;
}

/// 200, 206 or 416 with the content of the request's version.
ResponsePlan PlanContent(const Request& r, std::uint64_t size, const Faults& f,
                         std::uint64_t number) {
  const std::uint64_t version = f.change ? number : 0;
  const Validators v{ContentEtag(version, size), ContentLastModified(version), !f.no_validators};
  const RangeResult range = RangeToServe(r, size, f, v);
  if (!f.chunked && range.kind == RangeResult::Kind::kUnsatisfiable) return Unsatisfiable(size);
  ResponsePlan plan;
  plan.body = f.chunked ? ResponsePlan::Body::kChunked : ResponsePlan::Body::kContent;
  plan.version = version;
  plan.length = size;
  plan.headers = {{"Content-Type", "application/octet-stream"}, {"Accept-Ranges", "bytes"}};
  if (v.present) {
    plan.headers.emplace_back("ETag", v.etag);
    plan.headers.emplace_back("Last-Modified", v.last_modified);
  }
  if (f.content_disposition)
    plan.headers.emplace_back("Content-Disposition", *f.content_disposition);
  if (f.chunked || range.kind != RangeResult::Kind::kSatisfiable) return plan;
  plan.status = 206;
  plan.first = range.first;
  plan.length = range.last - range.first + 1;
  plan.headers.emplace_back("Content-Range", ContentRange(range, size, f.bad_range));
  if (f.gzip) plan.headers.emplace_back("Content-Encoding", "gzip");
  return plan;
}

/// The answer before delivery faults and connection handling.
ResponsePlan PlanByFault(const Request& r, std::uint64_t size, const Faults& f,
                         std::uint64_t number, std::string_view default_host) {
  if (f.loop) return Redirect(r, f, r.target, default_host);
  if (f.redirect.value_or(0) > 0) {
    return Redirect(r, f, r.path + "?" + QueryWithRedirect(r.query, *f.redirect - 1), default_host);
  }
  if (f.status != 0) return StatusResponse(f);
  return PlanContent(r, size, f, number);
}

ResponsePlan PlanStatusAndBody(const Request& r, std::uint64_t number,
                               std::string_view default_host) {
  if (r.method != "GET" && r.method != "HEAD") {
    ResponsePlan plan = TextResponse(405, "only GET and HEAD\n");
    plan.headers.emplace_back("Allow", "GET, HEAD");
    return plan;
  }
  FaultParams params;
  std::string error;
  if (!ParseFaultParams(r.query, &params, &error)) return TextResponse(400, error + "\n");
  const Faults f = Selected(params, r, number) ? params.faults : Faults{};
  ResponsePlan plan = PlanByFault(r, params.size, f, number, default_host);
  plan.reset_after = f.reset_after;
  plan.stall_after = f.stall_after;
  plan.stall_ms = f.stall_ms;
  plan.short_after = f.short_after;
  plan.rate = f.rate;
  return plan;
}

}  // namespace

ResponsePlan PlanResponse(const Request& request, std::uint64_t number,
                          std::string_view default_host) {
  ResponsePlan plan = PlanStatusAndBody(request, number, default_host);
  plan.head_only = request.method == "HEAD";
  if (!request.KeepAlive()) {
    plan.close = true;
    plan.headers.emplace_back("Connection", "close");
  }
  return plan;
}

ResponsePlan TextResponse(int status, std::string text) {
  ResponsePlan plan;
  plan.status = status;
  plan.headers.emplace_back("Content-Type", "text/plain");
  plan.body = ResponsePlan::Body::kText;
  plan.text = std::move(text);
  return plan;
}

std::string SerializeHead(const ResponsePlan& plan) {
  std::string s = "HTTP/1.1 " + std::to_string(plan.status) + " " +
                  std::string(Reason(plan.status)) + "\r\nServer: haul-fault-server\r\n";
  for (const auto& [name, value] : plan.headers)
    s.append(name).append(": ").append(value).append("\r\n");
  switch (plan.body) {
    case ResponsePlan::Body::kText:
      s += "Content-Length: " + std::to_string(plan.text.size()) + "\r\n";
      break;
    case ResponsePlan::Body::kContent:
      s += "Content-Length: " + std::to_string(plan.length) + "\r\n";
      break;
    case ResponsePlan::Body::kChunked:
      s += "Transfer-Encoding: chunked\r\n";
      break;
  }
  return s + "\r\n";
}

std::string ContentEtag(std::uint64_t version, std::uint64_t size) {
  return "\"v" + std::to_string(version) + "-" + std::to_string(size) + "\"";
}

std::string ContentLastModified(std::uint64_t version) {
  // Formatted by hand: strftime's %a and %b follow the locale.
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = kVersion0Time + static_cast<std::time_t>(version) * kSecondsPerVersion;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

}  // namespace haul_fault
