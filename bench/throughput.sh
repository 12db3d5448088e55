#!/usr/bin/env bash
# Throughput of the kref_v1 fuzz target on the seed corpus, side by side with the stress
# baseline (issue 6; bench/README.md). Run by `scripts/bench.sh throughput [--seconds S]`.
#
# Rows:
#   libFuzzer + ASan / + TSan    the real libFuzzer binary replaying the seeds -runs=N times
#                                each (execution, feedback, libFuzzer's per-input work; no
#                                mutation), pinned to one core
#   fibers (plain/ASan/TSan)     bench/racefuzz_throughput --mode=fibers: what the target does
#                                per input, in a loop, pinned to one core
#   stress (plain/ASan/TSan)     --mode=real_threads: the same programs on std::threads, no
#                                scheduler, both cores; on kref_v1 real threads hit the bugs,
#                                so each report restarts the loop (counted); the `fixed`
#                                variant, whose seeds run clean, shows the cost without that
# exec/s is per wall-clock second; exec/CPU-s per second of CPU time used (user + system),
# the better measure on a shared machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

SECONDS_PER_ROW=5
RUNS=2000
BUILD_PREFIX=build/bench-
die() {
  echo "throughput.sh: error: $*" >&2
  exit 2
}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) [[ $# -ge 2 ]] || die "--seconds needs a value"; SECONDS_PER_ROW=$2; shift 2 ;;
    --runs) [[ $# -ge 2 ]] || die "--runs needs a value"; RUNS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
# Checked before the builds (five presets) start.
[[ "$SECONDS_PER_ROW" =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v s="$SECONDS_PER_ROW" 'BEGIN { exit !(s > 0) }' \
  || die "--seconds must be a positive number of seconds"
[[ "$RUNS" =~ ^[0-9]+$ && "$RUNS" -gt 0 ]] || die "--runs must be a positive number"

# --- Build (own build directories; benchmarks on in the sanitizer presets) --------------
build() {  # preset, targets...: the preset in its own directory, benchmarks on
  local preset=$1
  shift
  rf_build "$preset" "$ROOT/build/bench-$preset" -DRACEFUZZ_BUILD_BENCH=ON "$@" || exit 1
}
rf_setup
echo "== building (release, asan, tsan, libfuzzer-asan, libfuzzer-tsan)"
for preset in release asan tsan; do build "$preset" racefuzz_throughput; done
for preset in libfuzzer-asan libfuzzer-tsan; do build "$preset" kref_v1_fuzzer; done

SEEDS=("$ROOT"/corpora/seeds/*.bin)
mkdir -p bench/results
OUT=bench/results/throughput-$(date -u +%Y-%m-%d).md
ROWS=$(mktemp)
trap 'rm -f "$ROWS"' EXIT
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

declare -A WALL=() CPU=()
row() {  # name, exec/s, exec/CPU-s, note
  WALL[$1]=$2
  CPU[$1]=$3
  printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" | tee -a "$ROWS"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "met" : "MISSED" }'; }

# libFuzzer: N runs of each seed, timed by /usr/bin/time (wall, user, system; the system
# and user time include waited-for children, i.e. the skip-seen probes).
libfuzzer_row() {  # preset, label, runs per seed, env assignments...
  local binary=$ROOT/${BUILD_PREFIX}$1/fuzz/kref_v1_fuzzer label=$2 runs=$3 times
  shift 3
  local times log status=0 executions=$((runs * ${#SEEDS[@]}))
  times=$(mktemp)
  log=$(mktemp)
  # SIGKILL after a generous limit: a report that hangs must not hang the benchmark.
  env "$@" timeout -s KILL 60 /usr/bin/time -f '%e %U %S' -o "$times" taskset -c 0 \
    "$binary" -runs="$runs" "${SEEDS[@]}" >"$log" 2>&1 || status=$?
  if [[ $status -ne 0 ]]; then
    local why
    why=$(grep -m1 -E 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error|BUG \[' "$log" \
          | sed 's/^[= ]*//' | cut -c1-80)
    row "$label" "failed" "failed" "exit status $status$([[ $status == 137 ]] && echo ' (hung, killed)'): ${why:-no report}"
    rm -f "$times" "$log"
    return
  fi
  read -r wall user sys <"$times"
  rm -f "$times" "$log"
  row "$label" "$(awk -v n="$executions" -v t="$wall" 'BEGIN { printf "%.0f", n / t }')" \
    "$(awk -v n="$executions" -v t="$user" -v s="$sys" 'BEGIN { printf "%.0f", n / (t + s) }')" \
    "$executions executions, one core"
}

driver_row() {  # preset, mode, variant, label
  local binary=$ROOT/${BUILD_PREFIX}$1/bench/racefuzz_throughput line pin=()
  [[ $2 == fibers ]] && pin=(taskset -c 0)
  line=$("${pin[@]}" "$binary" --corpus=corpora/seeds --variant="$3" --mode="$2" \
           --seconds="$SECONDS_PER_ROW")
  local exec_s cpu_s reports signatures
  exec_s=$(sed -n 's/.* exec_per_s=\([0-9]*\).*/\1/p' <<<"$line")
  cpu_s=$(sed -n 's/.* exec_per_cpu_s=\([0-9]*\).*/\1/p' <<<"$line")
  reports=$(sed -n 's/.* reports=\([0-9]*\).*/\1/p' <<<"$line")
  signatures=$(sed -n 's/.* report_signatures=\(.*\)$/\1/p' <<<"$line")
  local note="$3"
  [[ $2 == fibers ]] && note+=", one core" || note+=", real threads on $(nproc) cores"
  [[ $reports != 0 ]] && note+=", $reports bug reports restarted the loop"
  row "$4" "$exec_s" "$cpu_s" "$note"
}

echo "== measuring (${SECONDS_PER_ROW}s per driver row, $RUNS runs per seed for libFuzzer)"
echo "| what | exec/s | exec/CPU-s | notes |" | tee -a "$ROWS"
echo "|---|---|---|---|" | tee -a "$ROWS"
libfuzzer_row libfuzzer-asan "kref_v1_fuzzer, libFuzzer + ASan" "$RUNS"
libfuzzer_row libfuzzer-tsan "kref_v1_fuzzer, libFuzzer + TSan" "$RUNS"
# scripts/fuzz.sh's default campaign: RACEFUZZ_SEEN_DIR (known reports skipped in-process,
# fuzz/skip_seen.h) and ASan in recover mode.
SEEN=$(mktemp -d)
libfuzzer_row libfuzzer-asan "kref_v1_fuzzer, libFuzzer + ASan, RACEFUZZ_SEEN_DIR (fuzz.sh)" \
  "$RUNS" RACEFUZZ_SEEN_DIR="$SEEN" ASAN_OPTIONS="$(tr -d '\n' < scripts/campaign-asan-options)"
rm -rf "$SEEN"
for preset in release asan tsan; do
  label=$preset
  [[ $preset == release ]] && label=plain
  driver_row "$preset" fibers kref_v1 "racefuzz fibers, $label"
  driver_row "$preset" real_threads kref_v1 "stress baseline, $label"
  driver_row "$preset" real_threads fixed "stress baseline, $label (fixed variant)"
done

LF_ASAN="kref_v1_fuzzer, libFuzzer + ASan"
LF_TSAN="kref_v1_fuzzer, libFuzzer + TSan"
STRESS_ASAN="stress baseline, asan"
STRESS_ASAN_FIXED="stress baseline, asan (fixed variant)"
FIBERS_ASAN="racefuzz fibers, asan"
SUMMARY=$(
  echo "- libFuzzer + ASan: ${WALL[$LF_ASAN]} exec/s (${CPU[$LF_ASAN]} per CPU-s); target >= 20000: $(verdict "${WALL[$LF_ASAN]}" 20000) (per CPU-s: $(verdict "${CPU[$LF_ASAN]}" 20000))"
  echo "- vs the ASan stress baseline on kref_v1: $(ratio "${WALL[$LF_ASAN]}" "${WALL[$STRESS_ASAN]}") x per wall-s, $(ratio "${CPU[$LF_ASAN]}" "${CPU[$STRESS_ASAN]}") x per CPU-s; on fixed (no bug restarts): $(ratio "${WALL[$LF_ASAN]}" "${WALL[$STRESS_ASAN_FIXED]}") x per wall-s, $(ratio "${CPU[$LF_ASAN]}" "${CPU[$STRESS_ASAN_FIXED]}") x per CPU-s; target >= 10 x"
  echo "- the same driver (bench/racefuzz_throughput, ASan), fibers against real threads on fixed: $(ratio "${WALL[$FIBERS_ASAN]}" "${WALL[$STRESS_ASAN_FIXED]}") x per wall-s, $(ratio "${CPU[$FIBERS_ASAN]}" "${CPU[$STRESS_ASAN_FIXED]}") x per CPU-s (the libFuzzer row also pays for libFuzzer reading each seed file again on every run)"
  echo "- libFuzzer + TSan: ${WALL[$LF_TSAN]} exec/s (${CPU[$LF_TSAN]} per CPU-s); target >= 3000: $(verdict "${WALL[$LF_TSAN]}" 3000) (per CPU-s: $(verdict "${CPU[$LF_TSAN]}" 3000))"
)
echo
echo "$SUMMARY"
{
  echo "# Throughput, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Commit $(git rev-parse --short HEAD)$(git diff --quiet 2>/dev/null || echo ' (with local changes)'), $(clang++ --version | head -n 1)."
  echo "Machine: $(nproc) cores; load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Seed corpus: ${#SEEDS[@]} inputs (corpora/seeds), variant kref_v1 unless noted."
  echo
  cat "$ROWS"
  echo
  echo "$SUMMARY"
  echo
  echo '```'
  lscpu | head -n 15
  echo '```'
} >"$OUT"
echo "throughput.sh: results written to $OUT"
