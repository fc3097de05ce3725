#include "harness/tinyproxy.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "harness/net.h"
#include "harness/process.h"

namespace haul_it {
namespace fs = std::filesystem;

namespace {

constexpr int kStartAttempts = 3;  // each with a new port, in case one was taken
constexpr auto kStartTimeout = std::chrono::seconds(5);
// tinyproxy notices SIGTERM between its select() rounds, about once a second.
constexpr auto kStopGrace = std::chrono::seconds(5);

std::string TinyProxyBinary() {
  return FindTool("HAUL_TEST_TINYPROXY", "/usr/bin/tinyproxy", "tinyproxy");
}

}  // namespace

TinyProxy::TinyProxy() {
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    port_ = FreePort();
    WriteConfig();
    if (TryStart()) return;
  }
  throw std::runtime_error("tinyproxy did not start (scripts/setup.sh installs tinyproxy-bin); "
                           "its output:\n" + ReadFileIfExists(dir_.path() / "tinyproxy.out") +
                           Log());
}

TinyProxy::~TinyProxy() {
  if (pid_ > 0) StopProcess(pid_, kStopGrace);
}

std::string TinyProxy::Log() const { return ReadFileIfExists(dir_.path() / "tinyproxy.log"); }

void TinyProxy::WriteConfig() const {
  const std::string d = dir_.path().string();
  WriteFile(dir_.path() / "tinyproxy.conf",
            "Port " + std::to_string(port_) + "\n"
            "Listen 127.0.0.1\n"
            "Allow 127.0.0.1\n"
            "Timeout 60\n"
            "MaxClients 200\n"
            "LogFile \"" + d + "/tinyproxy.log\"\n"
            "LogLevel Info\n"
            "PidFile \"" + d + "/tinyproxy.pid\"\n");
}

bool TinyProxy::TryStart() {
  const fs::path conf = dir_.path() / "tinyproxy.conf";
  try {
    pid_ = SpawnBackground({TinyProxyBinary(), "-d", "-c", conf.string()},
                           dir_.path() / "tinyproxy.out");
  } catch (const std::runtime_error& e) {  // not installed: no point in retrying
    throw std::runtime_error(std::string(e.what()) +
                             " (scripts/setup.sh installs tinyproxy-bin)");
  }
  if (AwaitListening(pid_, port_, kStartTimeout, kStopGrace)) return true;
  pid_ = -1;
  return false;
}

}  // namespace haul_it
