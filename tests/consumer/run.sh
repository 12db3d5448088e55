#!/usr/bin/env bash
# Builds tests/consumer, a project of a user's own that includes racefuzz with
# add_subdirectory() and uses Explore as README.md shows, and runs its tests:
#
#   tests/consumer/run.sh [--sanitizer none|address|thread] [--build DIR]
#
# Default: address, in build/consumer-<sanitizer>. Exits non-zero when it does not
# configure, build or pass.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

sanitizer=address
build=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sanitizer) sanitizer=${2:?--sanitizer needs a value}; shift 2 ;;
    --build) build=${2:?--build needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "consumer/run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case "$sanitizer" in
  none|address|thread) ;;
  *) echo "consumer/run.sh: --sanitizer must be none, address or thread" >&2; exit 2 ;;
esac
[[ -n "$build" ]] || build="$ROOT/build/consumer-$sanitizer"

cmake -S "$ROOT/tests/consumer" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DRACEFUZZ_SANITIZER="$sanitizer" >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure
