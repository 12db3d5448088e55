#!/usr/bin/env bash
# A fuzzing campaign against one variant of the dma-heap model, from build to deduplicated,
# minimised findings.
#
# With no arguments: 60 seconds of libFuzzer + ASan on kref_v1 (the posted patch), starting
# from corpora/seeds. It builds what it needs first (preset libfuzzer-asan, or afl-asan),
# shows progress while it runs, and at the end sorts every crash by its report signature
# into findings/<signature>/ with:
#   reproducer       the minimised input (smallest program, fewest schedule bytes)
#   reproducer.txt   the same in text form (`racefuzz encode` turns it back into bytes)
#   report.txt       the report of the minimised input: race diagram, program, reproduce line
#   original         the first crash the engine saved with this signature
# and prints a summary table with the time each signature was first found.
#
# Usage: scripts/fuzz.sh [--engine libfuzzer|afl] [--target VARIANT] [--sanitizer
#        address|thread|undefined] [--time SECONDS] [--jobs N] [--no-feedback]
#        [--byte-mutator] [--no-minimize] [--no-skip-seen] [--out DIR] [--seed N]
#
# libFuzzer mutates most inputs as programs and schedules (fuzz/mutator.h: operations
# inserted, moved between threads or changed, short schedules), and one in four with its own
# byte mutations and the dictionary. --byte-mutator uses byte mutations only
# (RACEFUZZ_STRUCTURED_MUTATOR=0), for comparison.
#
# Each bug signature counts as a crash only the first time it appears in the campaign
# (RACEFUZZ_SEEN_DIR, fuzz/skip_seen.h); later inputs with it are treated as clean, in the
# same process, so the engine keeps exploring instead of restarting on the same shallow bug.
# For that, ASan recovers from its reports during the campaign (ASAN_OPTIONS gets
# scripts/campaign-asan-options; the libfuzzer-asan preset builds with
# -fsanitize-recover=address), and a new bug's input is saved by the target itself
# (RACEFUZZ_CRASH_DIR), so one libFuzzer process fuzzes for the whole time
# (scripts/run-libfuzzer.sh); replays and minimisation afterwards run with the usual
# options, where the first report ends the process. --no-skip-seen reports every one.
# (libFuzzer only: AFL++'s fork server makes a crash cheap, and under afl-fuzz ASan may not
# symbolise, which signatures need.)
#
# --out DIR is the campaign's working directory (default out/fuzz/ENGINE-SANITIZER-VARIANT
# in the repository; a relative DIR is taken from the current directory): the corpus the
# engine grows (corpus/), the crashes it saves (artifacts/, or afl/ with AFL++), the bug
# signatures already reported (seen/), the engine's log (fuzz.log) and the replays of the
# crashes (replays/). It must be new, empty, or the --out of an earlier fuzz.sh run (marked by the
# file .racefuzz-fuzz-out that fuzz.sh writes there), whose parts above are deleted first;
# any other directory is refused. The findings go to findings/ in the repository, whatever
# --out is.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

ENGINE=libfuzzer
VARIANT=kref_v1
SANITIZER=address
TIME=60
JOBS=1
FEEDBACK=1
STRUCTURED=1
MINIMIZE=1
SKIP_SEEN=1
OUT=""
SEED=0
VARIANTS="upstream kref_v1 fixed upstream_tee_fixed kref_v1_tee_fixed fixed_tee_mainline"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}
die() {
  echo "fuzz.sh: error: $*" >&2
  exit 2
}
need_value() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see --help)"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --engine) need_value "$@"; ENGINE=$2; shift 2 ;;
    --target|--variant) need_value "$@"; VARIANT=${2%_fuzzer}; shift 2 ;;
    --sanitizer) need_value "$@"; SANITIZER=$2; shift 2 ;;
    --time) need_value "$@"; TIME=$2; shift 2 ;;
    --jobs) need_value "$@"; JOBS=$2; shift 2 ;;
    --out) need_value "$@"; OUT=$2; shift 2 ;;
    --seed) need_value "$@"; SEED=$2; shift 2 ;;
    --no-feedback) FEEDBACK=0; shift ;;
    --byte-mutator) STRUCTURED=0; shift ;;
    --no-minimize) MINIMIZE=0; shift ;;
    --no-skip-seen) SKIP_SEEN=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[[ "$TIME" =~ ^[0-9]+$ && "$TIME" -gt 0 ]] || die "--time must be a positive number of seconds"
