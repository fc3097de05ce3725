// Tests for src/storage/resume_state.h: the JSON format (round trips, every
// rejection, garbage and mutated input) and the file operations against real
// files in a temporary directory, with failures forced by a directory or a
// /dev/full symlink where the ".tmp" should go.
#include "storage/resume_state.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "temp_files.h"

namespace haul::storage {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

ResumeState SampleState() {
  ResumeState s;
  s.urls = {"https://a.example/x.iso", "https://b.example/mirror/x.iso?k=v&\"q\""};
  s.size = 10'485'760;
  s.etag = "\"5f3a-19c\"";
  s.last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
  s.piece_size = 1'048'576;
  s.completed = {{0, 2'621'440}, {5'242'880, 6'291'456}, {10'000'000, 10'485'760}};
  return s;
}

/// ParseState that must fail; returns the reason.
std::string Rejection(const std::string& text) {
  std::string why;
  const std::optional<ResumeState> parsed = ParseState(text, &why);
  EXPECT_FALSE(parsed.has_value()) << text;
  EXPECT_FALSE(why.empty()) << text;
  EXPECT_EQ(why.find('\n'), std::string::npos) << "why is one line: " << why;
  return why;
}

/// The sample as a JSON value, to be broken one field at a time.
Json SampleJson() { return Json::parse(SerializeState(SampleState())); }

// ---------------------------------------------------------------------------
// Format.

TEST(ResumeStateFormat, StatePathAppendsSuffix) {
  EXPECT_EQ(StatePathFor("/d/x.iso"), "/d/x.iso.haul");
}

TEST(ResumeStateFormat, SerializesToOneCompactLine) {
  const std::string text = SerializeState(SampleState());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1);
  EXPECT_EQ(text.rfind("{\"format\":\"haul-resume\",\"version\":1,", 0), 0u) << text;
  EXPECT_NE(text.find("\"completed\":[[0,2621440],[5242880,6291456],[10000000,10485760]]"),
            std::string::npos)
      << text;
}

TEST(ResumeStateFormat, RoundTrips) {
  const ResumeState s = SampleState();
  std::string why;
  const std::optional<ResumeState> parsed = ParseState(SerializeState(s), &why);
  ASSERT_TRUE(parsed.has_value()) << why;
  EXPECT_EQ(*parsed, s);
}

TEST(ResumeStateFormat, RoundTripsEdgeValues) {
  ResumeState s;
  s.urls = {"http://h/\xC3\xA9t\xC3\xA9"};  // UTF-8 survives as is
  s.size = kMaxStateSize;
  s.piece_size = kMaxStateSize;
  s.completed = {{0, 1}, {kMaxStateSize - 1, kMaxStateSize}};
  EXPECT_EQ(ParseState(SerializeState(s), nullptr), s);

  ResumeState empty = s;  // size 0, no validators, nothing completed
  empty.size = 0;
  empty.completed.clear();
  EXPECT_EQ(ParseState(SerializeState(empty), nullptr), empty);

  ResumeState whole = s;  // everything completed
  whole.completed = {{0, kMaxStateSize}};
  EXPECT_EQ(ParseState(SerializeState(whole), nullptr), whole);
}

TEST(ResumeStateFormat, InvalidUtf8IsReplacedNotThrown) {
  ResumeState s = SampleState();
  s.etag = "\"a\xFF\xFE\"";
  const std::string text = SerializeState(s);
  const std::optional<ResumeState> parsed = ParseState(text, nullptr);
  ASSERT_TRUE(parsed.has_value()) << text;
  EXPECT_EQ(parsed->etag, "\"a\xEF\xBF\xBD\xEF\xBF\xBD\"");  // two U+FFFD
  EXPECT_NE(parsed->etag, s.etag);  // so it never matches the server again
}

TEST(ResumeStateFormat, MergesAdjacentRanges) {
  Json j = SampleJson();
  j["completed"] = Json::parse("[[0,5],[5,10],[10,11],[20,30],[30,40]]");
  const std::optional<ResumeState> parsed = ParseState(j.dump(), nullptr);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->completed, (std::vector<StateRange>{{0, 11}, {20, 40}}));
}

