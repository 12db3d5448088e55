#!/usr/bin/env bash
# The one build helper every script uses (scripts/lib/common.sh, rf_build), on a tiny CMake
# project of its own with one preset (so it takes seconds, not a build of racefuzz):
#   1. a first build configures and builds;
#   2. a second build does not configure again;
#   3. a configure interrupted after CMakeCache.txt was written (build.ninja removed) is
#      configured afresh and the build succeeds;
#   4. other -D arguments than the last configure's configure again;
#   5. a configure that fails prints CMake's own error (the FATAL_ERROR text), the log and
#      a retry hint, returns 1, and the next call, once fixed, configures and succeeds;
#   6. a compile error prints the compiler's own error line and returns 1.
#
# Usage: tests/reliability/build_helper_test.sh   (ctest: reliability_build_helper)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SRC=$TMP/src
BUILD=$TMP/src/build/tiny
mkdir -p "$SRC"
cat >"$SRC/CMakePresets.json" <<'EOF'
{"version": 6, "cmakeMinimumRequired": {"major": 3, "minor": 25, "patch": 0},
 "configurePresets": [{"name": "tiny", "generator": "Ninja",
                       "binaryDir": "${sourceDir}/build/tiny"}]}
EOF
write_project() {  # extra CMake line
  cat >"$SRC/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(tiny CXX)
$1
add_executable(tiny tiny.cc)
EOF
}
write_project ""
echo 'int main() { return 0; }' >"$SRC/tiny.cc"

source "$ROOT/tests/lib/check.sh"
build() {  # log, arguments of rf_build after PRESET DIR
  local log=$1
  shift
  (RF_SOURCE_DIR=$SRC rf_build tiny "$BUILD" "$@") >"$log" 2>&1
}

build "$TMP/1.log" tiny
check "1. a first build succeeds" test -x "$BUILD/tiny"
check "1. it configured" grep -q configuring "$TMP/1.log"

build "$TMP/2.log" tiny
check "2. a second build succeeds" test $? -eq 0
check "2. without configuring again" bash -c "! grep -q configuring '$TMP/2.log'"

rm -f "$BUILD/build.ninja"
build "$TMP/3.log" tiny
status=$?
check "3. after an interrupted configure the build succeeds (status $status)" test $status -eq 0
check "3. it configured afresh" grep -q afresh "$TMP/3.log"

build "$TMP/4.log" -DTINY_OPTION=1 tiny
check "4. new -D arguments configure again" grep -q configuring "$TMP/4.log"
check "4. and they reach the cache" grep -q '^TINY_OPTION:UNINITIALIZED=1' "$BUILD/CMakeCache.txt"

write_project 'message(FATAL_ERROR "tiny cannot be configured today")'
status=0
build "$TMP/5.log" tiny || status=$?
check "5. a failed configure returns 1 (got $status)" test $status -eq 1
check "5. it shows CMake's error" grep -q 'tiny cannot be configured today' "$TMP/5.log"
check "5. it names the log" grep -q "full log: $BUILD/racefuzz-configure.log" "$TMP/5.log"
check "5. it says how to retry" grep -q 'run the same command' "$TMP/5.log"
write_project ""
build "$TMP/5b.log" tiny
check "5. once fixed, the same call configures and succeeds" test $? -eq 0

echo 'int main() { return undeclared_name; }' >"$SRC/tiny.cc"
status=0
build "$TMP/6.log" tiny || status=$?
check "6. a compile error returns 1 (got $status)" test $status -eq 1
check "6. it shows the compiler's error" grep -q "undeclared_name" "$TMP/6.log"
check "6. it shows the failed step" grep -q '^FAILED:' "$TMP/6.log"

checks_done build_helper_test
