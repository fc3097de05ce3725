// Implements src/storage/resume_state.h: nlohmann::json without exceptions for
// the format, POSIX calls on a raw fd for the file.
#include "storage/resume_state.h"

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <string_view>
#include <system_error>
#include <utility>

namespace haul::storage {
namespace {

using Json = nlohmann::json;

constexpr const char* kFormat = "haul-resume";
constexpr std::uint64_t kVersion = 1;
// Every field of version 1; any other key makes the file corrupt.
constexpr std::array<const char*, 8> kKeys = {
    "format", "version", "urls", "size", "etag", "last_modified", "piece_size", "completed"};

// The deepest valid nesting: the object, "completed", and a [begin, end] pair.
constexpr int kMaxDepth = 3;

std::string ErrnoText(int err) { return std::generic_category().message(err); }

/// Sets *why (when given) and returns false, so checks read `return Fail(...)`.
bool Fail(std::string* why, std::string reason) {
  if (why != nullptr) *why = std::move(reason);
  return false;
}

std::string Quoted(const char* key) { return std::string("\"") + key + "\""; }

/// True when brackets outside strings nest deeper than kMaxDepth. Checked
/// before parsing: nlohmann builds the whole tree first, and 16 MiB of "["
/// would cost it a gigabyte. Exact for valid JSON; anything else is rejected
/// by the parser anyway.
bool NestedTooDeeply(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// Reading fields. Every accessor is guarded by a type check first: get<>() of
// the wrong type and at() of a missing key throw, and nothing here may.

/// The value under `key`, or nullptr (with *why set) when it is missing.
const Json* Field(const Json& obj, const char* key, std::string* why) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    Fail(why, Quoted(key) + " is missing");
    return nullptr;
  }
  return &*it;
}

bool ReadUnsigned(const Json& obj, const char* key, std::uint64_t* out, std::string* why) {
  const Json* v = Field(obj, key, why);
  if (v == nullptr) return false;
  // Negative integers, fractions and integers too large for 64 bits (which
  // nlohmann parses as doubles) all fail this test.
  if (!v->is_number_unsigned()) return Fail(why, Quoted(key) + " is not a non-negative integer");
  *out = v->get<std::uint64_t>();
  return true;
}

bool ReadString(const Json& obj, const char* key, std::string* out, std::string* why) {
  const Json* v = Field(obj, key, why);
  if (v == nullptr) return false;
  if (!v->is_string()) return Fail(why, Quoted(key) + " is not a string");
  *out = v->get<std::string>();
  return true;
}

bool ReadUrls(const Json& obj, std::vector<std::string>* out, std::string* why) {
  const Json* v = Field(obj, "urls", why);
  if (v == nullptr) return false;
  if (!v->is_array()) return Fail(why, "\"urls\" is not an array");
  for (const Json& url : *v) {
    if (!url.is_string()) return Fail(why, "\"urls\" holds a value that is not a string");
    out->push_back(url.get<std::string>());
  }
  return true;
}

bool ReadRanges(const Json& obj, std::vector<StateRange>* out, std::string* why) {
  const Json* v = Field(obj, "completed", why);
  if (v == nullptr) return false;
  if (!v->is_array()) return Fail(why, "\"completed\" is not an array");
  for (const Json& pair : *v) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_unsigned() ||
        !pair[1].is_number_unsigned()) {
      return Fail(why, "\"completed\" holds a value that is not a [begin, end] pair");
    }
    out->push_back({pair[0].get<std::uint64_t>(), pair[1].get<std::uint64_t>()});
  }
  return true;
}

/// The format marker, the version, and no keys but kKeys.
bool CheckHeader(const Json& obj, std::string* why) {
  const auto format = obj.find("format");
  if (format == obj.end() || !format->is_string() || format->get<std::string>() != kFormat) {
    return Fail(why, "not a haul resume state (\"format\" is not \"haul-resume\")");
  }
  std::uint64_t version = 0;
  if (!ReadUnsigned(obj, "version", &version, why)) return false;
  if (version != kVersion) {
    return Fail(why, "unsupported resume state version " + std::to_string(version));
  }
  for (const auto& item : obj.items()) {
    const bool known = std::any_of(kKeys.begin(), kKeys.end(),
                                   [&](const char* k) { return item.key() == k; });
    if (!known) return Fail(why, "unknown field \"" + item.key() + "\"");
  }
  return true;
}

