# shellcheck shell=bash
# Helpers for bench/run.sh; sourced after scripts/lib/local_nginx.sh, with
# $work, $results and $reps set by the caller.
#
# Settings a case may change (bench_defaults restores them):
#   bench_timeout       seconds a run may take before it is killed (timeout)
#   bench_before_each   a command run before every repetition (in this
#                       shell, not a subshell), or ""
#   bench_conn_offset   prints a position in the connection log...
#   bench_conn_since    ...and, given it, the connections opened since
#   bench_note          a command given OFFSET TOOL after a good run; what it
#                       prints is added to the run's note, or "". If it fails,
#                       the run did not test what it should: status "invalid"
#   bench_consumer      a command the tool's stdout is piped into, run in the
#                       run's directory with its stdout written to OUTPUT, or
#                       "" (the tool's stdout goes to its log). Only the tool
#                       is timed: wall, CPU and RSS are its own, not the
#                       reader's. A reader that fails fails the run.

bench_defaults() {
  bench_timeout=600
  bench_before_each=""
  bench_conn_offset=local_nginx_log_size
  bench_conn_since=local_nginx_connections_since
  bench_note=""
  bench_consumer=""
}
bench_defaults

# run SCENARIO TOOL EXPECTED OUTPUT -- COMMAND...
#   Runs COMMAND in a fresh directory ($reps times, keeping the fastest run),
#   checks that OUTPUT there equals EXPECTED (a file, or a directory compared
#   recursively), and appends one line to $results:
#   scenario tool status wall cpu rss_kib connections note runs
#   where runs lists every repetition as WALL/CPU, so the spread stays visible.
#   A run that times out is not repeated: it would only time out again.
run() {
  local scenario=$1 tool=$2 expected=$3 output=$4
  shift 5
  if ! command -v "$1" >/dev/null 2>&1; then
    skip "$scenario" "$tool" "not installed"
    return 0
  fi
  local best="" rep line runs=""
  for ((rep = 1; rep <= reps; rep++)); do
    # Here, not in run_once: that runs in a subshell, and the hook may start
    # processes this shell must be able to stop.
    if [[ -n $bench_before_each ]]; then
      $bench_before_each || echo "bench: $bench_before_each failed" >&2
    fi
    line=$(run_once "$scenario" "$tool" "$expected" "$output" "$@")
    echo "  $line" | tr '\t' ' ' >&2
    runs+="${runs:+ }$(cut -f4 <<<"$line")/$(cut -f5 <<<"$line")"
    if [[ -z $best ]] || faster "$line" "$best"; then best=$line; fi
    if [[ $(cut -f3 <<<"$line") == timeout ]]; then break; fi
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
  local dir=$work/run offset status=ok note="" rc=0 reader_rc=0 conns wall user sys rss
  rm -rf "$dir"
  mkdir -p "$dir"
  offset=$($bench_conn_offset)
  # timeout kills the tool's whole process group; /usr/bin/time still reports
  # its wall, CPU and RSS (timeout's own are negligible).
  if [[ -z $bench_consumer ]]; then
    (cd "$dir" && /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" \
      timeout -k 5 "$bench_timeout" "$@" </dev/null >"$work/tool.log" 2>&1) || rc=$?
  else
    # /usr/bin/time wraps the tool only, inside the pipeline; both exit
    # statuses come back through a file (the subshell's own is the last's).
    rm -f "$work/pipe_status.txt"
    (
      set +e
      cd "$dir" || exit 1
      /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" \
        timeout -k 5 "$bench_timeout" "$@" </dev/null 2>"$work/tool.log" |
        $bench_consumer >"$output" 2>"$work/reader.log"
      echo "${PIPESTATUS[0]} ${PIPESTATUS[1]}" >"$work/pipe_status.txt"
    ) || true
    read -r rc reader_rc <"$work/pipe_status.txt" || rc=1
  fi
  read -r wall user sys rss < <(tail -n 1 "$work/time.txt")
  if ((rc == 124 || rc == 137)); then
    status=timeout note="killed after ${bench_timeout} s"
  elif ((rc > 128)); then
    status=failed note="killed by signal $((rc - 128)): $(head -c 160 "$work/tool.log" | tr '\t\n' '  ')"
  elif ((rc != 0)); then
    status=failed note="exit $rc: $(head -c 160 "$work/tool.log" | tr '\t\n' '  ')"
  elif ((reader_rc != 0)); then
    status=failed note="reader ($bench_consumer) exit $reader_rc: $(head -c 160 "$work/reader.log" | tr '\t\n' '  ')"
  elif ! same_content "$expected" "$dir/$output"; then
    status=failed note="output differs from the source"
    if [[ -n $bench_consumer ]]; then
      note="what $bench_consumer printed differs from the source's: $(head -c 80 "$dir/$output" | tr '\t\n' '  ')"
      echo "bench: FAILED: ($scenario) $tool: $note (expected $(head -c 80 "$expected" | tr '\n' ' '))" >&2
    fi
  elif [[ -n $bench_note ]]; then
    note=$($bench_note "$offset" "$tool") || status=invalid
  fi
  conns=$($bench_conn_since "$offset")
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
#   COUNT files of 16 KiB in DIR (f0000, f0001, ...), and the URL lists the
#   tools read (make_url_lists).
make_small_files() {
  local dir=$1 count=$2 base=$3 lists=$4
  mkdir -p "$dir"
  head -c $((count * 16384)) /dev/urandom >"$dir/all.tmp"
  split -b 16384 -a 4 -d "$dir/all.tmp" "$dir/f"
  rm "$dir/all.tmp"
  make_url_lists "$count" "$base" "$lists"
}

# make_url_lists COUNT BASE_URL LISTS_DIR
#   LISTS_DIR/urls.txt (one URL a line) and LISTS_DIR/curl.cfg (curl -K) for
#   BASE_URL/f0000 ... f(COUNT-1).
make_url_lists() {
  local count=$1 base=$2 lists=$3 i name
  mkdir -p "$lists"
  : >"$lists/urls.txt"
  : >"$lists/curl.cfg"
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
    echo "pv	$(pv --version 2>/dev/null | head -n 1)"
  } >"$versions"
  python3 "$root/bench/report.py" --results "$1" --versions "$versions" \
    --size-a "$size_a" --size-b "$size_b" --count-c "$count_c" --reps "$reps" \
    --size-d "$size_d" --size-e "$size_e" --timeout-e "$timeout_e" --delay-f "$delay_f" \
    --size-g1 "$size_g1" --size-g2 "$size_g2" --rate-g "${rate_g%m}" --size-h "$size_h" \
    --cases "$cases" --quick "$quick" >"$2"
}
