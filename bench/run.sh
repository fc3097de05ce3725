#!/usr/bin/env bash
# End-to-end scorecard: haul against aria2c, axel, wget2 and curl, all
# downloading from a local nginx on 127.0.0.1. A script, not a test: it
# measures and reports, and never fails because haul is slow.
#
#   bash bench/run.sh [--quick] [--reps N] [--cases LIST] [--out FILE] [--no-setup]
#
#   (a) one large file, each connection capped at 4 MiB/s, 16 connections
#       where the tool can split (curl: one)
#   (b) one very large file, unthrottled, to disk; cp is the local limit
#   (c) many 16 KiB files over HTTPS/HTTP2, 16 at a time
#   (d) mirrors: a fast origin (4 MiB/s per connection) alone, then with a
#       slow mirror (1 MiB/s per connection) on another port
#   (e) straggler: 8 connections at 4 MiB/s each, then the same with one
#       connection stalling mid-way (fault server behind the proxy)
#   (f) latency: (c)'s files (f1) and one of them (f2) through
#       haul_latency_proxy, 25 ms each way
#   (g) slow consumer: a large (g1) and a very large (g2) file to stdout,
#       read at 32 MiB/s (pv -L 32m); the tool's own peak RSS
#   (h) stdout into sha256sum: (a)'s capped file, haul -x 16 -o - | sha256sum
#       against haul -x 16 -o FILE (curl | sha256sum, one run, beside it)
#
# Per run: wall seconds, user+sys CPU seconds and peak RSS (/usr/bin/time),
# and the TCP connections opened, counted as distinct $connection values in
# nginx's access log since the run began ((e): connections the proxy
# accepted). Every run is killed after a time limit (600 s; (e): 120 s) and
# reported as a timeout. With --reps N each run is repeated and the fastest
# kept, except (g2) and (h)'s curl, which run once. In (g) and (h) the tool
# writes to a pipe and is timed alone, not its reader. --cases a,g,h runs
# only those cases (letters a-h; default all). Writes a markdown report to
# --out (default docs/benchmarks.md; with --quick, build/benchmarks-quick.md).
# $HAUL_BINARY overrides the haul binary (default build/release/haul),
# $HAUL_LATENCY_PROXY and $HAUL_FAULT_SERVER the helpers (default: built by
# the release preset).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
quick=0
reps=1
out=""
setup=1
cases=a,b,c,d,e,f,g,h
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --reps) reps=$2; shift ;;
    --out) out=$2; shift ;;
    --cases) cases=$2; shift ;;
    --no-setup) setup=0 ;;
    -h | --help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
cases=${cases// /}
if [[ ! $cases =~ ^[a-h](,[a-h])*$ ]]; then
  echo "run.sh: --cases takes letters a-h separated by commas, say --cases g,h" >&2
  exit 2
fi

# want CASE: true when CASE (a letter) is among --cases.
want() { [[ ,$cases, == *,$1,* ]]; }

if ((quick)); then
  size_a=$((32 << 20)) size_b=$((256 << 20)) count_c=200
  size_d=$((32 << 20)) size_e=$((32 << 20)) timeout_e=60
  size_g1=$((32 << 20)) size_g2=$((256 << 20)) size_h=$((32 << 20))
  out=${out:-$root/build/benchmarks-quick.md}
else
  size_a=$((128 << 20)) size_b=$((1 << 30)) count_c=1000
  size_d=$((128 << 20)) size_e=$((128 << 20)) timeout_e=120
  size_g1=$((128 << 20)) size_g2=$((1 << 30)) size_h=$((128 << 20))
  out=${out:-$root/docs/benchmarks.md}
fi
delay_f=25  # ms, each way
rate_g=32m  # (g)'s reader, pv -L (MiB/s)

((setup)) && bash "$root/scripts/setup.sh" --bench release
haul=${HAUL_BINARY:-$root/build/release/haul}

# shellcheck source=scripts/lib/local_nginx.sh
source "$root/scripts/lib/local_nginx.sh"
source "$root/bench/lib.sh"
source "$root/bench/servers.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/haul-bench-XXXXXX")
# A config file of the user running the bench must not change haul's runs.
export XDG_CONFIG_HOME=$work/no-config
trap 'local_nginx_stop; bench_stop_all; rm -rf "$work"' EXIT
results=$work/results.tsv
: >"$results"

