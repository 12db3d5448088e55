#!/usr/bin/env bash
# ctest: replays one regression input (corpora/regressions/<name>.bin) against every variant
# its .expect file names, each in its own process, and checks the outcome's signature.
# Also checks that <name>.txt still encodes to <name>.bin.
#
# Usage: check_regression.sh RACEFUZZ_BIN REGRESSION.bin SANITIZER
#   SANITIZER is the build's RACEFUZZ_SANITIZER. Expectations that only a sanitizer can see
#   (asan.*, ubsan.*, tsan.*) are checked only in builds with that sanitizer; bugs the
#   harness reports (racefuzz.*) and "clean" are checked in every build.
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 RACEFUZZ_BIN REGRESSION.bin SANITIZER" >&2; exit 2; }
RACEFUZZ=$1
INPUT=$2
SANITIZER=$3
EXPECT=${INPUT%.bin}.expect
TEXT=${INPUT%.bin}.txt
[[ -f "$EXPECT" ]] || { echo "missing $EXPECT" >&2; exit 2; }

TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT
"$RACEFUZZ" encode "$TEXT" -o "$TMP"
cmp -s "$TMP" "$INPUT" || { echo "FAIL: $TEXT no longer encodes to $INPUT (run scripts/encode-seeds.sh)"; exit 1; }

sees() {
  case "$1" in
    asan.*) [[ "$SANITIZER" == address ]] ;;
    ubsan.*) [[ "$SANITIZER" == address || "$SANITIZER" == undefined ]] ;;
    tsan.*) [[ "$SANITIZER" == thread ]] ;;
    *) true ;;
  esac
}

failures=0
checked=0
while IFS= read -r line; do
  line=${line%%#*}
  [[ -n "${line// }" ]] || continue
  variant=${line%%:*}
  expected=$(echo "${line#*:}" | xargs)
  if ! sees "$expected"; then
    echo "skip  $variant: $expected (needs a sanitizer this build lacks)"
    continue
  fi
  got=$("$RACEFUZZ" run "$INPUT" --variant "$variant" | sed -n "s/^SIGNATURE: $variant //p" || true)
  checked=$((checked + 1))
  if [[ "$got" == "$expected" ]]; then
    echo "ok    $variant: $got"
  else
    echo "FAIL  $variant: expected $expected, got ${got:-nothing}"
    echo "      reproduce: scripts/reproduce.sh $INPUT --variant $variant"
    failures=$((failures + 1))
  fi
done <"$EXPECT"
[[ $checked -gt 0 ]] || { echo "FAIL: $EXPECT checks nothing in this build"; exit 1; }
[[ $failures -eq 0 ]]