TEST(ResumeStateFormat, AcceptsAnyKeyOrderAndWhitespace) {
  const std::string text =
      " {\n \"completed\" : [ [ 1 , 2 ] ], \"piece_size\":1, \"last_modified\":\"\",\n"
      "\"etag\":\"\", \"size\":2, \"urls\":[\"u\"], \"version\":1, \"format\":\"haul-resume\" }\n\n";
  const std::optional<ResumeState> parsed = ParseState(text, nullptr);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->completed, (std::vector<StateRange>{{1, 2}}));
}

TEST(ResumeStateFormat, NullWhyIsAllowed) {
  EXPECT_FALSE(ParseState("nonsense", nullptr).has_value());
}

// ---------------------------------------------------------------------------
// Rejections: each takes the valid sample and breaks one thing.

struct Breakage {
  const char* name;
  std::function<void(Json&)> mutate;
  const char* why;  // a substring of the expected reason
};

void ExpectRejected(const std::vector<Breakage>& cases) {
  for (const Breakage& b : cases) {
    SCOPED_TRACE(b.name);
    Json j = SampleJson();
    b.mutate(j);
    const std::string why = Rejection(j.dump());
    EXPECT_NE(why.find(b.why), std::string::npos) << "why: " << why;
  }
}

TEST(ResumeStateReject, WrongFormatOrVersion) {
  ExpectRejected({
      {"format missing", [](Json& j) { j.erase("format"); }, "not a haul resume state"},
      {"format other", [](Json& j) { j["format"] = "aria2"; }, "not a haul resume state"},
      {"format number", [](Json& j) { j["format"] = 1; }, "not a haul resume state"},
      {"version missing", [](Json& j) { j.erase("version"); }, "\"version\" is missing"},
      {"version 2", [](Json& j) { j["version"] = 2; }, "unsupported resume state version 2"},
      {"version 0", [](Json& j) { j["version"] = 0; }, "unsupported resume state version 0"},
      {"version string", [](Json& j) { j["version"] = "1"; }, "\"version\" is not a"},
      {"version float", [](Json& j) { j["version"] = 1.0; }, "\"version\" is not a"},
      {"version negative", [](Json& j) { j["version"] = -1; }, "\"version\" is not a"},
      {"unknown field", [](Json& j) { j["extra"] = 1; }, "unknown field \"extra\""},
  });
}

TEST(ResumeStateReject, MissingFields) {
  ExpectRejected({
      {"urls", [](Json& j) { j.erase("urls"); }, "\"urls\" is missing"},
      {"size", [](Json& j) { j.erase("size"); }, "\"size\" is missing"},
      {"etag", [](Json& j) { j.erase("etag"); }, "\"etag\" is missing"},
      {"last_modified", [](Json& j) { j.erase("last_modified"); }, "\"last_modified\" is missing"},
      {"piece_size", [](Json& j) { j.erase("piece_size"); }, "\"piece_size\" is missing"},
      {"completed", [](Json& j) { j.erase("completed"); }, "\"completed\" is missing"},
  });
}