[[ "$JOBS" =~ ^[0-9]+$ && "$JOBS" -gt 0 ]] || die "--jobs must be a positive number"
[[ "$SEED" =~ ^[0-9]+$ ]] || die "--seed must be a number"
[[ " $VARIANTS " == *" $VARIANT "* ]] || die "unknown target '$VARIANT' (one of: $VARIANTS)"
case "$ENGINE/$SANITIZER" in
  libfuzzer/address) PRESET=libfuzzer-asan ;;
  libfuzzer/thread) PRESET=libfuzzer-tsan ;;
  libfuzzer/undefined) PRESET=libfuzzer-ubsan ;;
  afl/address) PRESET=afl-asan ;;
  afl/*) die "--engine afl supports only --sanitizer address (preset afl-asan)" ;;
  *) die "unknown --engine '$ENGINE' or --sanitizer '$SANITIZER'" ;;
esac
# Relative to the caller's directory, before the cd into the repository.
[[ -z "$OUT" ]] || OUT=$(realpath -m -- "$OUT")
# How the closing hint names the repository's files: relative from its root, else absolute.
SHOWN_ROOT=""
[[ "$PWD" == "$ROOT" ]] || SHOWN_ROOT="$ROOT/"
cd "$ROOT"

BUILD="$ROOT/build/$PRESET"
TARGET="${VARIANT}_fuzzer"
BIN="$BUILD/fuzz/$TARGET"
RACEFUZZ="$BUILD/fuzz/racefuzz"
OUT_GIVEN=$OUT
[[ -n "$OUT" ]] || OUT="$ROOT/out/fuzz/$ENGINE-$SANITIZER-$VARIANT"
FINDINGS="$ROOT/findings"
# fuzz.sh deletes only what it made: a given --out must be new, empty or an earlier run's --out,
# known by the marker. (The default --out is fuzz.sh's own, marked or from before the marker.)
OUT_MARKER=.racefuzz-fuzz-out
OUT_PARTS=(corpus artifacts seen replays afl fuzz.log "$OUT_MARKER")
if [[ -e "$OUT" || -L "$OUT" ]]; then
  [[ -d "$OUT" ]] || die "--out $OUT exists and is not a directory"
  if [[ -n "$OUT_GIVEN" && ! -f "$OUT/$OUT_MARKER" && -n "$(ls -A -- "$OUT" 2>/dev/null || echo unreadable)" ]]; then
    die "--out $OUT is not empty and is not an earlier fuzz.sh --out (no $OUT_MARKER in it);" \
      "give a new or empty directory"
  fi
fi

# --- Build -----------------------------------------------------------------------------
echo "== building $TARGET and racefuzz (preset $PRESET)"
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  cmake --preset "$PRESET" >/dev/null || die "cmake --preset $PRESET failed"
fi
cmake --build "$BUILD" --target "$TARGET" racefuzz -- -j"$(nproc)" | grep -E '^(FAILED|error)' \
  || true
[[ -x "$BIN" && -x "$RACEFUZZ" ]] || die "build of $TARGET failed; run: cmake --build $BUILD --target $TARGET racefuzz"

# --- Corpus ----------------------------------------------------------------------------
"$ROOT/scripts/encode-seeds.sh" --racefuzz "$RACEFUZZ" >/dev/null
for part in "${OUT_PARTS[@]}"; do rm -rf "${OUT:?}/$part"; done
rm -f "$OUT"/afl-worker*.log
mkdir -p "$OUT/corpus" "$OUT/artifacts" "$FINDINGS"
echo "scripts/fuzz.sh made this directory (--out); a rerun deletes its corpus/, artifacts/, seen/, replays/, afl/ and logs." \
  >"$OUT/$OUT_MARKER"
cp "$ROOT"/corpora/seeds/*.bin "$OUT/corpus/"
DICT="$ROOT/corpora/racefuzz.dict"
export RACEFUZZ_FEEDBACK=$FEEDBACK
export RACEFUZZ_STRUCTURED_MUTATOR=$STRUCTURED
ASAN_OPTIONS_BEFORE=${ASAN_OPTIONS-}
if [[ $SKIP_SEEN -eq 1 && "$ENGINE" == libfuzzer ]]; then
  mkdir -p "$OUT/seen"
  export RACEFUZZ_SEEN_DIR="$OUT/seen"
  # A new bug's input is saved to artifacts/ by the target itself, and the process goes on:
  # a crash would restart the fork-mode job, about a second each time (fuzz/crash_directory.h).
  export RACEFUZZ_CRASH_DIR="$OUT/artifacts"
  # Recover from ASan reports so a known bug does not end the process, and leave the
  # frames of a report unsymbolised: the target names them from a cache
  # (fuzz/report_symbolizer.h), which saves a symbolizer round trip per frame of every
  # known report. A known report is still formatted by ASan, and its stack traces are most
  # of that cost (each piece appended to a frame clears the rest of ASan's string buffer):
  # frames as "#N pc (module+offset)" only, no colour checks, cut a known use-after-free's
  # CPU time by a quarter, and no legend, summary or thread history by 15% more; the
  # signature is the same (tests/fuzz/skip_seen_test.sh). The
  # user's other ASan options are kept; these (scripts/campaign-asan-options, shared with
  # bench/ttb.py and tests/fuzz/skip_seen_test.sh) come last, so they win.
  [[ "$SANITIZER" == address ]] &&
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}$(cat "$ROOT/scripts/campaign-asan-options")"
fi
LOG="$OUT/fuzz.log"
START=$(date +%s)

echo "== fuzzing $TARGET with $ENGINE + $SANITIZER for ${TIME}s, $JOBS job(s); log: ${LOG#$ROOT/}"
# Progress: the engine's status lines matching $1, at most one every 5 seconds; the full
# log keeps everything.
progress() {
  awk -v pattern="$1" -v start="$START" '
    $0 ~ pattern {
      now = systime()
      if (now - last >= 5 || /wrapping up|Testcase|crash-|new bug|restarting/) {
        printf "   [%3ds] %s\n", now - start, $0
        fflush()
        last = now
      }
    }' || true
}

case "$ENGINE" in
  libfuzzer)
    # scripts/run-libfuzzer.sh: one process for one job (restarted only after what it cannot
    # recover from), libFuzzer's fork mode for several; the same invocation as bench/ttb.py.
    (cd "$OUT" && "$ROOT/scripts/run-libfuzzer.sh" "$BIN" "$TIME" "$SEED" "$JOBS" "$DICT" 2>&1) \
      | tee "$LOG" | progress '^#[0-9]+(: cov|[[:space:]]+(pulse|NEW|REDUCE|INITED|DONE))|INFO: fuzzed for|racefuzz: new bug|restarting' \
      || die "the fuzzing engine could not run; the end of its log:
$(tail -n 15 "$LOG")"
    CRASHES=("$OUT"/artifacts/crash-* "$OUT"/artifacts/timeout-* "$OUT"/artifacts/oom-*)
    ;;
  afl)
    command -v afl-fuzz >/dev/null || die "afl-fuzz not found (scripts/setup.sh installs afl++)"
    export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
    export AFL_NO_AFFINITY=1 AFL_SKIP_CRASHES=1 AFL_FAST_CAL=1 AFL_QUIET=1
    AFL_ARGS=(-i "$OUT/corpus" -o "$OUT/afl" -V "$TIME" -x "$DICT" -t 10000 -m none)
    for ((j = 1; j < JOBS; j++)); do
      afl-fuzz "${AFL_ARGS[@]}" -S "worker$j" -- "$BIN" >"$OUT/afl-worker$j.log" 2>&1 &
    done
    (afl-fuzz "${AFL_ARGS[@]}" -M main -- "$BIN" 2>&1 || true) | tee "$LOG" \
      | progress 'exec speed|saved crashes|corpus count|crashes saved|cycles done'
    wait
    CRASHES=("$OUT"/afl/*/crashes/id:*)
    ;;
