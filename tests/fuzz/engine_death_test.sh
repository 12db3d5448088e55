#!/usr/bin/env bash
# A campaign never throws away what it found when its fuzzing process dies.
#
# Builds tests/fuzz/data/segv_after_report_target.cc (a libFuzzer + ASan target whose bug is a
# SEGV after a recovered use-after-free report) and runs scripts/fuzz.sh --fuzzer on it for
# 15 s, from seeds of which one kills the process while libFuzzer loads it. Checks:
#   1. fuzz.sh exits 0 and prints its findings table;
#   2. the crashing input is among the findings (findings/<signature>/original starts with
#      "SEGV"), under the replay's signature, the use-after-free;
#   3. the deaths are counted with their cause (a SEGV) in the output and in
#      engine-deaths.tsv, and the process was restarted after them: more than one death;
#   4. the seed that killed the process at load moved to quarantine/;
#   5. a binary that cannot start at all (/bin/false) ends the campaign with exit 1 and
#      "could not run", not a hang or a silent success.
#
# Usage: tests/fuzz/engine_death_test.sh   (scripts/test.sh --check engine-death)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

source "$ROOT/tests/lib/check.sh"

clang++ -g -O0 -fsanitize=address,fuzzer -fsanitize-recover=address \
  "$ROOT/tests/fuzz/data/segv_after_report_target.cc" -o "$TMP/segv_fuzzer" \
  || { echo "FAIL: cannot build the test target"; exit 1; }

mkdir "$TMP/seeds"
printf 'SEGV and more' >"$TMP/seeds/kills_at_load"
printf 'harmless' >"$TMP/seeds/harmless"

status=0
bash "$ROOT/scripts/fuzz.sh" --fuzzer "$TMP/segv_fuzzer" --seeds "$TMP/seeds" --time 15 \
  --out "$TMP/out" --findings "$TMP/findings" --corpus "$TMP/corpus" >"$TMP/fuzz.out" 2>&1 || status=$?
sed 's/^/  | /' "$TMP/fuzz.out" | tail -n 25

check "fuzz.sh exits 0 (got $status)" test "$status" -eq 0
check "the findings table is printed" grep -q '^known as' "$TMP/fuzz.out"
sig_dir=$(grep -l '^SEGV' "$TMP"/findings/*/original 2>/dev/null | head -n 1 | xargs -r dirname)
check "the crashing input is among the findings" test -n "$sig_dir"
check "its signature is the replay's first report, the use-after-free" \
  grep -qi "heap-use-after-free.*FollowFreedNode" <<<"${sig_dir:-none}"
check "its report is the binary's replay" grep -q 'heap-use-after-free' "${sig_dir:-/nonexistent}/report.txt"
deaths=$(wc -l <"$TMP/out/engine-deaths.tsv" 2>/dev/null || echo 0)
check "the process died and was restarted more than once ($deaths deaths)" test "$deaths" -gt 1
check "each death's cause is recorded (SEGV)" grep -q 'SEGV' "$TMP/out/engine-deaths.tsv"
check "the output says how often the engine died and why" \
  grep -qE 'the fuzzing process died [0-9]+ time\(s\).*SEGV' "$TMP/fuzz.out"
check "the seed that kills the process at load is in quarantine/" \
  test -f "$TMP/out/quarantine/kills_at_load"

status=0
timeout -s KILL 120 bash "$ROOT/scripts/fuzz.sh" --fuzzer /bin/false --seeds "$TMP/seeds" \
  --time 30 --out "$TMP/out-false" --findings "$TMP/findings-false" --corpus "$TMP/corpus-false" \
  >"$TMP/false.out" 2>&1 \
  || status=$?
check "a binary that cannot start: exit 1 (got $status)" test "$status" -eq 1
check "a binary that cannot start: it says the engine could not run" \
  grep -q 'could not run' "$TMP/false.out"

checks_done engine_death_test
