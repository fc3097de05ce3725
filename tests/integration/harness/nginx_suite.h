// A GoogleTest fixture whose test suite shares one NginxServer, started in
// SetUpTestSuite, plus a fresh working directory for each test.
//
//   class DownloadTest : public haul_it::NginxSuite<DownloadTest> {
//    public:
//     static haul_it::NginxOptions ServerOptions() { return {}; }
//   };
//
// When nginx cannot start, every test of the suite fails with the reason.
//
// Thread safety: GoogleTest runs a suite's tests on one thread.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <memory>
#include <string>

#include "harness/files.h"
#include "harness/nginx_server.h"
#include "harness/process.h"

namespace haul_it {

/// CRTP base: Derived provides `static NginxOptions ServerOptions()`.
template <typename Derived>
class NginxSuite : public testing::Test {
 public:
  static void SetUpTestSuite() {
    try {
      server_ = std::make_unique<NginxServer>(Derived::ServerOptions());
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() { server_.reset(); }

 protected:
  void SetUp() override { ASSERT_TRUE(server_) << "nginx: " << start_error_; }

  NginxServer& server() { return *server_; }
  /// The server's URL for `path`.
  std::string Url(const std::string& path) const { return server_->Url(path); }
  /// The served copy of `path`.
  std::filesystem::path Served(const std::string& path) const {
    return server_->docroot() / path;
  }
  /// Runs haul in this test's working directory.
  ProcessResult Haul(const std::vector<std::string>& args,
                     const std::string& stdin_data = {}) const {
    return RunHaul(args, work_.path(), stdin_data);
  }

  /// Runs haul in the work directory with `env` changes (RunOptions::env).
  ProcessResult HaulEnv(const std::vector<std::string>& args,
                        const std::vector<std::string>& env) const {
    RunOptions options;
    options.cwd = work_.path();
    options.env = env;
    return RunHaulWith(args, options);
  }

  TempDir work_{"haul-it-work-"};  ///< the cwd of every haul run of this test

 private:
  static inline std::unique_ptr<NginxServer> server_;
  static inline std::string start_error_;
};

}  // namespace haul_it
