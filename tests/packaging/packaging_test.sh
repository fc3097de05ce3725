#!/usr/bin/env bash
# Packaging checks, run by CTest (tests/packaging/CMakeLists.txt):
#
#   packaging_test.sh install BUILD_DIR CMAKE HAUL_VERSION
#       `cmake --install` into a temporary prefix holds exactly the expected
#       files; the man page renders without warnings (when groff is
#       installed); the installed haul prints its and its libraries' versions.
#   packaging_test.sh deb BUILD_DIR CPACK HAUL_VERSION
#       `cpack -G DEB` builds a .deb whose control fields and file list are
#       the expected ones.
#   packaging_test.sh options HAUL SOURCE_DIR MAN_PAGE
#       the option names of `haul --help`, the man page and the bash and zsh
#       completions are the same.
#
# Every temporary file is under one directory, removed on exit.
set -euo pipefail

# The files a package or an install holds, relative to its prefix. A new
# installed file goes here (and in packaging/CMakeLists.txt).
expected_files=(
  bin/haul
  share/bash-completion/completions/haul
  share/doc/haul/copyright
  share/man/man1/haul.1
  share/zsh/vendor-completions/_haul
)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/haul-packaging.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

need() {
  command -v "$1" >/dev/null || fail "$1 is not installed ($2); bash scripts/setup.sh installs it"
}

# Fails unless the sorted lines of file $2 are those of file $3; $1 names them.
expect_same() {
  if ! diff -u "$2" "$3" >"$tmp/diff"; then
    cat "$tmp/diff" >&2
    fail "$1 differ (- expected, + found)"
  fi
}

# $1 with each of expected_files under it, sorted.
expected_list() {
  local f
  for f in "${expected_files[@]}"; do printf '%s%s\n' "$1" "$f"; done | LC_ALL=C sort
}

check_man_page() {
  local page=$1
  if ! command -v groff >/dev/null; then
    echo "note: groff is not installed; the man page's rendering is not checked"
    return
  fi
  groff -man -ww -z -Tutf8 "$page" 2>"$tmp/groff.err" || fail "groff failed on $page"
  if [[ -s $tmp/groff.err ]]; then
    cat "$tmp/groff.err" >&2
    fail "groff warns about $page"
  fi
  groff -man -Tascii -P-cbou "$page" 2>/dev/null >"$tmp/man.txt"
  if ! grep -q '^NAME' "$tmp/man.txt" || ! grep -q 'haul - a download accelerator' "$tmp/man.txt"; then
    fail "$page does not render a NAME section"
  fi
}

# Two lines: "haul VERSION", then libcurl's line naming its TLS library.
check_version_output() {
  local haul=$1 version=$2
  "$haul" --version >"$tmp/version.out" || fail "$haul --version exited $?"
  local lines
  lines=$(wc -l <"$tmp/version.out")
  ((lines == 2)) || { cat "$tmp/version.out" >&2; fail "--version printed $lines lines, not 2"; }
  [[ $(sed -n 1p "$tmp/version.out") == "haul $version" ]] ||
    fail "--version's first line is not 'haul $version': $(sed -n 1p "$tmp/version.out")"
  sed -n 2p "$tmp/version.out" | grep -Eq '^libcurl/[0-9.]+ .*(OpenSSL|GnuTLS|mbedTLS|wolfSSL|BoringSSL|LibreSSL|rustls)/' ||
    fail "--version's second line does not name libcurl and its TLS library: $(sed -n 2p "$tmp/version.out")"
}

test_install() {
  local build=$1 cmake=$2 version=$3
  local prefix=$tmp/prefix
  "$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install failed"; }
  (cd "$prefix" && find . \( -type f -o -type l \) -printf '%P\n' | LC_ALL=C sort) >"$tmp/found"
  expected_list "" >"$tmp/expected"
  expect_same "installed files" "$tmp/expected" "$tmp/found"
  [[ -x $prefix/bin/haul ]] || fail "bin/haul is not executable"
  bash -n "$prefix/share/bash-completion/completions/haul" || fail "the bash completion does not parse"
  check_man_page "$prefix/share/man/man1/haul.1"
  check_version_output "$prefix/bin/haul" "$version"
  echo "ok: the install tree holds ${#expected_files[@]} files; man page and --version checked"
}

