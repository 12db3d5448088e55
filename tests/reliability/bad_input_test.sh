#!/usr/bin/env bash
# Every script and command line rejects bad input with a clear message and a non-zero exit,
# never a crash or a hang: missing, empty, oversized, corrupt or wrong-target files, and bad
# flags. One case per line below; each runs under a timeout and must exit with the status
# given and print the message given (a crash by signal or a timeout fails the case).
#
# Usage: tests/reliability/bad_input_test.sh BUILD_DIR   (a standalone build with racefuzz
#        and the fuzz targets; ctest passes its own)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:?usage: bad_input_test.sh BUILD_DIR}
RACEFUZZ="$BUILD/fuzz/racefuzz"
FIXED="$BUILD/fuzz/fixed_fuzzer"
SELFTEST="$BUILD/fuzz/harness_selftest_fuzzer"
for bin in "$RACEFUZZ" "$FIXED" "$SELFTEST"; do
  [[ -x "$bin" ]] || { echo "bad_input_test: $bin not built" >&2; exit 2; }
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
head -c $((2 * 1024 * 1024)) /dev/zero >"$TMP/oversized.bin"
cp "$TMP/oversized.bin" "$TMP/oversized.txt"
: >"$TMP/empty.bin"
printf 'threads 2\nT1: f0 = open heap0\nT7: bogus operation\n' >"$TMP/corrupt.txt"
printf '\xff\xfe\x00binary garbage\x01' >"$TMP/binary.txt"
# A report saved with a .txt name: text, but not an input (the wrong kind of file).
printf '==racefuzz== BUG [refcount]: refcount_t: underflow\nRace diagram ...\n' >"$TMP/report.txt"
mkdir "$TMP/empty_dir"
# A directory of the user's: scripts must refuse to use it as an output directory they delete.
mkdir "$TMP/user_dir"
echo keep >"$TMP/user_dir/keep"
# Any byte string is a valid input of a fuzz target: these must run, not be rejected.
printf '\x03\x3f\xff\xff\xff\xff\x80\x81\x82\x83\x00\x01' >"$TMP/garbage.bin"

