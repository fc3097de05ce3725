// Tests for src/cli/list_source.h: reading a list through poll(2), and
// ending a read that waits for input.
#include "cli/list_source.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <string>
#include <thread>

namespace haul::cli {
namespace {

namespace fs = std::filesystem;

/// A pipe whose ends close when it dies (unless closed earlier).
struct Pipe {
  Pipe() { EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0); }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  void CloseRead() {
    if (fds[0] >= 0) close(fds[0]);
    fds[0] = -1;
  }
  void CloseWrite() {
    if (fds[1] >= 0) close(fds[1]);
    fds[1] = -1;
  }
  void Write(const std::string& text) {
    ASSERT_EQ(write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  int fds[2] = {-1, -1};
};

TEST(InterruptibleReader, ReadsLinesUntilTheWriterCloses) {
  Pipe p;
  InterruptibleReader reader(p.fds[0]);
  std::istream in(&reader);
  p.Write("first\nsecond\n");
  p.CloseWrite();
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, "first");
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, "second");
  EXPECT_FALSE(std::getline(in, line));
  EXPECT_EQ(reader.read_error(), 0);
}

TEST(InterruptibleReader, InterruptEndsAReadThatWaitsForInput) {
  Pipe p;  // the write end stays open: without Interrupt, getline waits forever
  InterruptibleReader reader(p.fds[0]);
  ASSERT_TRUE(reader.interruptible());
  std::istream in(&reader);
  p.Write("ready\n");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, "ready");

  auto blocked = std::async(std::launch::async, [&] {
    std::string next;
    return static_cast<bool>(std::getline(in, next));
  });
  // Whether Interrupt lands before or during the wait, the read must end;
  // the pause makes "during" the likely case.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  reader.Interrupt();
  if (blocked.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    p.CloseWrite();  // unblock the reader so the test can end
    blocked.wait();
    FAIL() << "Interrupt did not end the waiting read";
  }
  EXPECT_FALSE(blocked.get());
  // Later reads see the end too, even when input arrives.
  p.Write("late\n");
  EXPECT_FALSE(std::getline(in, line));
}

TEST(InterruptibleReader, AFailedReadEndsTheInputWithItsErrno) {
  const fs::path path = fs::temp_directory_path() / ("haul-list-source-" +
                                                      std::to_string(getpid()));
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  InterruptibleReader reader(fd);  // read(2) on a write-only fd: EBADF
  std::istream in(&reader);
  std::string line;
  EXPECT_FALSE(std::getline(in, line));
  EXPECT_EQ(reader.read_error(), EBADF);
  close(fd);
  fs::remove(path);
}

TEST(ListSource, MissingFileIsAUsageErrorNamingIt) {
  ListSource source;
  const Status s = source.Open("/nonexistent/haul/list.txt");
  EXPECT_EQ(s.error_class(), ErrorClass::kUsage);
  EXPECT_NE(s.message().find("/nonexistent/haul/list.txt"), std::string::npos) << s.message();
}

TEST(ListSource, DirectoryIsAUsageError) {
  ListSource source;
  const Status s = source.Open(fs::temp_directory_path().string());
  EXPECT_EQ(s.error_class(), ErrorClass::kUsage);
  EXPECT_NE(s.message().find("Is a directory"), std::string::npos) << s.message();
}

TEST(ListSource, ReadsAFileAndNamesIt) {
  const fs::path path = fs::temp_directory_path() / ("haul-list-source-file-" +
                                                      std::to_string(getpid()));
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("http://127.0.0.1/a\n", f);
    std::fclose(f);
  }
  ListSource source;
  ASSERT_TRUE(source.Open(path.string()).ok());
  EXPECT_EQ(source.name(), path.string());
  std::string line;
  ASSERT_TRUE(std::getline(source.stream(), line));
  EXPECT_EQ(line, "http://127.0.0.1/a");
  EXPECT_FALSE(std::getline(source.stream(), line));
  EXPECT_TRUE(source.ReadStatus().ok());
  fs::remove(path);
}

}  // namespace
}  // namespace haul::cli
