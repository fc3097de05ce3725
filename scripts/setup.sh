#!/usr/bin/env bash
# Installs what haul needs from Debian 12 packages (only what is missing) and
# configures and builds one CMake preset.
#
#   bash scripts/setup.sh [--bench] [--no-build] [PRESET]
#
# PRESET is one of CMakePresets.json's: dev, release (the default),
# asan-ubsan, tsan, tidy, fuzz; the build lands in build/PRESET. --bench
# also installs the peer tools bench/run.sh compares against. --no-build
# only installs. Idempotent: a second run installs nothing and rebuilds
# nothing up to date. Needs root (or sudo) only when something is missing.
set -euo pipefail

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }

preset=release
bench=0
build=1
for arg in "$@"; do
  case $arg in
    --bench) bench=1 ;;
    --no-build) build=0 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "setup.sh: unknown option $arg" >&2; usage >&2; exit 2 ;;
    *) preset=$arg ;;
  esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# dpkg-dev: dpkg-shlibdeps, which `cpack -G DEB` (and its test) uses for Depends.
packages=(build-essential cmake ninja-build pkg-config libcurl4-openssl-dev libcli11-dev
  libspdlog-dev nlohmann-json3-dev libgtest-dev nginx-light openssl ca-certificates python3
  dpkg-dev)
# The proxy tests' forward proxy. tinyproxy-bin is the binary alone: the
# tinyproxy package would also install and start a system service.
packages+=(tinyproxy-bin)
[[ $bench == 1 ]] && packages+=(aria2 axel wget2 curl hyperfine time pv)
[[ $preset == tidy ]] && packages+=(clang-tidy)
# The fuzz preset compiles with clang; libFuzzer and the sanitizer runtimes
# come with libclang-rt-14-dev.
[[ $preset == fuzz ]] && packages+=(clang libclang-rt-14-dev)

installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup.sh: installing ${missing[*]}"
  sudo=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || { echo "setup.sh: need root or sudo to install packages" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ $build == 1 ]]; then
  cmake --preset "$preset"
  cmake --build --preset "$preset"
fi
