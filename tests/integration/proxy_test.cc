// Proxies and the config file, end to end: downloads through a real forward
// proxy (tinyproxy) chosen by --proxy, by http_proxy, or by the config file,
// and what bypasses it (no_proxy, --noproxy, --proxy ''). nginx proves the
// route of every request: /viaproxy/ refuses one without the proxy's Via
// header, /direct/ one with it; tinyproxy's log names what it forwarded.
#include <gtest/gtest.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness/files.h"
#include "harness/nginx_suite.h"
#include "harness/process.h"
#include "harness/stats.h"
#include "harness/tinyproxy.h"

namespace haul_it {
namespace {

class ProxyTest : public NginxSuite<ProxyTest> {
 public:
  static NginxOptions ServerOptions() {
    NginxOptions options;
    options.server_extra =
        "location /viaproxy/ { if ($http_via = \"\") { return 403; } }\n"
        "location /direct/ { if ($http_via != \"\") { return 403; } }\n";
    return options;
  }
  static void SetUpTestSuite() {
    NginxSuite<ProxyTest>::SetUpTestSuite();
    try {
      proxy_ = std::make_unique<TinyProxy>();
    } catch (const std::exception& e) {
      proxy_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    proxy_.reset();
    NginxSuite<ProxyTest>::TearDownTestSuite();
  }

 protected:
  void SetUp() override {
    NginxSuite<ProxyTest>::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(proxy_) << "tinyproxy: " << proxy_error_;
  }

  /// Serves an 8 MiB file at `path` and checks the download of it: exit 0,
  /// byte-exact, and split (so range requests took the same route).
  void ExpectSplitDownload(const std::string& path, const ProcessResult& r) {
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    const std::string name = path.substr(path.rfind('/') + 1);
    EXPECT_TRUE(FilesEqual(Served(path.substr(1)), work_ / name));
    EXPECT_GT(StatInt(ParseStats(r.err), "requests").value_or(0), 1u)
        << "not split, so no range request took the route\n" << r.err;
  }

  std::string Serve(const std::string& path, std::uint64_t seed) {
    WriteRandomFile(Served(path.substr(1)), 8 * kMiB, seed);
    return Url(path);
  }

  static TinyProxy& proxy() { return *proxy_; }

 private:
  static inline std::unique_ptr<TinyProxy> proxy_;
  static inline std::string proxy_error_;
};

TEST_F(ProxyTest, ProxyOptionSendsEveryRequestThroughTheProxy) {
  const std::string url = Serve("/viaproxy/option.bin", 61);
  const ProcessResult r = Haul({"-x", "4", "--stats", "--proxy", proxy().url(), url});
  ExpectSplitDownload("/viaproxy/option.bin", r);
  EXPECT_NE(proxy().Log().find("GET " + url + " "), std::string::npos) << proxy().Log();
}

TEST_F(ProxyTest, WithoutAProxyViaProxyLocationRefuses) {
  // The check itself: a direct request to /viaproxy/ is refused.
  const std::string url = Serve("/viaproxy/direct.bin", 62);
  EXPECT_EQ(Haul({"-q", url}).exit_code, 6);
}

TEST_F(ProxyTest, HttpProxyVariableIsUsed) {
  const std::string url = Serve("/viaproxy/env.bin", 63);
  const ProcessResult r = HaulEnv({"-x", "4", "--stats", url}, {"http_proxy=" + proxy().url()});
  ExpectSplitDownload("/viaproxy/env.bin", r);
  EXPECT_NE(proxy().Log().find("GET " + url + " "), std::string::npos) << proxy().Log();
}

TEST_F(ProxyTest, NoProxyVariableBypassesTheProxy) {
  const std::string url = Serve("/direct/no-proxy-env.bin", 64);
  const ProcessResult r = HaulEnv({"-x", "4", "--stats", url},
                                  {"http_proxy=" + proxy().url(), "no_proxy=127.0.0.1"});
  ExpectSplitDownload("/direct/no-proxy-env.bin", r);
  EXPECT_EQ(proxy().Log().find(url), std::string::npos) << proxy().Log();
}

TEST_F(ProxyTest, NoproxyOptionAndEmptyProxyOptionBypassTheProxy) {
  const std::string url = Serve("/direct/noproxy-option.bin", 65);
  ExpectSplitDownload("/direct/noproxy-option.bin",
                      Haul({"-x", "4", "--stats", "--proxy", proxy().url(), "--noproxy",
                            "127.0.0.1", url}));
  std::filesystem::remove(work_ / "noproxy-option.bin");
  ExpectSplitDownload("/direct/noproxy-option.bin",
                      HaulEnv({"-x", "4", "--stats", "--proxy", "", url},
                              {"http_proxy=" + proxy().url()}));
  EXPECT_EQ(proxy().Log().find(url), std::string::npos) << proxy().Log();
}

TEST_F(ProxyTest, ProxyFromTheDefaultConfigFile) {
  // RunHaul points $XDG_CONFIG_HOME at work_/.config.
  WriteFile(work_ / ".config/haul/config", "# haul's config\nproxy = \"" + proxy().url() +
                                               "\"\nconnections = 4\nstats = true\n");
  const std::string url = Serve("/viaproxy/config.bin", 66);
  ExpectSplitDownload("/viaproxy/config.bin", Haul({url}));
  EXPECT_NE(proxy().Log().find("GET " + url + " "), std::string::npos) << proxy().Log();
}

TEST_F(ProxyTest, CommandLineProxyWinsOverTheConfigFile) {
  WriteFile(work_ / "haul.conf", "proxy = \"" + proxy().url() + "\"\nx = 4\n");
  const std::string url = Serve("/direct/config-overridden.bin", 67);
  ExpectSplitDownload("/direct/config-overridden.bin",
                      Haul({"--config", "haul.conf", "--proxy", "", "--stats", url}));
}

TEST_F(ProxyTest, ConfigFileErrorsAreOneUsageLine) {
  WriteFile(work_ / "bad.conf", "connections = 4\nsplit = 3\n");
  const ProcessResult unknown = Haul({"--config", "bad.conf", Url("/x")});
  EXPECT_EQ(unknown.exit_code, 2) << Describe(unknown);
  EXPECT_EQ(unknown.err, "haul: error: config file bad.conf: unknown option 'split'\n");
  const ProcessResult missing = Haul({"--config", "none.conf", Url("/x")});
  EXPECT_EQ(missing.exit_code, 2) << Describe(missing);
  EXPECT_EQ(missing.err, "haul: error: --config: cannot read none.conf\n");
}

}  // namespace
}  // namespace haul_it
