#!/usr/bin/env bash
# Fuzzes the HARNESS for false positives: libFuzzer on harness_selftest_fuzzer, whose program
# is correct by construction (fuzz/selftest_program.h), under every strategy (byte-driven,
# random, PCT; each execution also replayed from its decisions). Any report, crash, hang or
# out-of-memory is a harness bug: the run stops at the first one, saves the input under
# OUT/artifacts/ and exits 1.
#
# Usage: scripts/selftest-fuzz.sh [--time SECONDS] [--sanitizer address|thread|undefined]
#        [--build DIR] [--out DIR] [--seed N]
#   --time       default 30 (CI); the acceptance run is 600 per sanitizer
#   --sanitizer  default address
#   --build      a libFuzzer build directory (default build/libfuzzer-<asan|tsan|ubsan>,
#                configured from its preset and built if needed)
#   --out        default out/selftest-<sanitizer>
# Prints executions, exec/s and new units at the end. Exit: 0 no report, 1 a report (a
# harness bug), 2 a usage or build error.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ROOT=$RF_ROOT

TIME=30
SANITIZER=address
BUILD=""
OUT=""
SEED=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --time) rf_need_value "$@"; TIME=$2; shift 2 ;;
    --sanitizer) rf_need_value "$@"; SANITIZER=$2; shift 2 ;;
    --build) rf_need_value "$@"; BUILD=$2; shift 2 ;;
    --out) rf_need_value "$@"; OUT=$2; shift 2 ;;
    --seed) rf_need_value "$@"; SEED=$2; shift 2 ;;
    -h|--help) rf_usage; exit 0 ;;
    *) rf_die "unknown argument '$1' (see --help)" ;;
  esac
done
rf_positive_int --time "$TIME"
rf_nonnegative_int --seed "$SEED"
case "$SANITIZER" in
  address) PRESET=libfuzzer-asan ;;
  thread) PRESET=libfuzzer-tsan ;;
  undefined) PRESET=libfuzzer-ubsan ;;
  *) rf_die "unknown --sanitizer '$SANITIZER' (address, thread or undefined)" ;;
esac
[[ -n "$BUILD" ]] || BUILD="$ROOT/build/$PRESET"
[[ -n "$OUT" ]] || OUT="$ROOT/out/selftest-$SANITIZER"
BUILD=$(realpath -m "$BUILD")
OUT=$(realpath -m "$OUT")
BIN="$BUILD/fuzz/harness_selftest_fuzzer"

rf_setup
rf_build "$PRESET" "$BUILD" harness_selftest_fuzzer || exit 2
[[ -x "$BIN" ]] || rf_die "$BIN was not built"
grep -q 'RACEFUZZ_FUZZ_ENGINE:STRING=libfuzzer' "$BUILD/CMakeCache.txt" \
  || rf_die "$BUILD is not a libFuzzer build (preset $PRESET)"

rm -rf "$OUT"
mkdir -p "$OUT/corpus" "$OUT/artifacts"
cp "$ROOT"/corpora/selftest/*.bin "$OUT/corpus/"
LOG="$OUT/fuzz.log"
echo "== harness self-test: libFuzzer + $SANITIZER for ${TIME}s; log ${LOG#$ROOT/}"
status=0
# Killed two minutes after its time (status 124/137): a hang fails the self-test, not CI.
(cd "$OUT" && timeout -k 10 $((TIME + 120)) "$BIN" corpus -max_total_time="$TIME" -timeout=10 \
    -max_len=256 -seed="$SEED" -artifact_prefix=artifacts/ -print_final_stats=1 \
    -close_fd_mask=0) >"$LOG" 2>&1 || status=$?

fuzz_stat() { sed -n "s/^stat::$1: *//p" "$LOG" | tail -n 1; }
echo "   executions: $(fuzz_stat number_of_executed_units), exec/s: $(fuzz_stat average_exec_per_sec)," \
  "new units: $(fuzz_stat new_units_added), peak RSS: $(fuzz_stat peak_rss_mb) MB"
artifacts=$(find "$OUT/artifacts" -type f | wc -l)
if [[ $status -ne 0 || $artifacts -gt 0 ]]; then
  echo "== HARNESS FALSE POSITIVE (or crash/hang): libFuzzer exit $status, $artifacts artifact(s) in ${OUT#$ROOT/}/artifacts"
  grep -m 5 -E '==racefuzz==|racefuzz: harness bug|ERROR: |WARNING: ThreadSanitizer|runtime error|SUMMARY' "$LOG" || true
  echo "   replay: $BIN ${OUT#$ROOT/}/artifacts/<file>"
  exit 1
fi
echo "== no report: the harness stayed quiet on correct code"
