#!/usr/bin/env bash
# End-to-end test of the campaign's in-process skip-seen mode (fuzz/skip_seen.h) with a
# recovered ASan report: needs the libFuzzer + ASan build (-fsanitize-recover=address).
#
# Usage: tests/fuzz/skip_seen_test.sh [build/libfuzzer-asan/fuzz/kref_v1_fuzzer]
#   (cmake --preset libfuzzer-asan && cmake --build build/libfuzzer-asan --target kref_v1_fuzzer)
# Checks, on kref_v1 with RACEFUZZ_SEEN_DIR and scripts/fuzz.sh's ASAN_OPTIONS
# (scripts/campaign-asan-options: recover, no symbols, short frames):
#   1. a new ASan use-after-free prints the ASan report (once, although the execution reads
#      the freed block again before it stops), its frames named by the target's own
#      symbolizer (fuzz/report_symbolizer.h), and the race diagram, aborts and is recorded in
#      the store under the signature ASan's own symbolisation gives;
#   2. once seen, the same input is skipped in-process, prints nothing (no flood), and the
#      clean inputs after it give the same traces as in a fresh process;
#   3. a harness-detected bug (B8) is reported once, then skipped;
#   4. with halt_on_error=1 (replays, reproduce.sh) a seen ASan report still ends the process
#      with its report, and without RACEFUZZ_SEEN_DIR the output is the plain report;
#   5. with RACEFUZZ_CRASH_DIR as well (scripts/fuzz.sh), a new ASan report is printed, its
#      input saved there byte for byte, and the process goes on; the saved file replays the
#      same bug in a plain process.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${1:-$ROOT/build/libfuzzer-asan/fuzz/kref_v1_fuzzer}
[[ -x "$BIN" ]] || { echo "usage: $0 KREF_V1_FUZZER (libfuzzer-asan build)" >&2; exit 2; }
REG=$ROOT/corpora/regressions
SEEDS=("$ROOT"/corpora/seeds/*.bin)
B1=$REG/B1_ioctl_after_removal.bin
B8=$REG/B8_unbalanced_put.bin
UAF=asan.heap-use-after-free.dma_heap_buffer_alloc.freed-in-dma_heap_release
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
RECOVER=$(cat "$ROOT/scripts/campaign-asan-options")  # what scripts/fuzz.sh runs with
FAILED=0
check() {  # description, command status (0 = pass)
  if [[ $2 -eq 0 ]]; then echo "ok: $1"; else echo "FAIL: $1"; FAILED=1; fi
}
hashes() { grep -o '^racefuzz: trace hash [0-9a-f]*' "$1"; }  # clean executions only

mkdir "$TMP/seen"
# 1. New ASan report.
ASAN_OPTIONS=$RECOVER RACEFUZZ_SEEN_DIR=$TMP/seen "$BIN" "$B1" >"$TMP/new.log" 2>&1
status=$?
check "a new ASan report aborts (status $status)" $([[ $status -ne 0 ]]; echo $?)
grep -q "ERROR: AddressSanitizer: heap-use-after-free" "$TMP/new.log"
check "the new report carries the ASan text" $?
# B1's ioctl reads several fields of the freed heap before its next scheduling point; only
# the first read is reported (harness/scheduler.cc, OnAsanErrorReport).
[[ $(grep -c "ERROR: AddressSanitizer" "$TMP/new.log") -eq 1 ]]
check "one ASan report per failed execution: the rest of the freed block is not reported" $?
grep -q "BUG \[sanitizer\]: sanitizer report above" "$TMP/new.log" && grep -q "Race diagram" "$TMP/new.log"
check "the new report carries the race diagram" $?
grep -q "#0 0x[0-9a-f]* in racefuzz::heaps::dma_heap_buffer_alloc(.*heaps/dma_heap_ioctl.cc:" \
  "$TMP/new.log"
check "the report's frames are named although ASan ran with symbolize=0" $?
[[ -f "$TMP/seen/$UAF" && $(ls "$TMP/seen" | wc -l) -eq 1 ]]
check "the store records $UAF, and only that" $?

# 2. Seen: skipped, silent, and the process goes on correctly.
RACEFUZZ_PRINT_TRACE_HASH=1 "$BIN" "${SEEDS[@]}" >"$TMP/fresh.log" 2>&1
check "the seeds run clean in a fresh process" $?
ASAN_OPTIONS=$RECOVER RACEFUZZ_SEEN_DIR=$TMP/seen RACEFUZZ_PRINT_TRACE_HASH=1 \
  "$BIN" "$B1" "${SEEDS[@]}" "$B1" "$B1" >"$TMP/seen.log" 2>&1
check "a seen ASan report is skipped in-process (status 0)" $?
! grep -q "AddressSanitizer" "$TMP/seen.log"
check "a skipped report prints nothing" $?
# libFuzzer may run an input twice (its leak check); compare the distinct hashes in order.
diff <(hashes "$TMP/fresh.log" | uniq) <(hashes "$TMP/seen.log" | uniq) >/dev/null
check "clean inputs after a skipped use-after-free give the same traces" $?

# 3. A harness-detected bug: reported once, then skipped.
ASAN_OPTIONS=$RECOVER RACEFUZZ_SEEN_DIR=$TMP/seen "$BIN" "$B8" >"$TMP/b8.log" 2>&1
status=$?
grep -q "BUG \[refcount\]" "$TMP/b8.log" && [[ $status -ne 0 ]]
check "a new harness-detected bug aborts with its report" $?
ASAN_OPTIONS=$RECOVER RACEFUZZ_SEEN_DIR=$TMP/seen "$BIN" "$B8" "$B8" >"$TMP/b8-seen.log" 2>&1
check "a seen harness-detected bug is skipped" $?

# 4. Without recovery: the first report ends the process, as before.
RACEFUZZ_SEEN_DIR=$TMP/seen "$BIN" "$B1" >"$TMP/halt.log" 2>&1
status=$?
grep -q "ERROR: AddressSanitizer: heap-use-after-free" "$TMP/halt.log" &&
  grep -q "Race diagram" "$TMP/halt.log" && [[ $status -ne 0 ]]
check "halt_on_error=1: a seen report still ends the process with its text and diagram" $?
"$BIN" "$B1" >"$TMP/plain.log" 2>&1
status=$?
grep -q "ERROR: AddressSanitizer: heap-use-after-free" "$TMP/plain.log" &&
  grep -q "Race diagram" "$TMP/plain.log" && [[ $status -ne 0 ]]
check "no store: the plain report" $?

# 5. New bugs saved by the target, the process goes on.
mkdir "$TMP/seen5" "$TMP/crashes"
ASAN_OPTIONS=$RECOVER RACEFUZZ_SEEN_DIR=$TMP/seen5 RACEFUZZ_CRASH_DIR=$TMP/crashes \
  RACEFUZZ_PRINT_TRACE_HASH=1 "$BIN" "$B1" "${SEEDS[@]}" "$B1" >"$TMP/saved.log" 2>&1
check "a new ASan report with a crash directory does not end the process" $?
grep -q "ERROR: AddressSanitizer: heap-use-after-free" "$TMP/saved.log" &&
  grep -q "Race diagram" "$TMP/saved.log" && grep -q "racefuzz: new bug $UAF; input saved as" \
  "$TMP/saved.log"
check "the new report is printed, then where its input is saved" $?
saved=("$TMP"/crashes/crash-*)
[[ ${#saved[@]} -eq 1 && -f "${saved[0]}" ]] && cmp -s "${saved[0]}" "$B1"
check "exactly one crash file, with the input's bytes" $?
diff <(hashes "$TMP/fresh.log" | uniq) <(hashes "$TMP/saved.log" | uniq) >/dev/null
check "the inputs after a saved bug give the same traces as in a fresh process" $?
"$BIN" "${saved[0]}" >"$TMP/replay5.log" 2>&1
status=$?
grep -q "ERROR: AddressSanitizer: heap-use-after-free" "$TMP/replay5.log" && [[ $status -ne 0 ]]
check "the saved crash file replays the bug in a plain process" $?

exit $FAILED
