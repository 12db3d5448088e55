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
#        [--seeds DIR] [--corpus DIR] [--fresh] [--findings DIR] [--fuzzer BINARY]
#
# It installs the packages it needs first (scripts/setup.sh; nothing when all are there) and
# configures and builds the preset as needed (scripts/lib/common.sh, rf_build), so it is
# the one command on a fresh machine, and again after an interrupted or failed build.
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
# When the fuzzing process dies (a SEGV after a recovered report, a TSan race, a timeout),
# the input it died on is saved and the campaign goes on for the time that is left
# (scripts/run-libfuzzer.sh); at the end the findings are sorted and reported as always,
# with a line saying how often the engine died and why (--out's engine-deaths.tsv).
#
# The corpus grows across campaigns: each campaign starts from the seeds and the target's
# kept corpus (--corpus DIR, default out/corpus/TARGET, shared by every engine and
# sanitizer), and at the end merges what it found into it: `-merge=1` with libFuzzer
# (only inputs that add coverage are added; nothing is deleted), afl-cmin with AFL++.
# --fresh starts from the seeds alone (the kept corpus is still merged into at the end).
#
# --seeds DIR starts from the inputs in DIR instead of corpora/seeds. --findings DIR puts
# the findings there instead of findings/ in the repository (a relative DIR is the
# caller's). --fuzzer BINARY fuzzes a libFuzzer binary of your own instead of a variant of
# the model (built with -fsanitize=fuzzer and, for recovery, -fsanitize-recover=address):
# its crashes are sorted by signature in the same way, with the binary's own replay as the
# report and no minimisation (the minimiser knows only the dma-heap program).
#
# --out DIR is the campaign's working directory (default out/fuzz/ENGINE-SANITIZER-VARIANT
# in the repository; a relative DIR is taken from the current directory): the corpus the
# engine grows (corpus/), the crashes it saves (artifacts/, or afl/ with AFL++), the bug
# signatures already reported (seen/), the engine's log (fuzz.log) and the replays of the
# crashes (replays/). It must be new, empty, or the --out of an earlier fuzz.sh run (marked by the
# file .racefuzz-fuzz-out that fuzz.sh writes there), whose parts above are deleted first;
# any other directory is refused. The findings go to findings/ in the repository (or
# --findings), whatever --out is.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ROOT=$RF_ROOT

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
SEEDS_DIR=""
CORPUS=""
FRESH=0
FINDINGS=""
FUZZER=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --engine) rf_need_value "$@"; ENGINE=$2; shift 2 ;;
    --target|--variant) rf_need_value "$@"; VARIANT=${2%_fuzzer}; shift 2 ;;
    --sanitizer) rf_need_value "$@"; SANITIZER=$2; shift 2 ;;
    --time) rf_need_value "$@"; TIME=$2; shift 2 ;;
    --jobs) rf_need_value "$@"; JOBS=$2; shift 2 ;;
    --out) rf_need_value "$@"; OUT=$2; shift 2 ;;
    --seed) rf_need_value "$@"; SEED=$2; shift 2 ;;
    --seeds) rf_need_value "$@"; SEEDS_DIR=$2; shift 2 ;;
    --corpus) rf_need_value "$@"; CORPUS=$2; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    --findings) rf_need_value "$@"; FINDINGS=$2; shift 2 ;;
    --fuzzer) rf_need_value "$@"; FUZZER=$2; shift 2 ;;
    --no-feedback) FEEDBACK=0; shift ;;
    --byte-mutator) STRUCTURED=0; shift ;;
    --no-minimize) MINIMIZE=0; shift ;;
    --no-skip-seen) SKIP_SEEN=0; shift ;;
    -h|--help) rf_usage; exit 0 ;;
    *) rf_die "unknown argument '$1' (see --help)" ;;
  esac
done

