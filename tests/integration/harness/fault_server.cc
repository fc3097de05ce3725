// Starting, stopping and querying haul_fault_server for the tests, and a raw
// one-shot HTTP exchange. Thread safety: see fault_server.h.
#include "harness/fault_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "harness/process.h"

namespace haul_it {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kStartTimeout = std::chrono::seconds(5);
constexpr auto kStopGrace = std::chrono::seconds(5);
constexpr std::string_view kPortLine = "PORT ";

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

/// A connected TCP socket to 127.0.0.1:port that closes itself.
class Connection {
 public:
  explicit Connection(std::uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    }
  }
  ~Connection() {
    if (fd_ >= 0) close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

/// Receives until EOF, an error or the deadline.
void ReceiveAll(int fd, Clock::time_point deadline, RawReply* reply) {
  for (;;) {  // bounded by the deadline
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      reply->timed_out = true;
      return;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 100))) <= 0) continue;
    char buf[65536];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      reply->data.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      reply->reset = n < 0 && errno == ECONNRESET;
      return;
    }
  }
}

/// The unsigned number after "key": in `json`.
std::optional<std::uint64_t> JsonNumber(std::string_view json, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":";
  const size_t at = json.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  std::uint64_t value = 0;
  size_t i = at + needle.size();
  const size_t start = i;
  for (; i < json.size() && json[i] >= '0' && json[i] <= '9'; ++i) {
    value = value * 10 + static_cast<std::uint64_t>(json[i] - '0');
  }
  if (i == start) return std::nullopt;
  return value;
}

/// Reads one JSON string starting at json[*i] == '"'; the server escapes
/// only '"', '\\' and control bytes (\u00XX).
std::optional<std::string> JsonString(std::string_view json, size_t* i) {
  std::string out;
  for (size_t j = *i + 1; j < json.size(); ++j) {
    if (json[j] == '"') {
      *i = j + 1;
      return out;
    }
    if (json[j] != '\\') {
      out += json[j];
    } else if (j + 1 < json.size() && json[j + 1] == 'u' && j + 5 < json.size()) {
      out += static_cast<char>(std::stoi(std::string(json.substr(j + 2, 4)), nullptr, 16));
      j += 5;
    } else if (j + 1 < json.size()) {
      out += json[++j];
    }
  }
  return std::nullopt;
}

/// The array of strings after "key":[ in `json`.
std::optional<std::vector<std::string>> JsonStrings(std::string_view json, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":[";
  const size_t at = json.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  std::vector<std::string> out;
  // Each pass consumes at least one character.
  for (size_t i = at + needle.size(); i < json.size();) {
    if (json[i] == ']') return out;
    if (json[i] == ',') {
      ++i;
      continue;
    }
    std::optional<std::string> s = json[i] == '"' ? JsonString(json, &i) : std::nullopt;
    if (!s) return std::nullopt;
    out.push_back(std::move(*s));
  }
  return std::nullopt;
}

}  // namespace

RawReply RawHttpExchange(std::uint16_t port, std::string_view request,
                         std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  Connection c(port);
  RawReply reply;
  while (!request.empty()) {  // each pass sends at least a byte or returns
    const ssize_t n = send(c.fd(), request.data(), request.size(), MSG_NOSIGNAL);
    if (n <= 0) break;  // the server closed early; read what it said
    request.remove_prefix(static_cast<size_t>(n));
  }
  ReceiveAll(c.fd(), start + timeout, &reply);
  reply.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return reply;
}

std::string FaultServerBinary() {
  if (const char* env = std::getenv("HAUL_FAULT_SERVER"); env != nullptr && *env != '\0') {
    return env;
  }
#ifdef HAUL_FAULT_SERVER_PATH
  return HAUL_FAULT_SERVER_PATH;
#else
  return "haul_fault_server";
#endif
}

FaultServer::~FaultServer() { Stop(); }

void FaultServer::Start() {
  if (running()) throw std::logic_error("FaultServer::Start: already running");
  dir_ = std::make_unique<TempDir>("haul-fault-");
  pid_ = SpawnBackground({FaultServerBinary(), "--port", "0"}, dir_->path() / "server.log");
  if (WaitForPort()) return;
  Stop();
  throw std::runtime_error("haul_fault_server did not start; its log:\n" + log());
}

int FaultServer::Stop() {
  if (pid_ <= 0) return -1;
  const pid_t pid = std::exchange(pid_, -1);
  kill(pid, SIGTERM);
  int status = 0;
  if (!WaitForExitStatus(pid, kStopGrace, &status)) {
    kill(pid, SIGKILL);
    WaitForExitStatus(pid, std::chrono::seconds(10), &status);
  }
  return ExitCode(status);
}

std::string FaultServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string FaultServer::Url(std::string_view name, std::string_view query) const {
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  std::string url = base_url() + "/" + std::string(name);
  if (!query.empty()) url += "?" + std::string(query);
  return url;
}

FaultStats FaultServer::Stats(std::string_view name) const {
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  const RawReply reply =
      RawHttpExchange(port_, "GET /_stats/" + std::string(name) +
                                 " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  const size_t body = reply.data.find("\r\n\r\n");
  const std::string_view json = body == std::string::npos
                                    ? std::string_view()
                                    : std::string_view(reply.data).substr(body + 4);
  const auto requests = JsonNumber(json, "requests");
  const auto bytes = JsonNumber(json, "bytes");
  auto ranges = JsonStrings(json, "ranges");
  if (reply.data.rfind("HTTP/1.1 200 ", 0) != 0 || !requests || !bytes || !ranges) {
    throw std::runtime_error("bad /_stats answer: " + reply.data);
  }
  return {static_cast<int>(*requests), *bytes, std::move(*ranges)};
}

std::string FaultServer::log() const {
  if (!dir_) return {};
  std::error_code ec;
  const auto path = dir_->path() / "server.log";
  return std::filesystem::exists(path, ec) ? ReadFile(path) : std::string();
}

bool FaultServer::WaitForPort() {
  const auto deadline = Clock::now() + kStartTimeout;
  while (Clock::now() < deadline) {                         // bounded
    if (WaitForExit(pid_, std::chrono::milliseconds(0))) {  // it gave up
      pid_ = -1;
      return false;
    }
    const std::string text = log();
    const size_t at = text.find(kPortLine);
    const size_t end = at == std::string::npos ? at : text.find('\n', at);
    if (end != std::string::npos) {
      port_ = static_cast<std::uint16_t>(std::stoul(text.substr(at + kPortLine.size())));
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace haul_it
