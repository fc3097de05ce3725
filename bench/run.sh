#!/usr/bin/env bash
# End-to-end scorecard: haul against aria2c, axel, wget2 and curl, all
# downloading from a local nginx on 127.0.0.1. A script, not a test: it
# measures and reports, and never fails because haul is slow.
#
#   bash bench/run.sh [--quick] [--reps N] [--out FILE] [--no-setup]
#
#   (a) one large file, each connection capped at 4 MiB/s, 16 connections
#       where the tool can split (curl: one)
#   (b) one very large file, unthrottled, to disk; cp is the local limit
#   (c) many 16 KiB files over HTTPS/HTTP2, 16 at a time
#
# Per run: wall seconds, user+sys CPU seconds and peak RSS (/usr/bin/time),
# and the TCP connections opened, counted as distinct $connection values in
# nginx's access log since the run began. With --reps N each run is repeated
# and the fastest kept. Writes a markdown report to --out (default
# docs/benchmarks.md; with --quick, build/benchmarks-quick.md). $HAUL_BINARY
# overrides the haul binary (default build/release/haul).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
quick=0
reps=1
out=""
setup=1
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --reps) reps=$2; shift ;;
    --out) out=$2; shift ;;
    --no-setup) setup=0 ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

if ((quick)); then
  size_a=$((32 << 20)) size_b=$((256 << 20)) count_c=200
  out=${out:-$root/build/benchmarks-quick.md}
else
  size_a=$((128 << 20)) size_b=$((1 << 30)) count_c=1000
  out=${out:-$root/docs/benchmarks.md}
fi

((setup)) && bash "$root/scripts/setup.sh" --bench release
haul=${HAUL_BINARY:-$root/build/release/haul}

# shellcheck source=scripts/lib/local_nginx.sh
source "$root/scripts/lib/local_nginx.sh"
source "$root/bench/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/haul-bench-XXXXXX")
trap 'local_nginx_stop; rm -rf "$work"' EXIT
results=$work/results.tsv
: >"$results"

# --- (a) and (b): plain HTTP -------------------------------------------------
# sendfile_max_chunk makes limit_rate apply from the first byte; without it
# nginx sends each response's first ~2 MiB in one burst.
local_nginx_start "$work/http" plain \
  'location /capped/ { limit_rate 4m; sendfile_max_chunk 256k; }'
www=$work/http/www
mkdir -p "$www/capped"
echo "bench: generating files in $work"
head -c "$size_a" /dev/urandom >"$www/capped/a.bin"
head -c "$size_b" /dev/urandom >"$www/b.bin"

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

one_file a "$www/capped/a.bin" "$NGINX_URL/capped/a.bin" "$size_a" 16
one_file b "$www/b.bin" "$NGINX_URL/b.bin" "$size_b" 8
run b cp "$www/b.bin" out.bin -- cp "$www/b.bin" out.bin
local_nginx_stop
rm -rf "$work/http"

# --- (c): HTTPS with HTTP/2 ---------------------------------------------------
local_nginx_start "$work/https" tls
www=$work/https/www
cert=$work/https/cert.pem
make_small_files "$www/small" "$count_c" "$NGINX_URL/small" "$work/lists"
run c haul "$www/small" out -- "$haul" -q -i "$work/lists/urls.txt" -j 16 -d out \
  --ca-certificate "$cert"
run c aria2c "$www/small" out -- aria2c -q -i "$work/lists/urls.txt" -j 16 -d out \
  --ca-certificate="$cert" --allow-overwrite=true --auto-file-renaming=false
skip c axel "no list mode"
run c wget2 "$www/small" out -- wget2 -q --no-config --no-hsts --no-ocsp \
  -i "$work/lists/urls.txt" --max-threads=16 --http2 --ca-certificate="$cert" -nd -P out
run c curl "$www/small" out -- curl -sS --create-dirs --parallel --parallel-max 16 --cacert "$cert" \
  -K "$work/lists/curl.cfg"
local_nginx_stop

write_report "$results" "$out"
echo "bench: report written to $out"