passed=0
failed=0
# expect STATUS MESSAGE -- COMMAND...: STATUS is a number or "nonzero".
expect() {
  local want=$1 message=$2
  shift 3
  local out status=0
  out=$(cd "$ROOT" && timeout -s KILL 60 "$@" </dev/null 2>&1) || status=$?
  local ok=1
  if [[ $status -eq 137 ]]; then
    ok=0; why="hung (killed after 60 s)"
  elif [[ $status -gt 128 ]]; then
    ok=0; why="crashed with signal $((status - 128))"
  elif [[ $want == nonzero && $status -eq 0 ]]; then
    ok=0; why="exit 0, wanted non-zero"
  elif [[ $want != nonzero && $status -ne $want ]]; then
    ok=0; why="exit $status, wanted $want"
  elif [[ -n "$message" && "$out" != *"$message"* ]]; then
    ok=0; why="message does not contain '$message'"
  fi
  if [[ $ok -eq 1 ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $* -> $why"
    echo "$out" | head -n 5 | sed 's/^/    | /'
  fi
}

# --- racefuzz command line -------------------------------------------------------------
expect 2 "missing command" -- "$RACEFUZZ"
expect 2 "unknown command" -- "$RACEFUZZ" frobnicate
expect 2 "Unknown command line flag" -- "$RACEFUZZ" decode corpora/seeds/find_put.bin --bogus
expect 2 "Illegal value" -- "$RACEFUZZ" minimize corpora/seeds/find_put.bin --max_seconds=abc -o "$TMP/o"
expect 0 "" -- "$RACEFUZZ" --help
expect 2 "no such file" -- "$RACEFUZZ" decode "$TMP/missing.bin"
expect 2 "not a regular file" -- "$RACEFUZZ" decode "$TMP/empty_dir"
expect 2 "too large" -- "$RACEFUZZ" decode "$TMP/oversized.bin"
expect 2 "too large" -- "$RACEFUZZ" run "$TMP/oversized.txt" --variant fixed
expect 2 "line 3" -- "$RACEFUZZ" decode "$TMP/corrupt.txt"
expect 2 "corrupt.txt" -- "$RACEFUZZ" replay "$TMP/corrupt.txt" --variant fixed
expect 2 "binary.txt" -- "$RACEFUZZ" encode "$TMP/binary.txt" -o "$TMP/out.bin"
expect 2 "report.txt" -- "$RACEFUZZ" run "$TMP/report.txt" --variant fixed
expect 2 "unknown variant" -- "$RACEFUZZ" run corpora/seeds/find_put.bin --variant nope
expect 2 "unknown variant" -- "$RACEFUZZ" replay corpora/seeds/find_put.bin --variant ""
expect 2 "needs -o" -- "$RACEFUZZ" encode corpora/seeds/find_put.txt
expect 2 "needs -o" -- "$RACEFUZZ" minimize corpora/seeds/find_put.bin --variant kref_v1
expect 2 "usage" -- "$RACEFUZZ" decode
expect 2 "usage" -- "$RACEFUZZ" decode corpora/seeds/find_put.bin corpora/seeds/dup_close.bin
expect 2 "no such file" -- "$RACEFUZZ" signature "$TMP/missing.log"
expect 0 "threads" -- "$RACEFUZZ" decode "$TMP/empty.bin"  # empty bytes: a valid, empty input

# --- standalone fuzz target drivers ------------------------------------------------------
for bin in "$FIXED" "$SELFTEST"; do
  expect 2 "usage" -- "$bin"
  expect 2 "no such file" -- "$bin" "$TMP/missing.bin"
  expect 2 "unknown flag" -- "$bin" -bogus=1 corpora/seeds/find_put.bin
  expect 2 "-runs needs a positive number" -- "$bin" -runs=abc corpora/seeds/find_put.bin
  expect 2 "-runs needs a positive number" -- "$bin" -runs=0 corpora/seeds/find_put.bin
  expect 2 "too large" -- "$bin" "$TMP/oversized.bin"
  expect 2 "no input files" -- "$bin" "$TMP/empty_dir"
  expect 2 "not a regular file" -- "$bin" /dev/null
  expect 0 "clean" -- "$bin" "$TMP/empty.bin"
  expect 0 "clean" -- "$bin" "$TMP/garbage.bin"
done
expect 2 "not a valid text-form input" -- "$FIXED" "$TMP/corrupt.txt"
expect 2 "not a valid text-form input" -- "$FIXED" "$TMP/report.txt"
expect 0 "clean" -- "$FIXED" corpora/seeds/find_put.txt

# --- scripts: argument validation (nothing here builds or fuzzes) --------------------------
expect 2 "unknown argument" -- scripts/fuzz.sh --bogus
expect 2 "--time must be" -- scripts/fuzz.sh --time abc
expect 2 "needs a value" -- scripts/fuzz.sh --time
expect 2 "unknown target" -- scripts/fuzz.sh --target nope
expect 2 "unknown --engine" -- scripts/fuzz.sh --engine nope
expect 2 "unknown --engine" -- scripts/fuzz.sh --sanitizer nope
expect 2 "is not empty and is not an earlier fuzz.sh --out" -- scripts/fuzz.sh --out "$TMP/user_dir"
expect 2 "is not empty and is not an earlier fuzz.sh --out" -- scripts/fuzz.sh --out .
expect 2 "exists and is not a directory" -- scripts/fuzz.sh --out "$TMP/empty.bin"
expect 2 "missing FILE" -- scripts/reproduce.sh
expect 2 "no such file" -- scripts/reproduce.sh "$TMP/missing.bin"
expect 2 "is a directory" -- scripts/reproduce.sh "$TMP/empty_dir"
expect 2 "not a regular file" -- scripts/reproduce.sh /dev/null
expect 2 "no such file" -- scripts/minimize.sh "$TMP/missing.bin"
expect 2 "is a directory" -- scripts/minimize.sh "$TMP/empty_dir"
expect 2 "unknown option" -- scripts/reproduce.sh --bogus
expect 2 "one FILE only" -- scripts/reproduce.sh corpora/seeds/find_put.bin corpora/seeds/dup_close.bin
expect 2 "needs a value" -- scripts/reproduce.sh corpora/seeds/find_put.bin --variant
expect 2 "unknown option" -- scripts/encode-seeds.sh --bogus
expect 2 "no such directory" -- scripts/encode-seeds.sh "$TMP/missing_dir"
expect 2 "not found" -- scripts/find-racefuzz.sh --racefuzz "$TMP/missing"
expect 0 "Usage" -- scripts/find-racefuzz.sh --help
expect 2 "unknown argument" -- scripts/find-racefuzz.sh --bogus
expect 2 "unknown preset 'nonsense'" -- scripts/find-racefuzz.sh --preset nonsense
expect 2 "unknown preset 'nonsense'" -- env RACEFUZZ_PRESET=nonsense scripts/find-racefuzz.sh
expect 2 "unknown preset 'nonsense'" -- scripts/reproduce.sh corpora/seeds/find_put.bin --preset nonsense
expect 2 "unknown preset 'nonsense'" -- scripts/minimize.sh corpora/seeds/find_put.bin --preset nonsense -o "$TMP/o"
expect 2 "no such file" -- scripts/coverage.sh "$TMP/missing.bin"
expect 2 "is not empty and is not an earlier coverage.sh report" -- scripts/coverage.sh --html "$TMP/user_dir"
expect 2 "unknown argument" -- scripts/test.sh --bogus
expect 2 "unknown argument" -- scripts/bench.sh --bogus
expect 0 "3 campaigns per fuzzing strategy, 60 s" -- scripts/bench.sh ttb --help
expect 2 "unrecognized arguments: --bogus" -- scripts/bench.sh ttb --bogus
expect 2 "unknown strategies" -- scripts/bench.sh ttb --strategies nope
expect 2 "--trials must be" -- scripts/bench.sh ttb --full --trials 0
expect 2 "--replot: no such file" -- scripts/bench.sh ttb --replot "$TMP/missing.csv"
expect 2 "unknown argument" -- scripts/bench.sh throughput --bogus
expect 2 "--seconds must be" -- scripts/bench.sh throughput --seconds abc
expect 2 "--runs must be" -- scripts/bench.sh throughput --runs 0
expect 2 "unknown argument" -- scripts/setup.sh --bogus
expect 2 "unknown argument" -- scripts/check-determinism.sh --bogus
expect 2 "--repeat must be" -- scripts/check-determinism.sh --repeat 0
expect 2 "no such build directory" -- scripts/check-determinism.sh --build "$TMP/missing_dir"
expect 2 "unknown variant" -- scripts/check-determinism.sh --build "$BUILD" --variants nope
expect 2 "no such input directory" -- scripts/check-determinism.sh --build "$BUILD" --variants fixed --inputs "$TMP/missing_dir"
expect 2 "no *.bin inputs" -- scripts/check-determinism.sh --build "$BUILD" --variants fixed --inputs "$TMP/empty_dir"
expect 2 "unknown argument" -- scripts/selftest-fuzz.sh --bogus
expect 2 "--time must be" -- scripts/selftest-fuzz.sh --time 0
expect 2 "unknown --sanitizer" -- scripts/selftest-fuzz.sh --sanitizer nope
expect 2 "unknown argument" -- scripts/soak.sh --bogus
expect 2 "--time must be" -- scripts/soak.sh --time x
expect 2 "unknown variant" -- scripts/soak.sh --variants nope
expect 2 "unknown sanitizer" -- scripts/soak.sh --sanitizers memory
expect 2 "unknown argument" -- scripts/rss-check.sh --bogus
expect 2 "--runs must be" -- scripts/rss-check.sh --runs 0
expect 2 "missing" -- scripts/rss-check.sh --build "$TMP/missing_dir" --asan-build none

# The refusals above left the user's directory as it was.
if [[ -f "$TMP/user_dir/keep" ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL: a script deleted a directory of the user's ($TMP/user_dir/keep is gone)"
fi

# Run from another directory, minimize.sh's closing hint must be a command that works there.
hint=$(cd "$TMP" && RACEFUZZ_PRESET=$(basename "$BUILD") timeout -s KILL 120 \
  bash "$ROOT/scripts/minimize.sh" "$ROOT/corpora/regressions/B1_ioctl_after_removal.bin" -o hint.min 2>&1 | tail -n 1)
if [[ "$hint" == *"replay with $ROOT/scripts/reproduce.sh hint.min"* && -f "$TMP/hint.min" ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL: minimize.sh run from elsewhere: hint '$hint' does not name reproduce.sh by a path"
  echo "      that works there, or hint.min was not written in the caller's directory"
fi

echo "bad_input_test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
