// A GoogleTest fixture whose test suite shares one FaultServer (the
// fault-injecting server of tests/fault_server), started in SetUpTestSuite,
// plus a fresh working directory for each test.
//
// Every test picks its own resource name, so the server's per-path counters
// (requests, bytes, ranges) belong to that test alone.
//
// Thread safety: GoogleTest runs a suite's tests on one thread.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "harness/fault_server.h"
#include "harness/files.h"
#include "harness/process.h"

namespace haul_it {

class FaultSuite : public testing::Test {
 public:
  static void SetUpTestSuite() {
    try {
      server_ = std::make_unique<FaultServer>();
      server_->Start();
    } catch (const std::exception& e) {
      server_.reset();
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() { server_.reset(); }

 protected:
  void SetUp() override { ASSERT_TRUE(server_) << "fault server: " << start_error_; }

  FaultServer& server() { return *server_; }
  std::string Url(std::string_view name, std::string_view query = "") const {
    return server_->Url(name, query);
  }
  ProcessResult Haul(const std::vector<std::string>& args) const {
    return RunHaul(args, work_.path());
  }
  /// True when `path` holds exactly the server's bytes for `size` (version 0
  /// unless given); the message says where the first difference is.
  static testing::AssertionResult HasContent(const std::filesystem::path& path,
                                             std::uint64_t size, std::uint64_t version = 0) {
    return HasServedContent(path, size, version);
  }

  TempDir work_{"haul-it-work-"};  ///< the cwd of every haul run of this test

 private:
  static inline std::unique_ptr<FaultServer> server_;
  static inline std::string start_error_;
};

}  // namespace haul_it