esac

# --- Findings: replay, group by signature, minimise ------------------------------------
unset RACEFUZZ_SEEN_DIR RACEFUZZ_CRASH_DIR
if [[ -n "$ASAN_OPTIONS_BEFORE" ]]; then
  export ASAN_OPTIONS=$ASAN_OPTIONS_BEFORE
else
  unset ASAN_OPTIONS
fi
echo "== sorting crashes by signature"
declare -A FIRST_FILE=() FIRST_TIME=() COUNT=()
# The oldest 300 crashes are plenty to see every distinct bug of one campaign. Replays run
# in parallel, each in its own process (a sanitizer report ends the process).
mkdir -p "$OUT/replays"
mapfile -t CRASHES < <(ls -1tr "${CRASHES[@]}" 2>/dev/null | head -300)
replay_one() {
  local crash=$1 log="$OUT/replays/$(basename "$1").log" status=0
  env -u RACEFUZZ_SEEN_DIR -u RACEFUZZ_CRASH_DIR "$BIN" "$crash" >"$log" 2>&1 || status=$?
  echo "$status" >"$log.status"
}
export -f replay_one
export BIN OUT
printf '%s\0' "${CRASHES[@]}" | xargs -0 -r -P "$(nproc)" -I{} bash -c 'replay_one "$1"' _ {} \
  2>/dev/null