rf_positive_int --time "$TIME"
rf_positive_int --jobs "$JOBS"
rf_nonnegative_int --seed "$SEED"
[[ " $RF_VARIANTS " == *" $VARIANT "* ]] || rf_die "unknown target '$VARIANT' (one of: $RF_VARIANTS)"
case "$ENGINE/$SANITIZER" in
  libfuzzer/address) PRESET=libfuzzer-asan ;;
  libfuzzer/thread) PRESET=libfuzzer-tsan ;;
  libfuzzer/undefined) PRESET=libfuzzer-ubsan ;;
  afl/address) PRESET=afl-asan ;;
  afl/*) rf_die "--engine afl supports only --sanitizer address (preset afl-asan)" ;;
  *) rf_die "unknown --engine '$ENGINE' or --sanitizer '$SANITIZER'" ;;
esac
# Paths given are the caller's: made absolute before the cd into the repository.
if [[ -n "$FUZZER" ]]; then
  [[ "$ENGINE" == libfuzzer ]] || rf_die "--fuzzer takes a libFuzzer binary (--engine libfuzzer)"
  [[ -f "$FUZZER" && -x "$FUZZER" ]] || rf_die "--fuzzer $FUZZER is not an executable file"
  FUZZER=$(realpath -- "$FUZZER")
fi
if [[ -n "$SEEDS_DIR" ]]; then
  [[ -d "$SEEDS_DIR" ]] || rf_die "--seeds $SEEDS_DIR is not a directory"
  SEEDS_DIR=$(realpath -- "$SEEDS_DIR")
fi
[[ -z "$FINDINGS" ]] || FINDINGS=$(realpath -m -- "$FINDINGS")
if [[ -n "$CORPUS" ]]; then
  [[ ! -e "$CORPUS" || -d "$CORPUS" ]] || rf_die "--corpus $CORPUS exists and is not a directory"
  CORPUS=$(realpath -m -- "$CORPUS")
fi
[[ -z "$OUT" ]] || OUT=$(realpath -m -- "$OUT")
# How the closing hint names the repository's files: relative from its root, else absolute.
SHOWN_ROOT=""
[[ "$PWD" == "$ROOT" ]] || SHOWN_ROOT="$ROOT/"
cd "$ROOT"

BUILD="$ROOT/build/$PRESET"
RACEFUZZ="$BUILD/fuzz/racefuzz"
if [[ -n "$FUZZER" ]]; then
  BIN=$FUZZER
  TARGET=$(basename "$FUZZER")
  NAME=$TARGET
  BUILD_TARGETS=(racefuzz)  # for the signatures only
else
  TARGET="${VARIANT}_fuzzer"
  BIN="$BUILD/fuzz/$TARGET"
  NAME=$VARIANT
  BUILD_TARGETS=("$TARGET" racefuzz)
fi
OUT_GIVEN=$OUT
[[ -n "$OUT" ]] || OUT="$ROOT/out/fuzz/$ENGINE-$SANITIZER-$NAME"
[[ -n "$FINDINGS" ]] || FINDINGS="$ROOT/findings"
[[ -n "$CORPUS" ]] || CORPUS="$ROOT/out/corpus/$NAME"
# fuzz.sh deletes only what it made: a given --out must be new, empty or an earlier run's --out,
# known by the marker. (The default --out is fuzz.sh's own, marked or from before the marker.)
OUT_MARKER=.racefuzz-fuzz-out
OUT_PARTS=(corpus artifacts seen replays afl quarantine merge-artifacts merge-queue merge-min
           fuzz.log merge.log gnuplot.log engine-deaths.tsv findings-over-time.tsv
           findings-over-time.png "$OUT_MARKER")
if [[ -e "$OUT" || -L "$OUT" ]]; then
  [[ -d "$OUT" ]] || rf_die "--out $OUT exists and is not a directory"
  if [[ -n "$OUT_GIVEN" && ! -f "$OUT/$OUT_MARKER" && -n "$(ls -A -- "$OUT" 2>/dev/null || echo unreadable)" ]]; then
    rf_die "--out $OUT is not empty and is not an earlier fuzz.sh --out (no $OUT_MARKER in it);" \
      "give a new or empty directory"
  fi
fi

# --- Packages and build ----------------------------------------------------------------
rf_setup
echo "== building ${BUILD_TARGETS[*]} (preset $PRESET; log: ${BUILD#$ROOT/}/racefuzz-build.log)"
rf_build "$PRESET" "$BUILD" "${BUILD_TARGETS[@]}" || exit 1

# --- Corpus ----------------------------------------------------------------------------
for part in "${OUT_PARTS[@]}"; do rm -rf "${OUT:?}/$part"; done
rm -f "$OUT"/afl-worker*.log
mkdir -p "$OUT/corpus" "$OUT/artifacts" "$FINDINGS" "$CORPUS"
echo "scripts/fuzz.sh made this directory (--out); a rerun deletes its corpus/, artifacts/, seen/, replays/, afl/, quarantine/ and logs." \
  >"$OUT/$OUT_MARKER"
if [[ -n "$SEEDS_DIR" ]]; then
  find "$SEEDS_DIR" -maxdepth 1 -type f ! -name '.*' -exec cp -t "$OUT/corpus/" {} +
else
  "$ROOT/scripts/encode-seeds.sh" --racefuzz "$RACEFUZZ" >/dev/null
  cp "$ROOT"/corpora/seeds/*.bin "$OUT/corpus/"
fi
SEED_COUNT=$(find "$OUT/corpus" -maxdepth 1 -type f | wc -l)
KEPT_COUNT=$(find "$CORPUS" -maxdepth 1 -type f | wc -l)
SHOWN_CORPUS=${CORPUS#"$ROOT"/}
if [[ $FRESH -eq 0 && $KEPT_COUNT -gt 0 ]]; then
  find "$CORPUS" -maxdepth 1 -type f -exec cp -t "$OUT/corpus/" {} +
  echo "== starting from $SEED_COUNT seeds and the $KEPT_COUNT inputs kept in $SHOWN_CORPUS" \
    "(--fresh: the seeds only)"
else
  echo "== starting from $SEED_COUNT seeds$([[ $FRESH -eq 1 ]] && echo " (--fresh)")"
fi
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
# Progress: at most one line every 5 seconds (and every new bug, restart and quarantine at
# once), each within 80 columns: libFuzzer's status lines shortened to runs, speed, coverage,
# corpus and the bugs found so far; other lines cut to fit. The full log keeps everything.
progress() {
  awk -v pattern="$1" -v start="$START" '
    function show(text) {
      printf "   [%3ds] %s\n", systime() - start, substr(text, 1, 70)
      fflush()
      last = systime()
    }
    /racefuzz: new bug/ { bugs++ }
    /run-libfuzzer.sh: the fuzzing process died/ { deaths++ }
    $0 ~ pattern {
      gsub(/\033\[[0-9;]*m/, "")  # AFL++ colours
      urgent = /wrapping up|Testcase|new bug|quarantine|giving up/
      if (!urgent && systime() - last < 5) next
      if (match($0, /^#[0-9]+/) && $0 ~ / cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/) {
        runs = substr($0, 2, RLENGTH - 1)
        cov = $0; sub(/.* cov: /, "", cov); sub(/ .*/, "", cov)
        ft = $0; sub(/.* ft: /, "", ft); sub(/ .*/, "", ft)
        corp = $0; sub(/.* corp: /, "", corp); sub(/\/.*/, "", corp)
        speed = $0; sub(/.* exec\/s: /, "", speed); sub(/ .*/, "", speed)
        show(sprintf("%9d runs %6d/s  cov %5d  ft %6d  corpus %5d  bugs %3d%s", runs, speed,
                     cov, ft, corp, bugs, deaths ? sprintf("  deaths %d", deaths) : ""))
      } else {
        show($0)
      }
    }' || true
}

