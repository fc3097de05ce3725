# shellcheck shell=bash
# Background helpers for bench/run.sh's cases (d), (e) and (f): the latency
# proxy, the fault server, and what is read from them (and from nginx's log,
# for (d) and (h)). Sourced after
# bench/lib.sh, with $root and $work set. Every wait is bounded, and only
# the pids started here are signalled.
#
#   proxy_start ARGS...         haul_latency_proxy ARGS --log-connections;
#                               sets PROXY_PID, PROXY_PORT
#   proxy_stop
#   proxy_log_size / proxy_connections_since OFFSET
#                               connections the proxy accepted (bench_conn_*)
#   fault_server_start [PORT]   sets FAULT_PID, FAULT_PORT
#   fault_server_restart        stop, then start again on the same port
#   fault_server_stop
#   bench_stop_all              stops whichever of them still runs

# shellcheck disable=SC2034  # PROXY_PORT and FAULT_PORT are read by run.sh
PROXY_PID="" PROXY_PORT="" FAULT_PID="" FAULT_PORT=""
proxy_bin=${HAUL_LATENCY_PROXY:-$root/build/release/bench/latency_proxy/haul_latency_proxy}
fault_bin=${HAUL_FAULT_SERVER:-$root/build/release/tests/fault_server/haul_fault_server}

# ensure_built TARGET BINARY: builds the release preset's TARGET if BINARY is
# missing (say, after --no-setup); true when BINARY is there afterwards.
ensure_built() {
  [[ -x $2 ]] && return 0
  echo "bench: building $1" >&2
  cmake --build --preset release --target "$1" >&2 || true
  [[ -x $2 ]]
}

# bg_spawn OUT COMMAND...: starts COMMAND with stdout to OUT and waits (at
# most 5 s) for its "PORT <n>" line. Sets BG_PID and BG_PORT; false if no
# port came (the process is then stopped).
bg_spawn() {
  local out=$1 i
  shift
  : >"$out"
  "$@" >"$out" 2>"$out.err" </dev/null &
  BG_PID=$!
  BG_PORT=""
  for ((i = 0; i < 250; i++)); do  # at most 5 s
    BG_PORT=$(awk '$1 == "PORT" { print $2; exit }' "$out")
    [[ -n $BG_PORT ]] && return 0
    kill -0 "$BG_PID" 2>/dev/null || break
    sleep 0.02
  done
  echo "bench: $1 did not start: $(head -c 300 "$out.err")" >&2
  bg_stop "$BG_PID"
  return 1
}

