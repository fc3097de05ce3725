#!/usr/bin/env bash
# Builds haul (release) and shows what it does.
#
#   bash scripts/quickstart.sh [URL]
#
# With a URL: downloads it with build/release/haul into the current
# directory. Without one: starts a local nginx on 127.0.0.1 that caps each
# connection at 2 MiB/s, makes a 64 MiB file, downloads it once with one
# connection (-x 1) and once with haul's defaults, prints both wall times and
# the speed-up, checks both copies against the source, and stops nginx.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh" release
haul=$root/build/release/haul

if (($# > 0)); then
  exec "$haul" "$@"
fi

# shellcheck source=scripts/lib/local_nginx.sh
source "$root/scripts/lib/local_nginx.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/haul-quickstart-XXXXXX")
trap 'local_nginx_stop; rm -rf "$work"' EXIT

# sendfile_max_chunk makes limit_rate apply from the first byte; without it
# nginx sends each response's first ~2 MiB in one burst.
local_nginx_start "$work/nginx" plain \
  'location /capped/ { limit_rate 2m; sendfile_max_chunk 256k; }'
mkdir -p "$work/nginx/www/capped" "$work/one" "$work/many"
head -c $((64 << 20)) /dev/urandom >"$work/nginx/www/capped/sample.bin"
url=$NGINX_URL/capped/sample.bin

now() { date +%s.%N; }
timed() {  # DIR ARGS...: runs haul in DIR, prints its wall seconds
  local dir=$1 t0 t1
  shift
  t0=$(now)
  (cd "$dir" && "$haul" -q "$@" "$url")
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

echo "quickstart: 64 MiB from $url, each connection capped at 2 MiB/s"
one=$(timed "$work/one" -x 1)
echo "  haul -x 1 (one connection):   ${one} s"
many=$(timed "$work/many")
echo "  haul (defaults, -x 8):        ${many} s"
awk -v a="$one" -v b="$many" 'BEGIN { printf "  speed-up: %.1fx\n", a / b }'

for copy in "$work/one/sample.bin" "$work/many/sample.bin"; do
  cmp -s "$work/nginx/www/capped/sample.bin" "$copy" ||
    { echo "quickstart: $copy differs from the source" >&2; exit 1; }
done
echo "  both copies are identical to the source"