ENGINE_FAILED=0
case "$ENGINE" in
  libfuzzer)
    # scripts/run-libfuzzer.sh: one process for one job (restarted after whatever ends it,
    # with its input saved), libFuzzer's fork mode for several; the same invocation as
    # bench/ttb.py.
    # (progress and tee do not fail: the pipeline fails when run-libfuzzer.sh does.)
    if ! (cd "$OUT" && "$ROOT/scripts/run-libfuzzer.sh" "$BIN" "$TIME" "$SEED" "$JOBS" "$DICT" 2>&1) \
      | tee "$LOG" | progress '^#[0-9]+(: cov|[[:space:]]+(pulse|NEW|REDUCE|INITED|DONE))|INFO: fuzzed for|racefuzz: new bug|run-libfuzzer.sh:'; then
      ENGINE_FAILED=1
    fi
    CRASHES=("$OUT"/artifacts/crash-* "$OUT"/artifacts/timeout-* "$OUT"/artifacts/oom-*)
    ;;
  afl)
    command -v afl-fuzz >/dev/null || rf_die "afl-fuzz not found (scripts/setup.sh installs afl++)"
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

# --- The kept corpus: what this campaign found that adds coverage ----------------------
# With the campaign's own settings (known bugs count as clean, new ones are saved, not
# fatal), so an input that shows a known bug still adds its coverage.
MERGE_LOG="$OUT/merge.log"
merge_corpus() {
  local before after
  before=$(find "$CORPUS" -maxdepth 1 -type f | wc -l)
  case "$ENGINE" in
    libfuzzer)
      mkdir -p "$OUT/merge-artifacts"
      (cd "$OUT" && RACEFUZZ_CRASH_DIR="$OUT/merge-artifacts" timeout -k 10 600 "$BIN" \
        -merge=1 -artifact_prefix=merge-artifacts/ -max_len=64 -timeout=10 "$CORPUS" \
        "$OUT/corpus") >"$MERGE_LOG" 2>&1 || return 1
      ;;
    afl)
      local queue="$OUT/merge-queue" minimised="$OUT/merge-min" file sum
      rm -rf "$queue" "$minimised"
      mkdir -p "$queue"
      find "$OUT"/afl/*/queue -maxdepth 1 -type f -name 'id:*' -exec cp -t "$queue" {} + 2>/dev/null
      [[ -n "$(ls -A "$queue")" ]] || return 0
      # AFL_ALLOW_TMP: afl-cmin refuses directories under /tmp (shared, guessable names); ours
      # are the campaign's own.
      AFL_ALLOW_TMP=1 AFL_SKIP_BIN_CHECK=1 timeout -k 10 600 afl-cmin -i "$queue" -o "$minimised" -t 10000 \
        -m none -- "$BIN" >"$MERGE_LOG" 2>&1 || return 1
      for file in "$minimised"/*; do
        [[ -f "$file" ]] || continue
        sum=$(sha1sum <"$file" | cut -d' ' -f1)
        [[ -e "$CORPUS/$sum" ]] || cp "$file" "$CORPUS/$sum"
      done
      ;;
  esac
  after=$(find "$CORPUS" -maxdepth 1 -type f | wc -l)
  echo "== corpus: $((after - before)) new input(s) merged into $SHOWN_CORPUS ($after in all);" \
    "the next campaign on $NAME starts from it"
}
merge_corpus || echo "fuzz.sh: warning: merging the corpus into $SHOWN_CORPUS failed (log:" \
  "${MERGE_LOG#$ROOT/}); it is as it was before this campaign" >&2

# How often the fuzzing process died, and of what (scripts/run-libfuzzer.sh's record).
DEATHS_SUMMARY=""
if [[ -s "$OUT/engine-deaths.tsv" ]]; then
  DEATHS_SUMMARY="the fuzzing process died $(wc -l <"$OUT/engine-deaths.tsv") time(s) and was restarted with its input saved: $(
    cut -f3 "$OUT/engine-deaths.tsv" | sort | uniq -c | sort -rn | sed -E 's/^ *([0-9]+) /\1x /' | paste -sd';' - | sed 's/;/; /g')"
  echo "== $DEATHS_SUMMARY (${OUT#$ROOT/}/engine-deaths.tsv)"
fi

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

# The campaign's closing words when the engine could not run: after the findings, if any.
engine_failed_exit() {
  [[ $ENGINE_FAILED -eq 1 ]] || return 0
  echo "fuzz.sh: error: the fuzzing engine could not run to the end of its time; the end of" \
    "its log (${LOG#$ROOT/}):" >&2
  tail -n 15 "$LOG" >&2
  exit 1
}

if [[ ${#FIRST_FILE[@]} -eq 0 ]]; then
  echo "== no findings in ${TIME}s on $NAME"
  engine_failed_exit
  exit 0
fi

# One directory per signature; the minimisations run in parallel. A binary of the user's
# (--fuzzer) is not a dma-heap program: its finding is the crash as saved, and its report
# is the binary's own replay.
finding() {
  local sig=$1 dir="$FINDINGS/$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "${FIRST_FILE[$sig]}" "$dir/original"
  if [[ -n "$FUZZER" ]]; then
    echo "$FUZZER" >"$dir/fuzzer"
    cp "$dir/original" "$dir/reproducer"
    cp "$OUT/replays/$(basename "${FIRST_FILE[$sig]}").log" "$dir/report.txt"
    return
  fi
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
echo "== findings on $NAME ($ENGINE + $SANITIZER, ${TIME}s, $JOBS job(s))"
[[ -z "$DEATHS_SUMMARY" ]] || echo "   ($DEATHS_SUMMARY)"
# "known as": the regression inputs whose expected outcome on this variant is this signature.
known_as() {
  [[ -z "$FUZZER" ]] || return 0
  grep -l -x "$VARIANT: $1" "$ROOT"/corpora/regressions/*.expect 2>/dev/null \
    | sed -n 's|.*/\(B[0-9]*\)_.*|\1|p' | sort -V | paste -sd, - || true
}
SHOWN_FINDINGS=$FINDINGS
[[ "$FINDINGS" != "$ROOT/findings" ]] || SHOWN_FINDINGS="${SHOWN_ROOT}findings"
# One row a signature; a signature too long for an 80-column row goes on a line of its own.
printf '%-8s %8s %7s %4s %6s  %s\n' "known as" "first at" crashes ops sched "signature"
for sig in $(printf '%s\n' "${!FIRST_FILE[@]}" | sort); do
  dir="$FINDINGS/$sig"
  ops=- sched=-
  if [[ -f "$dir/reproducer.txt" ]]; then
    ops=$(grep -c '^T[0-9]:' "$dir/reproducer.txt" || true)
    sched=$(sed -n 's/^schedule //p' "$dir/reproducer.txt" | tr ' ' '\n' | grep -c '^[0-9a-f][0-9a-f]$' || true)
  fi
  known=$(known_as "$sig")
  row=$(printf '%-8s %7ss %7s %4s %6s' "${known:--}" "${FIRST_TIME[$sig]}" "${COUNT[$sig]}" \
    "$ops" "$sched")
  if [[ $((${#row} + 2 + ${#sig})) -le 80 ]]; then
    echo "$row  $sig"
  else
    echo "$row"
    echo "    $sig"
  fi
done
echo "(each signature is a directory of $SHOWN_FINDINGS/)"
# Distinct bugs over the campaign's time, as a plot (gnuplot, scripts/setup.sh installs it).
PLOT_DATA="$OUT/findings-over-time.tsv"
PLOT="$OUT/findings-over-time.png"
for sig in "${!FIRST_TIME[@]}"; do echo "${FIRST_TIME[$sig]}"; done | sort -n \
  | awk '{ printf "%d\t%d\n", $1, NR }' >"$PLOT_DATA"
if command -v gnuplot >/dev/null && gnuplot -e "set terminal pngcairo size 800,480 noenhanced;
    set output '$PLOT'; set title 'Distinct bugs found: $NAME, $ENGINE + $SANITIZER, ${TIME} s';
    set xlabel 'seconds into the campaign'; set ylabel 'signatures'; set key off;
    set xrange [0:$TIME]; set yrange [0:*]; set grid;
    plot '$PLOT_DATA' using 1:2 with steps linewidth 2" 2>"$OUT/gnuplot.log"; then
  echo "(distinct bugs over time: ${PLOT#"$ROOT"/})"
fi
echo
if [[ -n "$FUZZER" ]]; then
  echo "$SHOWN_FINDINGS/<signature>/ has report.txt (the binary's replay of the crash) and the"
  echo "reproducer; replay it with: $FUZZER $SHOWN_FINDINGS/<signature>/reproducer"
else
  echo "$SHOWN_FINDINGS/<signature>/ has report.txt (report, race diagram, program) and the"
  echo "minimised reproducer (+ .txt); compare the variants with this campaign's build ($SANITIZER;"
  echo "another sanitizer's build may show another bug, or none):"
  echo "  ${SHOWN_ROOT}scripts/reproduce.sh $SHOWN_FINDINGS/<signature>/reproducer --variant all --preset $PRESET"
fi
engine_failed_exit
