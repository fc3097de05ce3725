# shellcheck shell=bash
# Helpers for bench/run.sh; sourced after scripts/lib/local_nginx.sh, with
# $work, $results and $reps set by the caller.

# run SCENARIO TOOL EXPECTED OUTPUT -- COMMAND...
#   Runs COMMAND in a fresh directory ($reps times, keeping the fastest run),
#   checks that OUTPUT there equals EXPECTED (a file, or a directory compared
#   recursively), and appends one line to $results:
#   scenario tool status wall cpu rss_kib connections note runs
#   where runs lists every repetition as WALL/CPU, so the spread stays visible.
run() {
  local scenario=$1 tool=$2 expected=$3 output=$4
  shift 5
  if ! command -v "$1" >/dev/null 2>&1; then
    skip "$scenario" "$tool" "not installed"
    return 0
  fi
  local best="" rep line runs=""
  for ((rep = 1; rep <= reps; rep++)); do
    line=$(run_once "$scenario" "$tool" "$expected" "$output" "$@")
    echo "  $line" | tr '\t' ' ' >&2
    runs+="${runs:+ }$(cut -f4 <<<"$line")/$(cut -f5 <<<"$line")"
    if [[ -z $best ]] || faster "$line" "$best"; then best=$line; fi
  done
  printf '%s\t%s\n' "$best" "$runs" >>"$results"
}

# skip SCENARIO TOOL REASON: records a tool that was not run.
skip() {
  printf '%s\t%s\tn/a\t-\t-\t-\t-\t%s\t-\n' "$1" "$2" "$3" >>"$results"
}

# faster LINE1 LINE2: true when LINE1 is an ok run with a smaller wall time
# than LINE2, or LINE2 did not succeed.
faster() {
  awk -F'\t' -v a="$1" -v b="$2" 'BEGIN {
    split(a, x, "\t"); split(b, y, "\t")
    exit !(x[3] == "ok" && (y[3] != "ok" || x[4] + 0 < y[4] + 0)) }'
}

run_once() {
  local scenario=$1 tool=$2 expected=$3 output=$4
  shift 4
  local dir=$work/run offset status=ok note="" rc=0 conns wall user sys rss
  rm -rf "$dir"
  mkdir -p "$dir"
  offset=$(local_nginx_log_size)
  (cd "$dir" && /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" "$@" \
    </dev/null >"$work/tool.log" 2>&1) || rc=$?
  read -r wall user sys rss < <(tail -n 1 "$work/time.txt")
  if ((rc != 0)); then
    status=failed note="exit $rc: $(head -c 160 "$work/tool.log" | tr '\t\n' '  ')"
  elif ! same_content "$expected" "$dir/$output"; then
    status=failed note="output differs from the source"
  fi
  conns=$(local_nginx_connections_since "$offset")
  [[ $tool == cp ]] && conns=-
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$tool" "$status" "$wall" \
    "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')" "$rss" "$conns" "$note"
  rm -rf "$dir"
}

same_content() {  # EXPECTED ACTUAL
  if [[ -d $1 ]]; then
    diff -rq "$1" "$2" >/dev/null 2>&1
  else
    cmp -s "$1" "$2"
  fi
}

# make_small_files DIR COUNT BASE_URL LISTS_DIR
#   COUNT files of 16 KiB in DIR, and the URL lists the tools read:
#   LISTS_DIR/urls.txt (one URL a line) and LISTS_DIR/curl.cfg (curl -K).
make_small_files() {
  local dir=$1 count=$2 base=$3 lists=$4 i name
  mkdir -p "$dir" "$lists"
  : >"$lists/urls.txt"
  : >"$lists/curl.cfg"
  head -c $((count * 16384)) /dev/urandom >"$dir/all.tmp"
  split -b 16384 -a 4 -d "$dir/all.tmp" "$dir/f"
  rm "$dir/all.tmp"
  for ((i = 0; i < count; i++)); do
    printf -v name 'f%04d' "$i"
    echo "$base/$name" >>"$lists/urls.txt"
    printf 'url = "%s/%s"\noutput = "out/%s"\n' "$base" "$name" "$name" >>"$lists/curl.cfg"
  done
}

# write_report RESULTS OUT: the markdown scorecard, via bench/report.py.
write_report() {
  local versions=$work/versions.txt
  {
    echo "haul	$("$haul" --version 2>/dev/null | head -n 1 || echo '?')"
    echo "aria2c	$(aria2c --version 2>/dev/null | head -n 1)"
    echo "axel	$(axel --version 2>/dev/null | head -n 1)"
    echo "wget2	$(wget2 --version 2>/dev/null | head -n 1)"
    echo "curl	$(curl --version 2>/dev/null | head -n 1)"
    echo "nginx	$(nginx -v 2>&1 | head -n 1)"
  } >"$versions"
  python3 "$root/bench/report.py" --results "$1" --versions "$versions" \
    --size-a "$size_a" --size-b "$size_b" --count-c "$count_c" --reps "$reps" \
    --quick "$quick" >"$2"
}
