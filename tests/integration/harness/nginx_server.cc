#include "harness/nginx_server.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "harness/net.h"
#include "harness/process.h"

namespace haul_it {
namespace fs = std::filesystem;

namespace {

constexpr int kStartAttempts = 3;  // each with a new port, in case one was taken
constexpr auto kStartTimeout = std::chrono::seconds(5);
constexpr auto kStopGrace = std::chrono::seconds(5);

std::string NginxBinary() {
  return FindTool("HAUL_TEST_NGINX", "/usr/sbin/nginx", "nginx");
}

/// The http block's fixed part: log format, temp paths and MIME types.
std::string HttpPreamble(const fs::path& dir) {
  const std::string d = dir.string();
  std::string s;
  s += "  log_format haul_it '$connection $connection_requests $status $body_bytes_sent "
       "\"$request\" \"$http_range\"';\n";
  s += "  access_log " + d + "/access.log haul_it;\n";
  for (const char* kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    s += std::string("  ") + kind + "_temp_path " + d + "/tmp/" + kind + ";\n";
  }
  s += "  types { text/html html; text/plain txt; }\n";
  s += "  default_type application/octet-stream;\n";
  s += "  sendfile on;\n  keepalive_requests 100000;\n  keepalive_timeout 60s;\n";
  return s;
}

}  // namespace

NginxServer::NginxServer(NginxOptions options) : options_(std::move(options)) {
  fs::create_directories(docroot());
  fs::create_directories(dir_.path() / "tmp");
  if (options_.tls) GenerateCertificate();
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    port_ = FreePort();
    WriteConfig();
    if (TryStart()) return;
  }
  throw std::runtime_error("nginx did not start; error log:\n" +
                           ReadFileIfExists(error_log()) + ReadFileIfExists(dir_.path() / "nginx.out"));
}

NginxServer::~NginxServer() { StopProcess(pid_, kStopGrace); }

std::string NginxServer::base_url() const {
  return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" +
         std::to_string(port_);
}

std::uint64_t NginxServer::AccessLogSize() const {
  std::error_code ec;
  const auto size = fs::file_size(access_log(), ec);
  return ec ? 0 : static_cast<std::uint64_t>(size);
}

void NginxServer::GenerateCertificate() {
  const std::string d = dir_.path().string();
  RunOptions run;
  run.timeout = std::chrono::seconds(60);
  const ProcessResult r = RunProcess(
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
       "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", d + "/key.pem",
       "-out", d + "/cert.pem"},
      run);
  if (r.exit_code != 0) throw std::runtime_error("openssl req failed: " + Describe(r));
}

void NginxServer::WriteConfig() const {
  const std::string d = dir_.path().string();
  std::string listen = "127.0.0.1:" + std::to_string(port_);
  std::string conf;
  conf += "daemon off;\nmaster_process off;\nworker_processes 1;\n";
  conf += "pid " + d + "/nginx.pid;\nerror_log " + d + "/error.log info;\n";
  conf += "events { worker_connections 1024; }\n";
  conf += "http {\n" + HttpPreamble(dir_.path()) + options_.http_extra + "\n";
  conf += "  server {\n";
  if (options_.tls) {
    conf += "    listen " + listen + " ssl http2;\n";
    conf += "    ssl_certificate " + d + "/cert.pem;\n";
    conf += "    ssl_certificate_key " + d + "/key.pem;\n";
  } else {
    conf += "    listen " + listen + ";\n";
  }
  conf += "    server_name localhost;\n    root " + docroot().string() + ";\n";
  conf += "    location / { }\n" + options_.server_extra + "\n  }\n}\n";
  WriteFile(dir_.path() / "nginx.conf", conf);
}

bool NginxServer::TryStart() {
  const std::string d = dir_.path().string();
  pid_ = SpawnBackground({NginxBinary(), "-p", d, "-e", d + "/error.log", "-c",
                          d + "/nginx.conf"},
                         dir_.path() / "nginx.out");
  if (AwaitListening(pid_, port_, kStartTimeout, kStopGrace)) return true;
  pid_ = -1;
  return false;
}

}  // namespace haul_it
