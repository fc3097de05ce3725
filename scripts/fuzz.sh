#!/usr/bin/env bash
# Builds haul's libFuzzer targets (tests/fuzz) with the fuzz preset: clang,
# ASan and UBSan. Then it runs each for SECONDS, 20 by default, on a copy of
# its seed corpus in a temporary directory, so only the build directory is
# written. What is missing (clang, libFuzzer) is installed first through
# scripts/setup.sh.
#
#   bash scripts/fuzz.sh [SECONDS]
#
# Exits non-zero if a target crashes, leaks, hangs or breaks an invariant;
# the failing input and the log are kept, and their paths are printed.
# HAUL_FUZZ_BUILD_DIR picks the build directory (default build/fuzz).
set -euo pipefail

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

seconds=20
case ${1:-} in
  -h | --help) usage; exit 0 ;;
  '') ;;
  *[!0-9]* | 0*) echo "fuzz.sh: SECONDS must be a positive whole number" >&2; usage >&2; exit 2 ;;
  *) seconds=$1 ;;
esac
if (($# > 1)); then usage >&2; exit 2; fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir=${HAUL_FUZZ_BUILD_DIR:-build/fuzz}
targets=(list headers)

bash scripts/setup.sh --no-build fuzz
cmake --preset fuzz -B "$build_dir"
cmake --build "$build_dir" --target "${targets[@]/#/haul_fuzz_}"

work=$(mktemp -d "${TMPDIR:-/tmp}/haul-fuzz.XXXXXX")
keep_work=0
trap '((keep_work)) || rm -rf "$work"' EXIT

# Prints one line from a libFuzzer log: runs, coverage, corpus size.
summarize() {
  local done_line
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$2" | tail -n 1 || true)
  echo "fuzz.sh: haul_fuzz_$1 ok: ${done_line:-no DONE line}"
  grep -E '^Done [0-9]+ runs' "$2" | sed "s/^/fuzz.sh: haul_fuzz_$1 /" || true
}

failed=()
for target in "${targets[@]}"; do
  corpus=$work/$target-corpus
  log=$work/$target.log
  mkdir "$corpus"
  cp tests/fuzz/corpus/"$target"/* "$corpus"/
  echo "fuzz.sh: running haul_fuzz_$target for ${seconds}s"
  # -timeout makes one input running over 10 s a failure (a hang); the outer
  # timeout bounds the whole run even if libFuzzer itself gets stuck.
  if UBSAN_OPTIONS=print_stacktrace=1 timeout --kill-after=10 $((seconds + 120)) \
    "$build_dir/tests/fuzz/haul_fuzz_$target" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/$target-" \
    "$corpus" >"$log" 2>&1; then
    summarize "$target" "$log"
  else
    failed+=("$target")
    keep_work=1
    tail -n 40 "$log" >&2
    echo "fuzz.sh: haul_fuzz_$target FAILED; log $log" >&2
    find "$work" -maxdepth 1 -name "$target-*" -type f -printf 'fuzz.sh: failing input %p\n' >&2
  fi
done

if ((${#failed[@]})); then
  echo "fuzz.sh: failed: ${failed[*]}; rerun an input with $build_dir/tests/fuzz/haul_fuzz_TARGET FILE" >&2
  exit 1
fi
echo "fuzz.sh: no crashes in ${#targets[@]} targets"