TEST(ResumeStateReject, WrongTypesEverywhere) {
  ExpectRejected({
      {"urls object", [](Json& j) { j["urls"] = Json::object(); }, "\"urls\" is not an array"},
      {"urls string", [](Json& j) { j["urls"] = "http://h/"; }, "\"urls\" is not an array"},
      {"url number", [](Json& j) { j["urls"].push_back(7); }, "not a string"},
      {"url null", [](Json& j) { j["urls"][0] = nullptr; }, "not a string"},
      {"size string", [](Json& j) { j["size"] = "10"; }, "\"size\" is not a"},
      {"size float", [](Json& j) { j["size"] = 10.5; }, "\"size\" is not a"},
      {"size negative", [](Json& j) { j["size"] = -10; }, "\"size\" is not a"},
      {"size bool", [](Json& j) { j["size"] = true; }, "\"size\" is not a"},
      {"size null", [](Json& j) { j["size"] = nullptr; }, "\"size\" is not a"},
      {"etag number", [](Json& j) { j["etag"] = 5; }, "\"etag\" is not a string"},
      {"etag null", [](Json& j) { j["etag"] = nullptr; }, "\"etag\" is not a string"},
      {"last_modified array", [](Json& j) { j["last_modified"] = Json::array(); },
       "\"last_modified\" is not a string"},
      {"piece_size float", [](Json& j) { j["piece_size"] = 1e6; }, "\"piece_size\" is not a"},
      {"completed object", [](Json& j) { j["completed"] = Json::object(); },
       "\"completed\" is not an array"},
      {"range not array", [](Json& j) { j["completed"][0] = 5; }, "not a [begin, end] pair"},
      {"range of one", [](Json& j) { j["completed"][0] = {1}; }, "not a [begin, end] pair"},
      {"range of three", [](Json& j) { j["completed"][0] = {1, 2, 3}; },
       "not a [begin, end] pair"},
      {"range strings", [](Json& j) { j["completed"][0] = {"0", "5"}; },
       "not a [begin, end] pair"},
      {"range negative", [](Json& j) { j["completed"][0] = {-1, 5}; }, "not a [begin, end] pair"},
      {"range float", [](Json& j) { j["completed"][0] = {0, 5.5}; }, "not a [begin, end] pair"},
      {"range object", [](Json& j) { j["completed"][0] = Json::object({{"begin", 0}}); },
       "not a [begin, end] pair"},
  });
}

TEST(ResumeStateReject, BadValues) {
  ExpectRejected({
      {"no urls", [](Json& j) { j["urls"] = Json::array(); }, "\"urls\" is empty"},
      {"empty url", [](Json& j) { j["urls"].push_back(""); }, "\"urls\" holds an empty string"},
      {"piece_size 0", [](Json& j) { j["piece_size"] = 0; }, "\"piece_size\" is 0"},
      {"size over 2^62",
       [](Json& j) {
         j["size"] = kMaxStateSize + 1;
         j["completed"] = Json::array();
       },
       "larger than 2^62"},
      {"size uint64 max",
       [](Json& j) {
         j["size"] = UINT64_MAX;
         j["completed"] = Json::array();
       },
       "larger than 2^62"},
      {"empty range", [](Json& j) { j["completed"][1] = {7'000'000, 7'000'000}; },
       "is empty or reversed"},
      {"reversed range", [](Json& j) { j["completed"][1] = {7'000'000, 6'000'000}; },
       "is empty or reversed"},
      {"range past size", [](Json& j) { j["completed"][2] = {10'000'000, 10'485'761}; },
       "ends past the size"},
      {"range far past size", [](Json& j) { j["completed"][2] = {10'000'000, UINT64_MAX}; },
       "ends past the size"},
      {"overlap", [](Json& j) { j["completed"][1] = {2'621'439, 6'291'456}; },
       "overlaps or is out of order"},
      {"out of order", [](Json& j) { std::swap(j["completed"][0], j["completed"][1]); },
       "overlaps or is out of order"},
      {"duplicate", [](Json& j) { j["completed"][1] = j["completed"][0]; },
       "overlaps or is out of order"},
  });
}

TEST(ResumeStateReject, NumbersTooLargeForSixtyFourBits) {
  // nlohmann parses these as doubles; they must not wrap or be truncated.
  const std::string base = SerializeState(SampleState());
  for (const char* big : {"18446744073709551616", "99999999999999999999999", "1e999"}) {
    SCOPED_TRACE(big);
    std::string text = base;
    const std::string field = "\"size\":10485760";
    text.replace(text.find(field), field.size(), std::string("\"size\":") + big);
    Rejection(text);
  }
}

TEST(ResumeStateReject, NotAnObject) {
  for (const char* text : {"[]", "\"haul-resume\"", "1", "null", "true", "[{\"format\":1}]"}) {
    EXPECT_NE(Rejection(text).find("not a JSON object"), std::string::npos) << text;
  }
}

