#!/usr/bin/env bash
# End-to-end test of fuzz/death_exit.h: in a libFuzzer + TSan campaign (RACEFUZZ_CRASH_DIR,
# as scripts/fuzz.sh runs it) a TSan report ends the process with the input saved, instead
# of aborting into libFuzzer's crash handler, which could wait forever on TSan's trace.
#
# Usage: tests/fuzz/tsan_death_exit_test.sh [build/libfuzzer-tsan/fuzz/kref_v1_fuzzer]
#   (cmake --preset libfuzzer-tsan && cmake --build build/libfuzzer-tsan --target kref_v1_fuzzer)
# Checks, on kref_v1 with tests/fuzz/data/tsan_race_list_empty.bin (a data race TSan reports
# on every run of it):
#   1. with RACEFUZZ_CRASH_DIR: the TSan report and the race diagram are printed, the input is
#      saved there byte for byte as crash-<16 hex digits>, nothing else is left there, and
#      the process exits with status 77 (libFuzzer's crash status);
#   2. libFuzzer's fork mode with that input in its corpus keeps going after the race and
#      ends on time, counting the crash;
#   3. without RACEFUZZ_CRASH_DIR (a replay) the report is as before: no file is saved.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${1:-$ROOT/build/libfuzzer-tsan/fuzz/kref_v1_fuzzer}
[[ -x "$BIN" ]] || { echo "usage: $0 KREF_V1_FUZZER (libfuzzer-tsan build)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")  # the campaigns below run elsewhere
RACE=$ROOT/tests/fuzz/data/tsan_race_list_empty.bin
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILED=0
check() {  # description, command status (0 = pass)
  if [[ $2 -eq 0 ]]; then echo "ok: $1"; else echo "FAIL: $1"; FAILED=1; fi
}

# 1. One process, one race.
mkdir "$TMP/art"
RACEFUZZ_CRASH_DIR=$TMP/art timeout -s KILL 60 "$BIN" "$RACE" >"$TMP/one.log" 2>&1
status=$?
check "the process ends itself with status 77 (status $status)" $([[ $status -eq 77 ]]; echo $?)
grep -q "WARNING: ThreadSanitizer: data race" "$TMP/one.log" && grep -q "Race diagram" "$TMP/one.log"
check "the TSan report and the race diagram are printed" $?
saved=("$TMP"/art/crash-*)
[[ ${#saved[@]} -eq 1 && $(basename "${saved[0]}") =~ ^crash-[0-9a-f]{16}$ ]]
check "one crash file, named crash-<16 hex digits>" $?
cmp -s "${saved[0]}" "$RACE"
check "the crash file holds the input's bytes" $?
[[ $(ls -A "$TMP/art" | wc -l) -eq 1 ]]
check "no temporary file is left beside it" $?
grep -q "racefuzz: sanitizer report; input saved as ${saved[0]}" "$TMP/one.log"
check "the log says where the input went" $?

# 2. Fork mode: the job that meets the race ends, the campaign goes on and ends on time.
mkdir "$TMP/corpus" "$TMP/art2"
cp "$RACE" "$TMP/corpus/"
cp "$ROOT"/corpora/seeds/*.bin "$TMP/corpus/"
(cd "$TMP" && RACEFUZZ_CRASH_DIR=$TMP/art2 timeout -s KILL 120 "$BIN" corpus -fork=1 \
  -ignore_crashes=1 -max_total_time=10 -artifact_prefix=art2/ -seed=1) >"$TMP/fork.log" 2>&1
status=$?
# libFuzzer's fork mode exits with the crash status (77) when any job crashed; a job hanging
# in the crash handler would keep it past its time until the KILL (137).
[[ ($status -eq 0 || $status -eq 77) ]] && grep -q "INFO: fuzzed for" "$TMP/fork.log"
check "a fork-mode campaign meeting the race ends on time (status $status)" $?
[[ -f "$TMP/art2/$(basename "${saved[0]}")" ]]
check "the racing input is saved by the job that met it" $?
grep -Eq "oom/timeout/crash: [0-9]+/[0-9]+/[1-9]" "$TMP/fork.log"
check "the campaign counts the crash" $?
grep -Eq "^#[1-9][0-9]*: cov" "$TMP/fork.log"
check "the campaign counts the jobs' executions" $?

# 3. No crash directory: the process dies as before and saves nothing of its own.
(cd "$TMP" && timeout -s KILL 60 "$BIN" -artifact_prefix=plain- "$RACE") >"$TMP/plain.log" 2>&1
grep -q "WARNING: ThreadSanitizer: data race" "$TMP/plain.log" &&
  ! grep -q "racefuzz: sanitizer report; input saved" "$TMP/plain.log"
check "without RACEFUZZ_CRASH_DIR the report ends the process as before" $?

exit $FAILED