bool ReadFields(const Json& obj, ResumeState* s, std::string* why) {
  return ReadUrls(obj, &s->urls, why) && ReadUnsigned(obj, "size", &s->size, why) &&
         ReadString(obj, "etag", &s->etag, why) &&
         ReadString(obj, "last_modified", &s->last_modified, why) &&
         ReadUnsigned(obj, "piece_size", &s->piece_size, why) &&
         ReadRanges(obj, &s->completed, why);
}

// ---------------------------------------------------------------------------
// Checking values: shared by ParseState and SaveState.

std::string RangeText(std::size_t index, const StateRange& r) {
  return "completed range " + std::to_string(index) + " [" + std::to_string(r.begin) + ", " +
         std::to_string(r.end) + "]";
}

/// Each range non-empty, inside [0, size), after the previous one. Adjacent
/// ranges pass; ParseState merges them.
bool CheckRanges(const ResumeState& s, std::string* why) {
  std::uint64_t prev_end = 0;
  for (std::size_t i = 0; i < s.completed.size(); ++i) {
    const StateRange& r = s.completed[i];
    if (r.begin >= r.end) return Fail(why, RangeText(i, r) + " is empty or reversed");
    if (r.end > s.size) return Fail(why, RangeText(i, r) + " ends past the size");
    if (r.begin < prev_end) return Fail(why, RangeText(i, r) + " overlaps or is out of order");
    prev_end = r.end;
  }
  return true;
}

bool CheckValues(const ResumeState& s, std::string* why) {
  if (s.urls.empty()) return Fail(why, "\"urls\" is empty");
  if (std::any_of(s.urls.begin(), s.urls.end(), [](const std::string& u) { return u.empty(); })) {
    return Fail(why, "\"urls\" holds an empty string");
  }
  if (s.size > kMaxStateSize) return Fail(why, "\"size\" is larger than 2^62");
  if (s.piece_size == 0) return Fail(why, "\"piece_size\" is 0");
  return CheckRanges(s, why);
}

void MergeAdjacent(std::vector<StateRange>* ranges) {
  std::vector<StateRange> merged;
  for (const StateRange& r : *ranges) {
    if (!merged.empty() && merged.back().end == r.begin) {
      merged.back().end = r.end;
    } else {
      merged.push_back(r);
    }
  }
  *ranges = std::move(merged);
}

// ---------------------------------------------------------------------------
// Files.

Status SaveError(const std::string& path, int err) {
  return Status::Error(ErrorClass::kIo,
                       "cannot save resume state " + path + ": " + ErrnoText(err));
}

/// Writes all of `text` to `fd`, retrying short writes and EINTR; 0 or errno.
int WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;  // never for a regular file; do not spin
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

/// Creates `tmp` holding `text`, on stable storage; 0 or errno. On failure
/// after the file was created, it is removed again.
int WriteSynced(const std::string& tmp, std::string_view text) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  int err = WriteAll(fd, text);
  // Without the sync a crash after the rename could leave an empty new file
  // in place of the old state (data not yet written back, rename already on
  // disk, as on ext4 with delayed allocation).
  while (err == 0 && ::fdatasync(fd) != 0) {
    if (errno != EINTR) err = errno;
  }
  // Linux releases the fd even when close fails, so never retry it.
  if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno;
  if (err != 0) ::unlink(tmp.c_str());
  return err;
}

LoadedState Corrupt(std::string why) {
  return {LoadOutcome::kCorrupt, ResumeState{}, std::move(why)};
}