TEST(ResumeStateReject, GarbageAndBinary) {
  const std::string nul_inside = std::string("{\"format\":\"haul-resume\"\0}", 25);
  for (const std::string& text :
       {std::string(), std::string("\n"), std::string("{"), std::string("}"),
        std::string("{}{}"), std::string("{} x"), std::string("\xEF\xBB\xBF"), nul_inside,
        std::string("{\"format\":\"haul-\xFF\"}"), std::string("{'format':'haul-resume'}")}) {
    SCOPED_TRACE(testing::PrintToString(text));
    Rejection(text);
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(rng() % 200, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    if (i % 2 == 0 && !bytes.empty()) bytes[0] = '{';
    EXPECT_FALSE(ParseState(bytes, nullptr).has_value());
  }
}

TEST(ResumeStateReject, EveryTruncation) {
  const std::string text = SerializeState(SampleState());
  // Dropping just the newline still leaves a valid document.
  ASSERT_TRUE(ParseState(text.substr(0, text.size() - 1), nullptr).has_value());
  for (std::size_t n = 0; n + 1 < text.size(); ++n) {
    EXPECT_FALSE(ParseState(text.substr(0, n), nullptr).has_value()) << n;
  }
}

TEST(ResumeStateReject, DeepNestingIsRejectedBeforeParsing) {
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  EXPECT_EQ(Rejection(deep), "nested too deeply");
  EXPECT_EQ(Rejection(std::string(kMaxStateFileBytes, '[')), "nested too deeply");
  EXPECT_EQ(Rejection("{\"format\":" + std::string(500'000, '{') + "}"), "nested too deeply");
  // One level too deep inside a range; brackets inside strings do not count.
  Json j = SampleJson();
  j["completed"][0] = Json::parse("[[0],5]");
  EXPECT_EQ(Rejection(j.dump()), "nested too deeply");
  j = SampleJson();
  j["etag"] = "[[[[{{{{\\\"]]]]";
  const std::optional<ResumeState> parsed = ParseState(j.dump(), nullptr);
  ASSERT_TRUE(parsed.has_value()) << j.dump();
  EXPECT_EQ(parsed->etag, "[[[[{{{{\\\"]]]]");
}

/// The invariants ResumeState promises, checked on a parsed result.
void ExpectValid(const ResumeState& s) {
  EXPECT_FALSE(s.urls.empty());
  EXPECT_LE(s.size, kMaxStateSize);
  EXPECT_GT(s.piece_size, 0u);
  std::uint64_t prev_end = 0;
  for (std::size_t i = 0; i < s.completed.size(); ++i) {
    const StateRange& r = s.completed[i];
    EXPECT_LT(r.begin, r.end);
    EXPECT_LE(r.end, s.size);
    if (i > 0) {
      EXPECT_GT(r.begin, prev_end) << "overlapping or adjacent";
    }
    prev_end = r.end;
  }
}

TEST(ResumeStateReject, MutatedBytesParseOnlyIntoValidStates) {
  // Flip, drop or duplicate bytes of a valid file: the result is either
  // rejected or a state that still meets every invariant.
  const std::string text = SerializeState(SampleState());
  std::mt19937 rng(11);
  int accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string t = text;
    const std::size_t at = rng() % t.size();
    switch (rng() % 3) {
      case 0: t[at] = static_cast<char>(rng()); break;
      case 1: t.erase(at, 1); break;
      default: t.insert(at, 1, t[at]); break;
    }
    if (const std::optional<ResumeState> s = ParseState(t, nullptr)) {
      ++accepted;
      ExpectValid(*s);
    }
  }
  EXPECT_GT(accepted, 0);  // digits and string bytes may change harmlessly
}

// ---------------------------------------------------------------------------
// Files.

using test_files::ReadFile;
using test_files::TempDir;
using test_files::WriteFile;

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

class ResumeStateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty()) << "mkdtemp failed";
    path_ = dir_.Sub("x.iso.haul");
    tmp_ = path_ + ".tmp";
  }
  TempDir dir_;
  std::string path_;
  std::string tmp_;
};

TEST_F(ResumeStateFileTest, SaveThenLoad) {
  ASSERT_TRUE(SaveState(path_, SampleState()).ok());
  EXPECT_EQ(ReadFile(path_), SerializeState(SampleState()));
  EXPECT_FALSE(Exists(tmp_));
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));

  const LoadedState loaded = LoadState(path_);
  EXPECT_EQ(loaded.outcome, LoadOutcome::kLoaded);
  EXPECT_EQ(loaded.state, SampleState());
  EXPECT_TRUE(loaded.why.empty());
}

