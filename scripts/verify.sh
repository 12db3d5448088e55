#!/usr/bin/env bash
# Proof mode over the corpus: `racefuzz verify` (every schedule with at most K preemptions;
# fuzz/verify.h) for every seed and regression program on every variant, side by side:
#
#   program                 upstream    kref_v1     fixed  ...
#   B2_close_after_removal  proved      bug (1)     proved
#
# "proved": no schedule of the program with at most K preemptions fails; "bug (p)": one
# with p preemptions does (the fewest there are), with its signature in the log; "time":
# the time box ran out first. Then two verdicts:
#   - `fixed`, the safe design, must be proved for every program;
#   - every regression program must show a bug on each variant its .expect names a bug for
#     (that bug is reachable within K preemptions; the schedule in the file is one of them).
#
# Usage: scripts/verify.sh [--preemptions K] [--variants "V..."] [--inputs DIR]...
#        [--max-seconds S] [--preset P] [--jobs N] [--out DIR]
#   --preemptions  the bound K (default 2)
#   --variants     default: all six
#   --inputs       directories of *.txt programs (default corpora/seeds corpora/regressions)
#   --max-seconds  time box per program and variant (default 120)
#   --preset       the build whose racefuzz runs it (default asan: ASan sees the
#                  use-after-frees that are most of the review's bugs)
#   --jobs         searches at a time (default: the number of cores)
#   --out          where the logs go (default out/verify)
# Exit: 0 both verdicts hold, 1 one does not, 2 a usage or build error.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ROOT=$RF_ROOT

PREEMPTIONS=2
VARIANTS=$RF_VARIANTS
INPUT_DIRS=()
MAX_SECONDS=120
PRESET=asan
JOBS=$(nproc)
OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preemptions) rf_need_value "$@"; PREEMPTIONS=$2; shift 2 ;;
    --variants) rf_need_value "$@"; VARIANTS=$2; shift 2 ;;
    --inputs) rf_need_value "$@"; INPUT_DIRS+=("$(realpath -m -- "$2")"); shift 2 ;;
    --max-seconds) rf_need_value "$@"; MAX_SECONDS=$2; shift 2 ;;
    --preset) rf_need_value "$@"; PRESET=$2; shift 2 ;;
    --jobs) rf_need_value "$@"; JOBS=$2; shift 2 ;;
    --out) rf_need_value "$@"; OUT=$(realpath -m -- "$2"); shift 2 ;;
    -h|--help) rf_usage; exit 0 ;;
    *) rf_die "unknown argument '$1' (see --help)" ;;
  esac
done
rf_nonnegative_int --preemptions "$PREEMPTIONS"
rf_positive_int --max-seconds "$MAX_SECONDS"
rf_positive_int --jobs "$JOBS"
rf_check_variants "$VARIANTS"
rf_corpus_files txt "${INPUT_DIRS[@]}"
PROGRAMS=("${RF_FILES[@]}")
[[ -n "$OUT" ]] || OUT="$ROOT/out/verify"

RACEFUZZ=$("$ROOT/scripts/find-racefuzz.sh" --preset "$PRESET") || exit 2
rm -rf "$OUT"
mkdir -p "$OUT"

# One search: its log, exit status and signature beside it.
verify_one() {  # program, variant
  local program=$1 variant=$2 log status=0
  log="$OUT/$(basename "$program" .txt).$variant.log"
  "$RACEFUZZ" verify "$program" --variant "$variant" --preemptions "$PREEMPTIONS" \
    --max_seconds "$MAX_SECONDS" >"$log" 2>&1 || status=$?
  echo "$status" >"$log.status"
  if [[ $status -eq 1 ]]; then
    "$RACEFUZZ" signature --crashed "$log" >"$log.signature" 2>/dev/null || echo unknown >"$log.signature"
  fi
}
export -f verify_one
export OUT RACEFUZZ PREEMPTIONS MAX_SECONDS
echo "== verify: ${#PROGRAMS[@]} programs x $(wc -w <<<"$VARIANTS") variants, at most" \
  "$PREEMPTIONS preemptions, preset $PRESET, $JOBS at a time; logs in ${OUT#"$ROOT"/}"
for program in "${PROGRAMS[@]}"; do
  for variant in $VARIANTS; do printf '%s\0%s\0' "$program" "$variant"; done
done | xargs -0 -n 2 -P "$JOBS" bash -c 'verify_one "$1" "$2"' _

# The cell of one search: proved, bug (preemptions), time, or error.
cell() {  # program, variant
  local log
  log="$OUT/$(basename "$1" .txt).$2.log"
  case "$(cat "$log.status")" in
    0) echo proved ;;
    1) local p
       p=$(sed -n 's/.*bug found in a schedule with \([0-9]*\) preemption.*/\1/p' "$log" | tail -n 1)
       # A sanitizer report ended the search: the race diagram's header has the count.
       [[ -n "$p" ]] || p=$(sed -n 's/.*exhaustive(.*, \([0-9]*\) in this schedule).*/\1/p' "$log" | tail -n 1)
       echo "bug (${p:-?})" ;;
    3) echo time ;;
    *) echo error ;;
  esac
}

failures=()
printf '%-36s' program
for variant in $VARIANTS; do printf ' %-18s' "$variant"; done
echo
for program in "${PROGRAMS[@]}"; do
  name=$(basename "$program" .txt)
  printf '%-36s' "$name"
  expect="${program%.txt}.expect"
  for variant in $VARIANTS; do
    c=$(cell "$program" "$variant")
    printf ' %-18s' "$c"
    if [[ $variant == fixed && $c != proved ]]; then
      failures+=("$name on fixed: $c, not proved (log: ${OUT#"$ROOT"/}/$name.fixed.log)")
    fi
    wanted=$(sed -n "s/^$variant: //p" "$expect" 2>/dev/null || true)
    if [[ -n "$wanted" && "$wanted" != clean && $c != bug* ]]; then
      failures+=("$name on $variant: $c, but its .expect names a bug ($wanted)")
    fi
  done
  echo
done
echo
if [[ ${#failures[@]} -gt 0 ]]; then
  echo "== verify: FAILED"
  printf '   %s\n' "${failures[@]}"
  exit 1
fi
echo "== verify: fixed is proved for every program with at most $PREEMPTIONS preemptions, and" \
  "every known bug of the regressions is found within that bound"
