#!/usr/bin/env bash
# Builds one preset (through scripts/setup.sh) and runs all its tests, unit
# and integration, with CTest.
#
#   bash scripts/test.sh [PRESET] [CTEST ARGS...]
#
# PRESET defaults to dev (Debug, warnings as errors); asan-ubsan and tsan run
# the same tests under sanitizers. Extra arguments go to ctest, e.g.
# `-L unit` or `-R DownloadTest`. Exits non-zero when any test fails.
set -euo pipefail

preset=${1:-dev}
shift || true
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh "$preset"
echo "test.sh: running the $preset tests"
ctest --preset "$preset" --output-on-failure -j2 "$@"
