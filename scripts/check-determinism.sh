#!/usr/bin/env bash
# Checks that racefuzz is deterministic: every corpus and regression input, replayed many
# times in separate processes and in every build given (plain, ASan, TSan, libFuzzer or
# standalone), must give the same schedule trace (the trace hash the fuzz targets print with
# RACEFUZZ_PRINT_TRACE_HASH=1, or the one in a report's race-diagram header), and the
# in-process run-twice check (RACEFUZZ_CHECK_DETERMINISM=1) must never flag one.
#
# Within one build, every repetition must agree on outcome and hash. Across builds, the
# hashes must agree for every input that runs clean or ends in a racefuzz report (build
# every build from the same sources: the hash covers source lines); an input
# that a sanitizer stops ends at a different point in each build (ASan and TSan see
# different bugs, a plain build sees none) and is compared within its build only.
#
# Usage: scripts/check-determinism.sh [--build DIR]... [--repeat N] [--variants "V..."]
#        [--inputs DIR]... [--jobs N] [--timeout S]
#   --build DIR    a build directory with fuzz/<variant>_fuzzer (repeatable); default: every
#                  build/rel-* and build/{dev,asan,tsan} that has them
#   --repeat N     processes per input, build and variant (default 5)
#   --variants     default: all six
#   --inputs DIR   directories of inputs (*.bin); default corpora/seeds corpora/regressions
# Exit status: 0 deterministic, 1 a difference (printed), 2 a usage error.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ROOT=$RF_ROOT
die() { rf_die "$@"; }
need_value() { rf_need_value "$@"; }

BUILDS=()
INPUT_DIRS=()
REPEAT=5
JOBS=$(nproc)
TIMEOUT=60
VARIANTS=$RF_VARIANTS
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) need_value "$@"; BUILDS+=("$2"); shift 2 ;;
    --repeat) need_value "$@"; REPEAT=$2; shift 2 ;;
    --variants) need_value "$@"; VARIANTS=$2; shift 2 ;;
    --inputs) need_value "$@"; INPUT_DIRS+=("$2"); shift 2 ;;
    --jobs) need_value "$@"; JOBS=$2; shift 2 ;;
    --timeout) need_value "$@"; TIMEOUT=$2; shift 2 ;;
    -h|--help) rf_usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ "$REPEAT" =~ ^[0-9]+$ && "$REPEAT" -ge 1 ]] || die "--repeat must be a positive number"