# --- (a), (b), (d), (g) and (h): plain HTTP ----------------------------------
# sendfile_max_chunk makes limit_rate apply from the first byte; without it
# nginx sends each response's first ~2 MiB in one burst. The second server
# (port @PORT2@) is (d)'s slow mirror: the same files at 1 MiB/s per
# connection. (a), (d) and (h) fetch from /capped/, (b) and (g) from the
# unthrottled root.

# one_file SCENARIO SOURCE URL SIZE CONNECTIONS: every tool fetches URL
# (whose served copy is SOURCE) into out.bin, the splitting ones with
# CONNECTIONS connections, curl with one.
one_file() {
  local scenario=$1 source=$2 url=$3 size=$4 n=$5
  run "$scenario" haul "$source" out.bin -- "$haul" -q -x "$n" -o out.bin "$url"
  run "$scenario" aria2c "$source" out.bin -- aria2c -q -x"$n" -s"$n" -k1M \
    --allow-overwrite=true --auto-file-renaming=false -o out.bin "$url"
  run "$scenario" axel "$source" out.bin -- axel -q -n "$n" -o out.bin "$url"
  run "$scenario" wget2 "$source" out.bin -- wget2 -q --no-config --no-hsts --no-ocsp \
    --max-threads="$n" --chunk-size="$((size / n))" -O out.bin "$url"
  run "$scenario" curl "$source" out.bin -- curl -sS -o out.bin "$url"
}

# haul_has_option OPTION: true when haul's --help lists OPTION.
haul_has_option() {
  "$haul" --help 2>/dev/null | grep -qE -- "(^|[ ,])$1([ ,=]|$)"
}

# mirrors SOURCE FAST_URL SLOW_URL: case (d). Every splitting tool with 8
# connections, on the fast origin alone and then given the slow mirror too.
mirrors() {
  local source=$1 fast=$2 slow=$3 aria=(aria2c -q -x8 -s8 -k1M --allow-overwrite=true
    --auto-file-renaming=false -o out.bin)
  bench_note=origin_note
  run d haul "$source" out.bin -- "$haul" -q -x 8 -o out.bin "$fast"
  if haul_has_option --mirror; then
    run d "haul +mirror" "$source" out.bin -- "$haul" -q -x 8 -o out.bin "$fast" --mirror "$slow"
  else
    skip d "haul +mirror" "haul has no --mirror"
  fi
  # The list-file form (one line, URLs separated by spaces) that haul
  # already parses; informational, no target.
  printf '%s %s\n  out=out.bin\n' "$fast" "$slow" >"$work/mirrors.txt"
  run d "haul +mirror (list)" "$source" out.bin -- "$haul" -q -x 8 -i "$work/mirrors.txt"
  run d aria2c "$source" out.bin -- "${aria[@]}" "$fast"
  run d "aria2c +mirror" "$source" out.bin -- "${aria[@]}" "$fast" "$slow"
  run d axel "$source" out.bin -- axel -q -n 8 -o out.bin "$fast"
  run d "axel +mirror" "$source" out.bin -- axel -q -n 8 -o out.bin "$fast" "$slow"
  bench_defaults
}