for crash in "${CRASHES[@]}"; do
  log="$OUT/replays/$(basename "$crash").log"
  [[ -f "$log" ]] || continue
  crashed=""
  [[ "$(cat "$log.status")" != 0 ]] && crashed=--crashed
  sig=$("$RACEFUZZ" signature $crashed "$log")
  [[ "$sig" == clean ]] && sig=flaky.not-reproducible
  found=$(( $(stat -c %Y "$crash") - START ))
  COUNT[$sig]=$(( ${COUNT[$sig]:-0} + 1 ))
  if [[ -z "${FIRST_FILE[$sig]:-}" || $found -lt ${FIRST_TIME[$sig]} ]]; then
    FIRST_FILE[$sig]=$crash
    FIRST_TIME[$sig]=$found
  fi
done

if [[ ${#FIRST_FILE[@]} -eq 0 ]]; then
  echo "== no findings in ${TIME}s on $VARIANT"
  exit 0
fi

# One directory per signature; the minimisations run in parallel.
finding() {
  local sig=$1 dir="$FINDINGS/$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "${FIRST_FILE[$sig]}" "$dir/original"
  echo "$VARIANT" >"$dir/variant"
  if [[ $MINIMIZE -eq 1 && "$sig" != flaky.* && "$sig" != libfuzzer.* ]]; then
    "$RACEFUZZ" minimize "$dir/original" --variant "$VARIANT" --signature "$sig" \
      --max_seconds 10 -o "$dir/reproducer" >/dev/null 2>"$dir/minimize.log" \
      || cp "$dir/original" "$dir/reproducer"
  else
    cp "$dir/original" "$dir/reproducer"
  fi
  "$RACEFUZZ" decode "$dir/reproducer" >"$dir/reproducer.txt"
  "$RACEFUZZ" run "$dir/reproducer" --variant "$VARIANT" >"$dir/report.txt" 2>&1 || true
  sed -i "s|$ROOT/||g" "$dir/report.txt"
}
echo "== minimising ${#FIRST_FILE[@]} finding(s)"
for sig in "${!FIRST_FILE[@]}"; do
  finding "$sig" &
done
wait

echo
echo "== findings on $VARIANT ($ENGINE + $SANITIZER, ${TIME}s, $JOBS job(s))"
# "known as": the regression inputs whose expected outcome on this variant is this signature.
known_as() {
  grep -l -x "$VARIANT: $1" "$ROOT"/corpora/regressions/*.expect 2>/dev/null \
    | sed -n 's|.*/\(B[0-9]*\)_.*|\1|p' | sort -V | paste -sd, - || true
}
printf '%-8s %8s %7s %4s %6s  %s\n' "known as" "first at" crashes ops sched "signature (findings/<signature>/)"
for sig in $(printf '%s\n' "${!FIRST_FILE[@]}" | sort); do
  dir="$FINDINGS/$sig"
  ops=$(grep -c '^T[0-9]:' "$dir/reproducer.txt" || true)
  sched=$(sed -n 's/^schedule //p' "$dir/reproducer.txt" | tr ' ' '\n' | grep -c '^[0-9a-f][0-9a-f]$' || true)
  known=$(known_as "$sig")
  printf '%-8s %7ss %7s %4s %6s  %s\n' "${known:--}" "${FIRST_TIME[$sig]}" "${COUNT[$sig]}" \
    "$ops" "$sched" "$sig"
done
echo
echo "${SHOWN_ROOT}findings/<signature>/ has report.txt (report, race diagram, program) and the"
echo "minimised reproducer (+ .txt); compare the variants with this campaign's build ($SANITIZER;"
echo "another sanitizer's build may show another bug, or none):"
echo "  ${SHOWN_ROOT}scripts/reproduce.sh ${SHOWN_ROOT}findings/<signature>/reproducer --variant all --preset $PRESET"