# Prints control field $2 of the .deb $1.
deb_field() { dpkg-deb --field "$1" "$2"; }

test_deb() {
  local build=$1 cpack=$2 version=$3
  need dpkg-deb "from dpkg"
  need dpkg-shlibdeps "from dpkg-dev; cpack uses it to work out Depends"
  [[ -f $build/CPackConfig.cmake ]] || fail "$build/CPackConfig.cmake is missing (include(CPack) not configured)"
  (cd "$tmp" && "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out") \
    >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB failed"; }
  local debs=("$tmp"/out/*.deb)
  if ((${#debs[@]} != 1)) || [[ ! -f ${debs[0]} ]]; then
    fail "cpack did not make exactly one .deb: ${debs[*]}"
  fi
  local deb=${debs[0]}
  dpkg-deb --info "$deb" >"$tmp/info" || fail "dpkg-deb cannot read $deb"
  cat "$tmp/info"
  [[ $(deb_field "$deb" Package) == haul ]] || fail "Package is not haul"
  [[ $(deb_field "$deb" Version) == "$version" ]] || fail "Version is not $version"
  [[ -n $(deb_field "$deb" Maintainer) ]] || fail "no Maintainer"
  [[ -n $(deb_field "$deb" Description) ]] || fail "no Description"
  deb_field "$deb" Depends | grep -Eq '(^|, )libcurl4( |,|$)' || fail "Depends does not name libcurl4"
  dpkg-deb --contents "$deb" >"$tmp/contents" || fail "dpkg-deb --contents failed"
  awk '$1 !~ /^d/ {print $6}' "$tmp/contents" | LC_ALL=C sort >"$tmp/found"
  expected_list "./usr/" >"$tmp/expected"
  expect_same "the .deb's files" "$tmp/expected" "$tmp/found"
  grep -Eq '^-rwxr-xr-x root/root .* \./usr/bin/haul$' "$tmp/contents" ||
    fail "usr/bin/haul is not root-owned 0755: $(grep usr/bin/haul "$tmp/contents")"
  echo "ok: $(basename "$deb"), Depends: $(deb_field "$deb" Depends)"
}

# Option names (short and long) that begin a word in stdin, sorted.
option_names() {
  grep -oE "(^|[ ,{('\")*])--?[A-Za-z][A-Za-z0-9-]*" | sed -E "s/^[ ,{('\")*]//" | LC_ALL=C sort -u
}

test_options() {
  local haul=$1 source=$2 man_page=$3
  "$haul" --help | awk '$1 ~ /^-/ {print $1}' | tr ',' ' ' | option_names >"$tmp/help"
  [[ -s $tmp/help ]] || fail "no options found in haul --help"
  # The line after each .TP of the OPTIONS section, with \- and fonts undone.
  awk '/^\.SH/ {in_options = ($0 ~ /^\.SH "?OPTIONS/)} in_options && after_tp {print} {after_tp = /^\.TP/}' \
    "$man_page" | sed -E 's/\\-/-/g; s/\\f[BIRP]//g' | option_names >"$tmp/man"
  # shellcheck disable=SC1091
  (source "$source/packaging/completions/haul.bash" && _haul_option_names) | option_names >"$tmp/bash"
  # The _arguments specs without their [help] texts.
  sed -n '/^_arguments/,$p' "$source/packaging/completions/_haul" | tail -n +2 |
    sed -E 's/\[[^]]*\]//g' | option_names >"$tmp/zsh"
  expect_same "options of haul --help and the man page's OPTIONS" "$tmp/help" "$tmp/man"
  expect_same "options of haul --help and the bash completion" "$tmp/help" "$tmp/bash"
  expect_same "options of haul --help and the zsh completion" "$tmp/help" "$tmp/zsh"
  echo "ok: $(wc -l <"$tmp/help") option names agree in --help, haul.1, bash and zsh"
}

mode=${1:-}
shift || true
case $mode in
  install) (($# == 3)) || fail "usage: $0 install BUILD_DIR CMAKE VERSION"; test_install "$@" ;;
  deb) (($# == 3)) || fail "usage: $0 deb BUILD_DIR CPACK VERSION"; test_deb "$@" ;;
  options) (($# == 3)) || fail "usage: $0 options HAUL SOURCE_DIR MAN_PAGE"; test_options "$@" ;;
  *) fail "usage: $0 install|deb|options ..." ;;
esac