/// Reads all of the regular file open on `fd` into *out, at most
/// kMaxStateFileBytes; false with a reason naming `path` otherwise.
bool ReadBounded(int fd, const std::string& path, std::string* out, std::string* why) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Fail(why, "cannot read " + path + ": " + ErrnoText(errno));
  if (!S_ISREG(st.st_mode)) return Fail(why, path + " is not a regular file");
  const std::string too_large =
      path + " is larger than " + std::to_string(kMaxStateFileBytes) + " bytes";
  if (static_cast<std::uint64_t>(st.st_size) > kMaxStateFileBytes) return Fail(why, too_large);
  // st_size is only a hint: the file may grow while we read, so the bound is
  // checked on what was actually read.
  std::array<char, std::size_t{16} * 1024> chunk{};
  while (true) {
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(why, "cannot read " + path + ": " + ErrnoText(errno));
    }
    if (n == 0) return true;
    out->append(chunk.data(), static_cast<std::size_t>(n));
    if (out->size() > kMaxStateFileBytes) return Fail(why, too_large);
  }
}

}  // namespace

std::string StatePathFor(const std::string& final_path) { return final_path + ".haul"; }

std::string SerializeState(const ResumeState& state) {
  // ordered_json keeps the fields in this order, which is easier to read
  // than the alphabetical order of nlohmann::json.
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["urls"] = state.urls;
  j["size"] = state.size;
  j["etag"] = state.etag;
  j["last_modified"] = state.last_modified;
  j["piece_size"] = state.piece_size;
  j["completed"] = nlohmann::ordered_json::array();
  for (const StateRange& r : state.completed) j["completed"].push_back({r.begin, r.end});
  // The default error handler throws on invalid UTF-8 (a server may send any
  // bytes in an ETag); replace never throws. See the header.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::optional<ResumeState> ParseState(std::string_view json, std::string* why) {
  if (NestedTooDeeply(json)) {
    Fail(why, "nested too deeply");
    return std::nullopt;
  }
  // allow_exceptions = false: a syntax error yields a discarded value.
  const Json doc = Json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded()) {
    Fail(why, "not valid JSON");
    return std::nullopt;
  }
  if (!doc.is_object()) {
    Fail(why, "not a JSON object");
    return std::nullopt;
  }
  ResumeState state;
  if (!CheckHeader(doc, why) || !ReadFields(doc, &state, why) || !CheckValues(state, why)) {
    return std::nullopt;
  }
  MergeAdjacent(&state.completed);
  return state;
}

Status SaveState(const std::string& path, const ResumeState& state) {
  if (std::string why; !CheckValues(state, &why)) {
    return Status::Error(ErrorClass::kInternal,
                         "refusing to save invalid resume state " + path + ": " + why);
  }
  const std::string tmp = path + ".tmp";
  if (const int err = WriteSynced(tmp, SerializeState(state)); err != 0) {
    return SaveError(path, err);
  }
  // rename() replaces `path` atomically: readers see the old or the new file.
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return SaveError(path, err);
  }
  return Status::Ok();
}

LoadedState LoadState(const std::string& path) {
  // O_NONBLOCK: opening a FIFO someone left at this path must not hang; it
  // changes nothing for a regular file.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return {LoadOutcome::kMissing, ResumeState{}, {}};
    return Corrupt("cannot read " + path + ": " + ErrnoText(errno));
  }
  std::string text;
  std::string why;
  const bool read = ReadBounded(fd, path, &text, &why);
  ::close(fd);
  if (!read) return Corrupt(std::move(why));
  std::optional<ResumeState> state = ParseState(text, &why);
  if (!state) return Corrupt(path + ": " + why);
  return {LoadOutcome::kLoaded, std::move(*state), {}};
}

void RemoveState(const std::string& path) {
  ::unlink(path.c_str());
  ::unlink((path + ".tmp").c_str());
}

bool StateMatches(const ResumeState& state, const std::string& url, std::uint64_t size) {
  return state.size == size &&
         std::find(state.urls.begin(), state.urls.end(), url) != state.urls.end();
}

}  // namespace haul::storage