[[ "$JOBS" =~ ^[0-9]+$ && "$JOBS" -ge 1 ]] || die "--jobs must be a positive number"
[[ "$TIMEOUT" =~ ^[0-9]+$ && "$TIMEOUT" -ge 1 ]] || die "--timeout must be a positive number"
rf_check_variants "$VARIANTS"
rf_setup
if [[ ${#BUILDS[@]} -eq 0 ]]; then
  for dir in "$ROOT"/build/rel-* "$ROOT"/build/dev "$ROOT"/build/asan "$ROOT"/build/tsan; do
    [[ -x "$dir/fuzz/fixed_fuzzer" ]] && BUILDS+=("$dir")
  done
  [[ ${#BUILDS[@]} -gt 0 ]] || die "no build with fuzz/fixed_fuzzer found; give --build DIR"
fi
for b in "${BUILDS[@]}"; do
  [[ -d "$b" ]] || die "no such build directory: $b"
  for v in $VARIANTS; do
    [[ -x "$b/fuzz/${v}_fuzzer" ]] || die "$b/fuzz/${v}_fuzzer is missing (build target ${v}_fuzzer)"
  done
done
rf_corpus_files bin "${INPUT_DIRS[@]}"
INPUTS=("${RF_FILES[@]}")

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# One process: prints "build variant input mode outcome hash".
#   mode:    hash (RACEFUZZ_PRINT_TRACE_HASH) or check (RACEFUZZ_CHECK_DETERMINISM)
#   outcome: clean, racefuzz.<kind>, sanitizer, signal.<n>, nondeterminism, hang, crash.<exit>
run_one() {
  local build=$1 variant=$2 input=$3 mode=$4 log status=0 outcome hash
  exec 2>/dev/null  # bash's own "Segmentation fault" notes; the child's output goes to $log
  log=$(mktemp -p "$WORK")
  if [[ $mode == hash ]]; then
    RACEFUZZ_PRINT_TRACE_HASH=1 timeout -s KILL "$TIMEOUT" "$build/fuzz/${variant}_fuzzer" \
      "$input" >"$log" 2>&1 || status=$?
  else
    RACEFUZZ_CHECK_DETERMINISM=1 timeout -s KILL "$TIMEOUT" "$build/fuzz/${variant}_fuzzer" \
      "$input" >"$log" 2>&1 || status=$?
  fi
  hash=$(grep -oE 'trace hash [0-9a-f]{16}' "$log" | tail -n 1 | awk '{print $3}')
  if grep -q 'racefuzz error: nondeterminism' "$log"; then
    outcome=nondeterminism
  elif [[ $status -eq 137 ]]; then
    outcome=hang
  elif grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error:' "$log"; then
    outcome=sanitizer
  elif grep -q '==racefuzz== BUG \[' "$log"; then
    outcome=racefuzz.$(grep -oE '==racefuzz== BUG \[[a-z-]+\]' "$log" | head -n 1 | sed -E 's/.*\[(.*)\]/\1/')
  elif [[ $status -eq 0 ]]; then
    outcome=clean
  elif [[ $status -gt 128 ]]; then
    outcome=signal.$((status - 128))  # e.g. a null dereference in a plain build
  else
    outcome=crash.$status
  fi
  echo "$(basename "$build") $variant $(basename "$input") $mode $outcome ${hash:-nohash}"
  if [[ $outcome == nondeterminism || $outcome == hang || $outcome == crash.* ]]; then
    cp "$log" "$WORK/log.$(basename "$build").$variant.$(basename "$input").$mode"
  fi
  rm -f "$log"
}
export -f run_one
export WORK TIMEOUT

for b in "${BUILDS[@]}"; do
  for v in $VARIANTS; do
    for f in "${INPUTS[@]}"; do
      for ((i = 0; i < REPEAT; i++)); do printf '%s\t%s\t%s\thash\n' "$b" "$v" "$f"; done
      printf '%s\t%s\t%s\tcheck\n' "$b" "$v" "$f"
    done
  done
done >"$WORK/jobs"
total=$(wc -l <"$WORK/jobs")
echo "== $total processes: ${#INPUTS[@]} inputs x $(wc -w <<<"$VARIANTS") variants x ${#BUILDS[@]} builds x ($REPEAT + 1 check)"
echo "   builds: ${BUILDS[*]#$ROOT/}"
start=$SECONDS
tr '\t\n' '\0\0' <"$WORK/jobs" | xargs -0 -n 4 -P "$JOBS" bash -c 'run_one "$@"' _ >"$WORK/results"
echo "== ran in $((SECONDS - start)) s"

# Verdicts, in awk: per (build, variant, input) one outcome and hash; across builds one hash
# for clean and racefuzz outcomes.
sort "$WORK/results" | awk -v logs="$WORK" '
  $4 == "check" {
    if ($5 == "nondeterminism" || $5 == "hang" || $5 ~ /^crash/) {
      printf "FAIL %s %s %s: RACEFUZZ_CHECK_DETERMINISM run: %s\n", $1, $2, $3, $5; bad++
    }
    next
  }
  {
    key = $1 " " $2 " " $3
    seen = $5 " " $6
    if (!(key in first)) { first[key] = seen; order[++n] = key }
    else if (first[key] != seen && !(key in differ)) {
      printf "FAIL %s: repetitions differ: `%s` vs `%s`\n", key, first[key], seen; bad++
      differ[key] = 1
    }
    if (($5 == "hang" || $5 ~ /^crash/ || $5 == "nondeterminism") && !((key, $5) in failed)) {
      printf "FAIL %s: %s\n", key, $5; bad++
      failed[key, $5] = 1
    }
    if ($5 == "clean" && $6 == "nohash" && !(key in nohash)) {
      printf "FAIL %s: clean run printed no trace hash\n", key; bad++
      nohash[key] = 1
    }
    if ($5 == "clean" || $5 ~ /^racefuzz\./) {
      input = $2 " " $3
      if (!(input in cross)) { cross[input] = seen; cross_build[input] = $1 }
      else if (cross[input] != seen && !((input, $1) in reported)) {
        printf "FAIL %s: %s gives `%s`, %s gives `%s`\n", input, cross_build[input], cross[input], $1, seen
        reported[input, $1] = 1
        bad++
      }
      compared[input]++
    }
  }
  END {
    for (i in compared) inputs++
    printf "== %d (build, variant, input) triples, %d compared across builds\n", n, inputs
    exit bad > 0 ? 1 : 0
  }' && status=0 || status=$?
for log in "$WORK"/log.*; do
  [[ -f "$log" ]] || continue
  echo "---- ${log#$WORK/log.}"
  head -n 40 "$log"
done
if [[ $status -eq 0 ]]; then
  echo "== deterministic: every repetition and every build gave the same traces"
else
  echo "== NOT deterministic (see FAIL lines above)"
fi
exit "$status"