TEST_F(ResumeStateFileTest, SaveReplacesTheOldStateAndAStaleTmp) {
  ASSERT_TRUE(SaveState(path_, SampleState()).ok());
  WriteFile(tmp_, "left over by a crash, longer than the new content will be ...............");
  ResumeState next = SampleState();
  next.completed = {{0, 10'485'760}};
  ASSERT_TRUE(SaveState(path_, next).ok());
  EXPECT_FALSE(Exists(tmp_));
  EXPECT_EQ(LoadState(path_).state, next);
}

TEST_F(ResumeStateFileTest, OpenFailureKeepsTheOldState) {
  ASSERT_TRUE(SaveState(path_, SampleState()).ok());
  const std::string before = ReadFile(path_);
  ASSERT_TRUE(fs::create_directory(tmp_));  // open(O_WRONLY) of a directory fails
  ResumeState next = SampleState();
  next.completed.clear();
  const Status s = SaveState(path_, next);
  EXPECT_EQ(s.error_class(), ErrorClass::kIo);
  EXPECT_EQ(s.message(), "cannot save resume state " + path_ + ": Is a directory");
  EXPECT_EQ(ReadFile(path_), before);
  EXPECT_TRUE(fs::is_directory(tmp_));  // not ours: left alone
}

TEST_F(ResumeStateFileTest, WriteFailureKeepsTheOldStateAndRemovesTheTmp) {
  if (!Exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  ASSERT_TRUE(SaveState(path_, SampleState()).ok());
  const std::string before = ReadFile(path_);
  // open() follows the symlink; every write to /dev/full fails with ENOSPC.
  ASSERT_EQ(::symlink("/dev/full", tmp_.c_str()), 0);
  const Status s = SaveState(path_, SampleState());
  EXPECT_EQ(s.error_class(), ErrorClass::kIo);
  EXPECT_EQ(s.message(), "cannot save resume state " + path_ + ": No space left on device");
  EXPECT_EQ(ReadFile(path_), before);
  EXPECT_FALSE(Exists(tmp_));
}

TEST_F(ResumeStateFileTest, RenameFailureRemovesTheTmp) {
  // rename() cannot replace a non-empty directory.
  ASSERT_TRUE(fs::create_directories(path_ + "/inside"));
  const Status s = SaveState(path_, SampleState());
  EXPECT_EQ(s.error_class(), ErrorClass::kIo);
  EXPECT_EQ(s.message().rfind("cannot save resume state " + path_ + ": ", 0), 0u) << s.message();
  EXPECT_FALSE(Exists(tmp_));
  EXPECT_TRUE(fs::is_directory(path_ + "/inside"));
}

TEST_F(ResumeStateFileTest, MissingDirectoryFails) {
  const std::string path = dir_.Sub("no/such/dir/x.haul");
  const Status s = SaveState(path, SampleState());
  EXPECT_EQ(s.error_class(), ErrorClass::kIo);
  EXPECT_EQ(s.message(), "cannot save resume state " + path + ": No such file or directory");
}

TEST_F(ResumeStateFileTest, ReadOnlyDirectoryKeepsTheOldState) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes to read-only directories";
  ASSERT_TRUE(SaveState(path_, SampleState()).ok());
  const std::string before = ReadFile(path_);
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0555), 0);
  const Status s = SaveState(path_, SampleState());
  ::chmod(dir_.path().c_str(), 0755);
  EXPECT_EQ(s.error_class(), ErrorClass::kIo);
  EXPECT_EQ(s.message(), "cannot save resume state " + path_ + ": Permission denied");
  EXPECT_EQ(ReadFile(path_), before);
}

