#!/usr/bin/env bash
# racefuzz_bug_suite on two small programs with few trials: it runs, prints the markdown
# table with one row per program and one cell per strategy, and rejects unknown names. The
# figures themselves are not checked (bench/README.md has the full run).
#
# Usage: bench/bug_suite_smoke_test.sh BUILD/bench/racefuzz_bug_suite   (ctest:
# bench_bug_suite_smoke)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../tests/lib/check.sh
source "$ROOT/tests/lib/check.sh"
SUITE=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$SUITE" --trials 2 --max_schedules 2000 --programs reorder_3,double_fetch_1 \
  >"$TMP/out" 2>"$TMP/err"
status=$?
cat "$TMP/out"
check "exits 0" test "$status" -eq 0
check "prints the header" grep -qxF '| program | preemptions | random | pct d=2 | pct d=3 | pos | urw |' "$TMP/out"
check "prints the rule" grep -qxF '| --- | ---: | ---: | ---: | ---: | ---: | ---: |' "$TMP/out"
# A row: the program, its preemptions, then five cells "MEDIAN (FOUND/2)".
cell='(>?[0-9]+(\.5)? \([0-2]/2\)) \|'
for program in reorder_3 double_fetch_1; do
  check "a row for $program" grep -qE "^\| $program \| [0-9]+ \|( $cell){5}\$" "$TMP/out"
done
check "two rows only" test "$(grep -c '^| [a-z]' "$TMP/out")" -eq 3

"$SUITE" --programs no_such_program >"$TMP/out" 2>"$TMP/err"
status=$?
check "an unknown program exits 2" test "$status" -eq 2
check "and names the known ones" grep -q "known: reorder_3" "$TMP/err"

checks_done bench_bug_suite_smoke
