// haul_latency_proxy --self-check: runs a proxy in front of an in-process
// echo server and checks the three things the benchmarks rely on. Thread
// safety: call once, from main().
#pragma once

#include "proxy.h"

namespace haul_bench {

/// Checks, printing one line each, that through a proxy shaped like
/// `options` (its target is ignored):
///  1. connect + one 1-byte request/response through it takes at least the
///     model's extra time (proxy.h: 4 x delay, or 2 x delay without the
///     handshake), and not much more than that above the direct time;
///  2. 16 MiB echoed through it arrive intact, in far less time than a
///     proxy that slept `delay` per read would need (the delay is a queue,
///     not a throughput cap);
///  3. half-closes pass both ways: the client's shutdown(SHUT_WR) reaches
///     the echo server, whose own shutdown then reaches the client as EOF.
/// Returns the process exit code: 0 when all pass, 1 otherwise.
int RunSelfCheck(const ProxyOptions& options);

}  // namespace haul_bench