TEST_F(ResumeStateFileTest, InvalidStateIsNotWritten) {
  ResumeState bad = SampleState();
  bad.completed = {{5, 3}};
  const Status s = SaveState(path_, bad);
  EXPECT_EQ(s.error_class(), ErrorClass::kInternal);
  EXPECT_NE(s.message().find("is empty or reversed"), std::string::npos) << s.message();
  EXPECT_FALSE(Exists(path_));
  EXPECT_FALSE(Exists(tmp_));
  bad = SampleState();
  bad.urls.clear();
  EXPECT_EQ(SaveState(path_, bad).error_class(), ErrorClass::kInternal);
}

TEST_F(ResumeStateFileTest, LoadMissingIsMissing) {
  const LoadedState loaded = LoadState(path_);
  EXPECT_EQ(loaded.outcome, LoadOutcome::kMissing);
  EXPECT_TRUE(loaded.why.empty());
}

TEST_F(ResumeStateFileTest, LoadCorruptSaysWhereAndWhy) {
  WriteFile(path_, "{\"format\":\"haul-resume\",\"version\":1}");
  LoadedState loaded = LoadState(path_);
  EXPECT_EQ(loaded.outcome, LoadOutcome::kCorrupt);
  EXPECT_EQ(loaded.why, path_ + ": \"urls\" is missing");

  WriteFile(path_, "");
  loaded = LoadState(path_);
  EXPECT_EQ(loaded.outcome, LoadOutcome::kCorrupt);
  EXPECT_EQ(loaded.why, path_ + ": not valid JSON");

  WriteFile(path_, std::string("\x00\x01\x02\xff", 4));
  EXPECT_EQ(LoadState(path_).outcome, LoadOutcome::kCorrupt);
}

TEST_F(ResumeStateFileTest, LoadOfADirectoryOrFifoIsCorrupt) {
  ASSERT_TRUE(fs::create_directory(path_));
  LoadedState loaded = LoadState(path_);
  EXPECT_EQ(loaded.outcome, LoadOutcome::kCorrupt);
  EXPECT_EQ(loaded.why, path_ + " is not a regular file");

  const std::string fifo = dir_.Sub("fifo.haul");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  loaded = LoadState(fifo);  // must not block waiting for a writer
  EXPECT_EQ(loaded.outcome, LoadOutcome::kCorrupt);
  EXPECT_EQ(loaded.why, fifo + " is not a regular file");
}

TEST_F(ResumeStateFileTest, LoadIsBoundedInSize) {
  // Trailing whitespace is valid JSON, so size alone decides.
  std::string text = SerializeState(SampleState());
  text.resize(kMaxStateFileBytes, ' ');
  WriteFile(path_, text);
  EXPECT_EQ(LoadState(path_).outcome, LoadOutcome::kLoaded);

  text.push_back(' ');
  WriteFile(path_, text);
  const LoadedState loaded = LoadState(path_);
  EXPECT_EQ(loaded.outcome, LoadOutcome::kCorrupt);
  EXPECT_EQ(loaded.why, path_ + " is larger than 16777216 bytes");
}

TEST_F(ResumeStateFileTest, RemoveDeletesStateAndTmp) {
  ASSERT_TRUE(SaveState(path_, SampleState()).ok());
  WriteFile(tmp_, "partial");
  RemoveState(path_);
  EXPECT_FALSE(Exists(path_));
  EXPECT_FALSE(Exists(tmp_));
  RemoveState(path_);  // nothing left: still fine
  EXPECT_EQ(LoadState(path_).outcome, LoadOutcome::kMissing);
}

TEST(ResumeStateMatches, NeedsTheUrlAndTheSize) {
  const ResumeState s = SampleState();
  EXPECT_TRUE(StateMatches(s, "https://a.example/x.iso", 10'485'760));
  EXPECT_TRUE(StateMatches(s, s.urls[1], 10'485'760));
  EXPECT_FALSE(StateMatches(s, "https://a.example/x.iso", 10'485'761));
  EXPECT_FALSE(StateMatches(s, "https://a.example/X.iso", 10'485'760));
  EXPECT_FALSE(StateMatches(s, "", 10'485'760));
}

}  // namespace
}  // namespace haul::storage