# random_file FILE SIZE [SHA256_FILE]: SIZE random bytes in FILE and, if
# asked, what `sha256sum` prints for them on stdin (what (g) and (h) check a
# tool's stdout against).
random_file() {
  head -c "$2" /dev/urandom >"$1"
  if (($# > 2)); then sha256sum <"$1" >"$3"; fi
}

# slow_reader: (g)'s reader, $rate_g at most; sha256sum checks the bytes.
slow_reader() { pv -q -L "$rate_g" | sha256sum; }

# stream_note OFFSET TOOL: haul's reorder window, from its --stats lines in
# the run's log (stderr): "stream buffer peak" and "stream buffer budget".
stream_note() {
  [[ $2 == haul* ]] || return 0
  awk -F': *' '$1 == "stream buffer peak" { peak = $2 } $1 == "stream buffer budget" { budget = $2 }
    END { if (peak == "") print "no stream buffer peak in --stats"
          else printf "stream buffer peak %.1f of %.1f MiB", peak / 1048576, budget / 1048576 }' \
    "$work/tool.log"
}

# stdout_note OFFSET TOOL: (h)'s note, the requests nginx served and, for
# haul to stdout, its reorder window.
stdout_note() {
  local window=""
  if [[ $2 == *+stdout* ]]; then window=$(stream_note "$@"); fi
  echo "$(request_note "$@")${window:+; $window}"
}

# slow_consumer SCENARIO SIZE REPS: case (g). SIZE bytes from the
# unthrottled root, every tool writing them to stdout, read by slow_reader;
# REPS runs per tool. run times the tool alone, not the reader.
slow_consumer() {
  local scenario=$1 size=$2 reps=$3 file=$www/$1.bin url=$NGINX_URL/$1.bin sum=$work/$1.sha256 tool
  if ! command -v pv >/dev/null 2>&1; then
    for tool in haul curl wget2; do skip "$scenario" "$tool" "pv (the slow reader) not installed"; done
    return 0
  fi
  echo "bench: ($scenario) $((size >> 20)) MiB to stdout, read at ${rate_g%m} MiB/s;" \
    "$reps run(s) per tool"
  random_file "$file" "$size" "$sum"
  bench_consumer=slow_reader
  bench_note=stream_note
  run "$scenario" haul "$sum" out.sha256 -- "$haul" -q --stats -o - "$url"
  run "$scenario" curl "$sum" out.sha256 -- curl -sS "$url"
  run "$scenario" wget2 "$sum" out.sha256 -- wget2 -q --no-config --no-hsts --no-ocsp -O - "$url"
  bench_defaults
  rm -f "$file" "$sum"
}

# stdout_vs_file SIZE: case (h). SIZE bytes through haul_latency_proxy,
# which caps every TCP connection at 4 MiB/s (no delay) in front of the
# unthrottled nginx: haul -x 16 into a file, then to stdout into sha256sum,
# whose line must be the source's. The cap is per connection, whatever the
# requests on it: nginx's limit_rate is per response and lets each response's
# first 256 KiB through at once, which would favour the stream's many small
# ranges (see bench/README.md). curl (one connection, SIZE / 4 MiB/s) runs
# once whatever --reps. Each run's note gives its requests' count and mean size.
stdout_vs_file() {
  local size=$1 file=$www/h.bin url=http://127.0.0.1:$PROXY_PORT/h.bin sum=$work/h.sha256
  random_file "$file" "$size" "$sum"
  bench_note=stdout_note
  run h haul "$file" out.bin -- "$haul" -q -x 16 -o out.bin "$url"
  bench_consumer=sha256sum
  run h "haul +stdout" "$sum" out.sha256 -- "$haul" -q --stats -x 16 -o - "$url"
  echo "bench: (h) curl: one run whatever --reps (one connection at 4 MiB/s)"
  local reps=1
  run h "curl +stdout" "$sum" out.sha256 -- curl -sS "$url"
  bench_defaults
  rm -f "$file" "$sum"
}

if want a || want b || want d || want g || want h; then
  local_nginx_start "$work/http" plain \
    'location /capped/ { limit_rate 4m; sendfile_max_chunk 256k; }' \
    "server { listen 127.0.0.1:@PORT2@; root $work/http/www;
              location / { limit_rate 1m; sendfile_max_chunk 256k; } }"
  www=$work/http/www
  mkdir -p "$www/capped"
  echo "bench: generating files in $work"
  if want a; then random_file "$www/capped/a.bin" "$size_a"; fi
  if want b; then random_file "$www/b.bin" "$size_b"; fi
  if want d; then random_file "$www/capped/d.bin" "$size_d"; fi

  if want a; then one_file a "$www/capped/a.bin" "$NGINX_URL/capped/a.bin" "$size_a" 16; fi
  if want b; then
    one_file b "$www/b.bin" "$NGINX_URL/b.bin" "$size_b" 8
    run b cp "$www/b.bin" out.bin -- cp "$www/b.bin" out.bin
  fi
  if want d; then
    mirrors "$www/capped/d.bin" "$NGINX_URL/capped/d.bin" "http://127.0.0.1:$NGINX_PORT2/capped/d.bin"
  fi
  if want g; then
    slow_consumer g1 "$size_g1" "$reps"
    # One run per tool whatever --reps: a run takes size / rate_g (32 s).
    slow_consumer g2 "$size_g2" 1
  fi
  if want h; then
    if ! ensure_built haul_latency_proxy "$proxy_bin"; then
      for tool in haul "haul +stdout" "curl +stdout"; do skip h "$tool" "haul_latency_proxy is not built"; done
    elif ! proxy_start --target "127.0.0.1:$NGINX_PORT" --delay-ms 0 --rate 4194304; then
      for tool in haul "haul +stdout" "curl +stdout"; do skip h "$tool" "haul_latency_proxy did not start"; done
    else
      stdout_vs_file "$size_h"
      proxy_stop
    fi
  fi
  local_nginx_stop
  rm -rf "$work/http"
fi

# --- (c) and (f): HTTPS with HTTP/2 ---------------------------------------------
# (f) fetches (c)'s files through the latency proxy. The proxy listens on
# 127.0.0.1 too, so the certificate (for IP 127.0.0.1) stays valid and every
# tool verifies it as in (c).
latency() {
  local base=https://127.0.0.1:$PROXY_PORT/small lists=$work/lists-f
  make_url_lists "$count_c" "$base" "$lists"
  run f1 haul "$www/small" out -- "$haul" -q -i "$lists/urls.txt" -d out --ca-certificate "$cert"
  run f1 wget2 "$www/small" out -- wget2 -q --no-config --no-hsts --no-ocsp \
    -i "$lists/urls.txt" --max-threads=16 --http2 --ca-certificate="$cert" -nd -P out
  run f1 aria2c "$www/small" out -- aria2c -q -i "$lists/urls.txt" -j 16 -d out \
    --ca-certificate="$cert" --allow-overwrite=true --auto-file-renaming=false
  skip f1 axel "no list mode"
  run f1 curl "$www/small" out -- curl -sS --create-dirs --parallel --parallel-max 16 \
    --cacert "$cert" -K "$lists/curl.cfg"
  run f2 haul "$www/small/f0000" out.bin -- "$haul" -q -o out.bin --ca-certificate "$cert" \
    "$base/f0000"
  run f2 wget2 "$www/small/f0000" out.bin -- wget2 -q --no-config --no-hsts --no-ocsp --http2 \
    --ca-certificate="$cert" -O out.bin "$base/f0000"
  run f2 curl "$www/small/f0000" out.bin -- curl -sS --cacert "$cert" -o out.bin "$base/f0000"
  run f2 aria2c "$www/small/f0000" out.bin -- aria2c -q --ca-certificate="$cert" \
    --allow-overwrite=true --auto-file-renaming=false -o out.bin "$base/f0000"
}

skip_latency() {
  local tool
  for tool in haul wget2 aria2c curl; do skip f1 "$tool" "$1"; skip f2 "$tool" "$1"; done
}

if want c || want f; then
  local_nginx_start "$work/https" tls
  www=$work/https/www
  cert=$work/https/cert.pem
  make_small_files "$www/small" "$count_c" "$NGINX_URL/small" "$work/lists"
  if want c; then
    run c haul "$www/small" out -- "$haul" -q -i "$work/lists/urls.txt" -j 16 -d out \
      --ca-certificate "$cert"
    run c aria2c "$www/small" out -- aria2c -q -i "$work/lists/urls.txt" -j 16 -d out \
      --ca-certificate="$cert" --allow-overwrite=true --auto-file-renaming=false
    skip c axel "no list mode"
    run c wget2 "$www/small" out -- wget2 -q --no-config --no-hsts --no-ocsp \
      -i "$work/lists/urls.txt" --max-threads=16 --http2 --ca-certificate="$cert" -nd -P out
    run c curl "$www/small" out -- curl -sS --create-dirs --parallel --parallel-max 16 --cacert "$cert" \
      -K "$work/lists/curl.cfg"
  fi
  if want f; then
    if ! ensure_built haul_latency_proxy "$proxy_bin"; then
      skip_latency "haul_latency_proxy is not built"
    elif ! proxy_start --target "127.0.0.1:$NGINX_PORT" --delay-ms "$delay_f"; then
      skip_latency "haul_latency_proxy did not start"
    else
      echo "bench: latency proxy on port $PROXY_PORT, $delay_f ms each way"
      if latency_check "$NGINX_URL/small/f0000" "https://127.0.0.1:$PROXY_PORT/small/f0000" \
        "$cert" "$delay_f"; then
        latency
      else
        skip_latency "latency proxy self-check failed"
      fi
      proxy_stop
    fi
  fi
  local_nginx_stop
fi

# --- (e): straggler -------------------------------------------------------------
# The fault server serves the file; the proxy in front (no delay) caps each
# connection at 4 MiB/s and counts connections. The rate cannot come from
# the fault server's rate=: like every fault parameter it obeys the
# fault_from/fault_count selector, so it would slow only the stalled request.
# Request 3 (the 4th) of the path stalls after SIZE/16 bytes for 600 s: with
# 8 connections that is half-way through one connection's share, for every
# tool here (each sends a first request, then one range per connection).
stall_request=3
stall_after=$((size_e / 16))
straggler() {
  local size=$1 base stall
  base="http://127.0.0.1:$PROXY_PORT/e.bin?size=$size"
  stall="$base&stall_after=$stall_after&stall_ms=600000&fault_from=$stall_request&fault_count=1"
  local aria=(aria2c -q -x8 -s8 -k1M --allow-overwrite=true --auto-file-renaming=false -o out.bin)
  bench_timeout=$timeout_e
  bench_before_each=fault_server_restart
  bench_conn_offset=proxy_log_size
  bench_conn_since=proxy_connections_since
  bench_note=stall_note
  run e haul "$work/e.expected" out.bin -- "$haul" -q -x 8 --speed-time 3 -o out.bin "$base"
  run e "haul +stall" "$work/e.expected" out.bin -- "$haul" -q -x 8 --speed-time 3 -o out.bin "$stall"
  run e aria2c "$work/e.expected" out.bin -- "${aria[@]}" "$base"
  run e "aria2c +stall" "$work/e.expected" out.bin -- "${aria[@]}" "$stall"
  run e axel "$work/e.expected" out.bin -- axel -q -n 8 -o out.bin "$base"
  run e "axel +stall" "$work/e.expected" out.bin -- axel -q -n 8 -o out.bin "$stall"
  bench_defaults
}

skip_straggler() {
  local tool
  for tool in haul "haul +stall" aria2c "aria2c +stall" axel "axel +stall"; do skip e "$tool" "$1"; done
}

if ! want e; then
  :  # not among --cases
elif ! ensure_built haul_fault_server "$fault_bin" || ! ensure_built haul_latency_proxy "$proxy_bin"; then
  skip_straggler "haul_fault_server or haul_latency_proxy is not built"
elif ! fault_server_start || ! proxy_start --target "127.0.0.1:$FAULT_PORT" --delay-ms 0 \
  --rate 4194304; then
  skip_straggler "fault server or proxy did not start"
else
  # The expected bytes, fetched directly and unthrottled.
  curl -sS -o "$work/e.expected" "http://127.0.0.1:$FAULT_PORT/expected.bin?size=$size_e"
  straggler "$size_e"
  bench_stop_all
  rm -f "$work/e.expected"
fi

write_report "$results" "$out"
echo "bench: report written to $out"
