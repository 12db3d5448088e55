#!/usr/bin/env bash
# Long-run stability: runs the seed corpus round robin for --runs executions in ONE process
# of the standalone fuzz target (`<variant>_fuzzer -runs=N`), for kref_v1 and fixed, and
# requires flat resources after warm-up: VmRSS growth <= --max-growth percent, and the same
# number of open fds and memory mappings (a leaked fiber stack is a mapping). Then an ASan
# build with detect_leaks=1 runs --lsan-runs executions and must exit clean (LSan).
#
# Usage: scripts/rss-check.sh [--runs N] [--build DIR] [--asan-build DIR] [--lsan-runs N]
#        [--variants "V..."] [--max-growth PERCENT]
#   --runs        default 1000000
#   --build       a standalone build (RACEFUZZ_FUZZ_ENGINE=none); default build/rel-dev if
#                 built, else build/dev; "none" skips the resource check
#   --asan-build  a standalone ASan build for the leak check; default build/rel-asan if
#                 built, else build/asan; "none" skips it
#   --lsan-runs   default 20000
# Prints runs, duration, exec/s, RSS after warm-up and at the end. Exit 0 flat, 1 growth or
# leak, 2 usage error.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ROOT=$RF_ROOT
die() { rf_die "$@"; }
need_value() { rf_need_value "$@"; }

RUNS=1000000
LSAN_RUNS=20000
BUILD=""
ASAN_BUILD=""
VARIANTS="kref_v1 fixed"
MAX_GROWTH=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) need_value "$@"; RUNS=$2; shift 2 ;;
    --lsan-runs) need_value "$@"; LSAN_RUNS=$2; shift 2 ;;
    --build) need_value "$@"; BUILD=$2; shift 2 ;;
    --asan-build) need_value "$@"; ASAN_BUILD=$2; shift 2 ;;
    --variants) need_value "$@"; VARIANTS=$2; shift 2 ;;
    --max-growth) need_value "$@"; MAX_GROWTH=$2; shift 2 ;;
    -h|--help) rf_usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ "$RUNS" =~ ^[0-9]+$ && "$RUNS" -gt 0 ]] || die "--runs must be a positive number"
[[ "$LSAN_RUNS" =~ ^[0-9]+$ && "$LSAN_RUNS" -gt 0 ]] || die "--lsan-runs must be a positive number"
[[ "$MAX_GROWTH" =~ ^[0-9]+$ ]] || die "--max-growth must be a whole percentage"
rf_setup
pick() { for d in "$@"; do [[ -x "$d/fuzz/fixed_fuzzer" ]] && { echo "$d"; return; }; done; echo "$1"; }
[[ -n "$BUILD" ]] || BUILD=$(pick "$ROOT/build/rel-dev" "$ROOT/build/dev")
[[ -n "$ASAN_BUILD" ]] || ASAN_BUILD=$(pick "$ROOT/build/rel-asan" "$ROOT/build/asan")
for v in $VARIANTS; do
  for b in $([[ $BUILD != none ]] && echo "$BUILD") $([[ $ASAN_BUILD != none ]] && echo "$ASAN_BUILD"); do
    [[ -x "$b/fuzz/${v}_fuzzer" ]] || die "$b/fuzz/${v}_fuzzer is missing (build target ${v}_fuzzer)"
    grep -q 'RACEFUZZ_FUZZ_ENGINE:STRING=none' "$b/CMakeCache.txt" 2>/dev/null \
      || die "$b is not a standalone build (RACEFUZZ_FUZZ_ENGINE=none)"
  done
done
SEEDS=("$ROOT"/corpora/seeds/*.bin)
[[ -f "${SEEDS[0]}" ]] || die "no corpora/seeds/*.bin (scripts/encode-seeds.sh makes them)"

# "VmRSS=123 kB VmSize=456 kB maps=7 fds=8" -> value of one field
field() { sed -nE "s/.*$2=([0-9]+).*/\1/p" <<<"$1"; }

failed=0
for v in $VARIANTS; do
  if [[ $BUILD != none ]]; then
    log=$(mktemp)
    echo "== ${v}_fuzzer: $RUNS executions of ${#SEEDS[@]} seeds in one process (${BUILD#$ROOT/})"
    status=0
    "$BUILD/fuzz/${v}_fuzzer" -runs="$RUNS" "${SEEDS[@]}" >"$log" 2>&1 || status=$?
    if [[ $status -ne 0 ]]; then
      echo "   FAILED: exit $status"; tail -n 20 "$log"; failed=1; rm -f "$log"; continue
  fi
  sed -n 's/^racefuzz: /   /p' "$log"
  warm=$(sed -n 's/^racefuzz: after warm-up[^:]*: //p' "$log")
  end=$(sed -n 's/^racefuzz: at end: //p' "$log")
  rss0=$(field "$warm" VmRSS); rss1=$(field "$end" VmRSS)
  growth=$(awk -v a="$rss0" -v b="$rss1" 'BEGIN { printf "%.2f", (b - a) * 100.0 / a }')
  echo "   RSS ${rss0} kB -> ${rss1} kB (${growth} %), fds $(field "$warm" fds) -> $(field "$end" fds), mappings $(field "$warm" maps) -> $(field "$end" maps)"
  if awk -v g="$growth" -v m="$MAX_GROWTH" 'BEGIN { exit !(g > m) }'; then
    echo "   FAILED: RSS grew more than $MAX_GROWTH %"; failed=1
  fi
  [[ $(field "$warm" fds) == $(field "$end" fds) ]] || { echo "   FAILED: fd leak"; failed=1; }
  [[ $(field "$warm" maps) == $(field "$end" maps) ]] || { echo "   FAILED: mapping (stack) leak"; failed=1; }
  rm -f "$log"
  fi

  if [[ $ASAN_BUILD != none ]]; then
    log=$(mktemp)
    status=0
    ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
      "$ASAN_BUILD/fuzz/${v}_fuzzer" -runs="$LSAN_RUNS" "${SEEDS[@]}" >"$log" 2>&1 || status=$?
    if [[ $status -ne 0 ]] || grep -q 'LeakSanitizer' "$log"; then
      echo "   FAILED: ASan/LSan run (${ASAN_BUILD#$ROOT/}, $LSAN_RUNS executions) exit $status"
      grep -m 10 -E 'LeakSanitizer|SUMMARY|ERROR' "$log" || tail -n 20 "$log"
      failed=1
    else
      echo "   LSan clean: $LSAN_RUNS executions under ASan with detect_leaks=1 (${ASAN_BUILD#$ROOT/})"
    fi
    rm -f "$log"
  fi
done
[[ $failed -eq 0 ]] && echo "== flat: no growth, no fd, stack or heap leak" || echo "== NOT flat (see FAILED lines)"
exit "$failed"
