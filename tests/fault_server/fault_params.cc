// The table of query parameters and their parser. Thread safety: pure
// functions over a constant table.
#include "fault_server/fault_params.h"

#include <utility>

#include "fault_server/http.h"

namespace haul_fault {
namespace {

// The setters' parameter types, short so that the table reads as one.
using Value = const std::string&;
using Params = FaultParams&;

/// Stores a decoded value into its field; false when the value is bad.
using Setter = bool (*)(Value value, Params p);

struct ParamSpec {
  std::string_view name;
  Setter set;
};

bool SetFlag(Value value, bool* flag) {
  if (value != "0" && value != "1") return false;
  *flag = value == "1";
  return true;
}

bool SetOptional(Value value, std::optional<std::uint64_t>* field) {
  std::uint64_t n = 0;
  if (!ParseU64(value, &n)) return false;
  *field = n;
  return true;
}

bool SetText(Value value, std::optional<std::string>* field) {
  *field = value;
  return true;
}

/// Codes that have a body and need nothing the server cannot make up
/// (no 1xx, 204, 304); 200 and 206 come from the normal path.
bool SetStatus(Value value, int* status) {
  std::uint64_t n = 0;
  if (!ParseU64(value, &n) || n < 300 || n > 599 || n == 304) return false;
  *status = static_cast<int>(n);
  return true;
}

bool SetBadRange(Value value, BadRange* field) {
  if (value != "offset" && value != "total") return false;
  *field = value == "offset" ? BadRange::kOffset : BadRange::kTotal;
  return true;
}

bool SetEncoding(Value value, bool* gzip) {
  *gzip = value == "gzip";
  return *gzip;  // the only encoding it claims
}

// Every parameter the server knows; fault_params.h documents each field.
constexpr ParamSpec kParams[] = {
    {"size", [](Value v, Params p) { return ParseU64(v, &p.size); }},
    {"tag", [](Value, Params) { return true; }},
    // The selector.
    {"fault_from", [](Value v, Params p) { return ParseU64(v, &p.fault_from); }},
    {"fault_count", [](Value v, Params p) { return ParseU64(v, &p.fault_count); }},
    {"fault_ranged", [](Value v, Params p) { return SetFlag(v, &p.fault_ranged); }},
    // Faults in what is answered.
    {"ignore_range", [](Value v, Params p) { return SetFlag(v, &p.faults.ignore_range); }},
    {"bad_range", [](Value v, Params p) { return SetBadRange(v, &p.faults.bad_range); }},
    {"status", [](Value v, Params p) { return SetStatus(v, &p.faults.status); }},
    {"retry_after", [](Value v, Params p) { return SetText(v, &p.faults.retry_after); }},
    {"change", [](Value v, Params p) { return SetFlag(v, &p.faults.change); }},
    {"chunked", [](Value v, Params p) { return SetFlag(v, &p.faults.chunked); }},
    {"redirect", [](Value v, Params p) { return SetOptional(v, &p.faults.redirect); }},
    {"absolute", [](Value v, Params p) { return SetFlag(v, &p.faults.absolute); }},
    {"loop", [](Value v, Params p) { return SetFlag(v, &p.faults.loop); }},
    {"cd", [](Value v, Params p) { return SetText(v, &p.faults.content_disposition); }},
    {"encoding", [](Value v, Params p) { return SetEncoding(v, &p.faults.gzip); }},
    {"no_validators", [](Value v, Params p) { return SetFlag(v, &p.faults.no_validators); }},
    // Faults in how the body is delivered.
    {"reset_after", [](Value v, Params p) { return SetOptional(v, &p.faults.reset_after); }},
    {"stall_after", [](Value v, Params p) { return SetOptional(v, &p.faults.stall_after); }},
    {"stall_ms", [](Value v, Params p) { return ParseU64(v, &p.faults.stall_ms); }},
    {"short", [](Value v, Params p) { return SetOptional(v, &p.faults.short_after); }},
    {"rate", [](Value v, Params p) { return ParseU64(v, &p.faults.rate); }},
};

const ParamSpec* FindParam(std::string_view name) {
  for (const ParamSpec& spec : kParams) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace

bool ParseFaultParams(std::string_view query, FaultParams* out, std::string* error) {
  FaultParams params;
  for (const QueryParam& q : SplitQuery(query)) {
    const ParamSpec* spec = FindParam(q.name);
    if (spec == nullptr) {
      *error = "unknown parameter '" + std::string(q.name) + "'";
      return false;
    }
    const std::optional<std::string> value = PercentDecode(q.value);
    if (!value || !spec->set(*value, params)) {
      *error = "bad value for '" + std::string(q.name) + "': '" + std::string(q.value) + "'";
      return false;
    }
  }
  *out = std::move(params);
  return true;
}

}  // namespace haul_fault