# bg_stop PID: SIGTERM, at most 5 s, then SIGKILL; reaps it.
bg_stop() {
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do  # at most 5 s
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

proxy_start() {
  bg_spawn "$work/proxy.out" "$proxy_bin" --log-connections "$@" || return 1
  PROXY_PID=$BG_PID PROXY_PORT=$BG_PORT
}

proxy_stop() {
  bg_stop "$PROXY_PID"
  # shellcheck disable=SC2034  # PROXY_PORT is read by run.sh
  PROXY_PID="" PROXY_PORT=""
}

proxy_log_size() {
  stat -c %s "$work/proxy.out" 2>/dev/null || echo 0
}

proxy_connections_since() {
  tail -c +"$(($1 + 1))" "$work/proxy.out" | grep -c '^CONN ' || true
}

fault_server_start() {
  local port=${1:-0}
  bg_spawn "$work/fault.out" "$fault_bin" --port "$port" || return 1
  FAULT_PID=$BG_PID FAULT_PORT=$BG_PORT
}

# A fresh server for every run: its per-path request counters (which pick
# the request that stalls) start again from 0, and connections the last
# tool left stalled are closed.
fault_server_restart() {
  bg_stop "$FAULT_PID"
  fault_server_start "$FAULT_PORT"
}

fault_server_stop() {
  bg_stop "$FAULT_PID"
  FAULT_PID=""
}

bench_stop_all() {
  proxy_stop
  fault_server_stop
}

# origin_note OFFSET TOOL: for case (d), how much of a mirror run came from
# the slow origin ($NGINX_PORT2), from nginx's access log (the last field is
# $server_port). Prints nothing for runs that were not given the mirror.
origin_note() {
  [[ $2 == *+mirror* ]] || return 0
  tail -c +"$(($1 + 1))" "$NGINX_DIR/access.log" | awk -v slow="$NGINX_PORT2" '
    { bytes[$NF == slow] += $4; if (!(($NF == slow, $1) in seen)) { seen[$NF == slow, $1] = 1; conns[$NF == slow]++ } }
    END { total = bytes[0] + bytes[1]
          printf "slow mirror sent %.0f%% of the bytes on %d of %d connections",
                 total ? 100 * bytes[1] / total : 0, conns[1], conns[0] + conns[1] }'
}

# request_note OFFSET TOOL: for case (h), the requests nginx served since
# OFFSET and their mean size. nginx's limit_rate with sendfile_max_chunk
# sends each response's first chunk (256 KiB) at once and only then waits,
# so a tool asking for many small ranges gets more than the cap per
# connection; this says how far that went.
request_note() {
  tail -c +"$(($1 + 1))" "$NGINX_DIR/access.log" | awk '
    { n++; bytes += $4 }
    END { printf "%d request(s), %.2f MiB each on average", n, n ? bytes / n / 1048576 : 0 }'
}

# stall_note OFFSET TOOL: for case (e)'s +stall runs, from the fault
# server's counters for /e.bin: which range the stalled request (number
# $stall_request) asked for. Fails, making the run "invalid", when that
# request asked for no more than $stall_after bytes: it then never stalled.
stall_note() {
  [[ $2 == *+stall* ]] || return 0
  local stats
  stats=$(curl -sS --max-time 5 "http://127.0.0.1:$FAULT_PORT/_stats/e.bin") || {
    echo "fault server counters unavailable"
    return 0
  }
  python3 - "$stats" "$size_e" "$stall_after" "$stall_request" <<'PY'
import json, sys
stats, size, stall_after, number = json.loads(sys.argv[1]), *map(int, sys.argv[2:])
ranges = stats.get("ranges", [])
if len(ranges) <= number:
    print(f"no stall: only {len(ranges)} requests")
    sys.exit(1)
spec = ranges[number]
first, _, last = spec.partition("-")
if not spec:
    length = size
elif not first:
    length = int(last)
else:
    length = (int(last) + 1 if last else size) - int(first)
if length <= stall_after:
    print(f"no stall: request {number} was bytes={spec}, not longer than {stall_after} bytes")
    sys.exit(1)
print(f"request {number} (bytes={spec or '0-'}) stalled after {stall_after >> 20} MiB; "
      f"{len(ranges)} requests")
PY
}

# best_seconds URL CACERT: the fastest of 3 curl fetches of URL (time_total).
best_seconds() {
  local i t best=""
  for ((i = 0; i < 3; i++)); do
    t=$(curl -sS --max-time 30 --cacert "$2" -o /dev/null -w '%{time_total}' "$1") || return 1
    best=$(awk -v a="$t" -v b="${best:-$t}" 'BEGIN { print (a < b ? a : b) }')
  done
  echo "$best"
}

# latency_check DIRECT_URL PROXIED_URL CACERT DELAY_MS: the proxy's own
# self-check, then one HTTPS fetch through it: it must verify the
# certificate and take at least 4 x delay longer than direct (a new
# connection's emulated handshake and one request round trip; TLS adds
# more). Prints what it measured; false when anything fails.
latency_check() {
  local direct proxied
  "$proxy_bin" --self-check --delay-ms "$4" | sed 's/^/  /' >&2 || return 1
  if ! direct=$(best_seconds "$1" "$3") || ! proxied=$(best_seconds "$2" "$3"); then
    echo "  latency check: an HTTPS fetch (direct or through the proxy) failed" >&2
    return 1
  fi
  awk -v d="$direct" -v p="$proxied" -v ms="$4" 'BEGIN {
    ok = (p - d) * 1000 >= 4 * ms
    printf "  latency check: one HTTPS fetch, direct %.1f ms, through the proxy %.1f ms (+%.1f ms, need >= +%d ms): %s\n",
           d * 1000, p * 1000, (p - d) * 1000, 4 * ms, ok ? "ok" : "FAILED"
    exit !ok }' >&2
}
