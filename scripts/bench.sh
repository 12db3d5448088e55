#!/usr/bin/env bash
# Builds and runs the harness benchmarks (bench/) on the release preset, prints them, and
# writes them with the machine's description to bench/results/harness-<UTC date>-<HHMM>.md.
#
#   scripts/bench.sh                      everything, 5 repetitions (medians compared)
#   scripts/bench.sh --quick              one repetition
#   scripts/bench.sh -- <benchmark flags> passed to harness_bench, e.g.
#                                         -- --benchmark_filter=Switch
#
# Fuzzing benchmarks (issue 6; bench/README.md), each writing bench/results/:
#   scripts/bench.sh throughput [--seconds S] [--runs N]
#                                         kref_v1 target exec/s (libFuzzer, plain/ASan/TSan)
#                                         against the real-thread stress baseline
#   scripts/bench.sh ttb [--quick|--full] [bench/ttb.py flags]
#                                         time to each known bug per strategy, survival plot
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ROOT=$RF_ROOT

# From the caller's directory, so that paths in their arguments stay the caller's.
case "${1:-}" in
  throughput) shift; exec bash "$ROOT/bench/throughput.sh" "$@" ;;
  ttb) shift; exec bash "$ROOT/bench/ttb.sh" "$@" ;;
esac
CALLER=$PWD  # harness_bench runs here: paths in its flags (--benchmark_out=...) are the caller's
cd "$ROOT"

repetitions=5
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) repetitions=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) rf_usage; exit 0 ;;
    *) rf_die "unknown argument '$1' (try --help)" ;;
  esac
done

rf_setup
build=build/release
rf_build release "$ROOT/$build" harness_bench || exit 1

flags=(--benchmark_color=false)
if [[ $repetitions -gt 1 ]]; then
  flags+=(--benchmark_repetitions="$repetitions" --benchmark_report_aggregates_only=true)
fi

mkdir -p bench/results
out="bench/results/harness-$(date -u +%Y-%m-%d-%H%M).md"  # one file per run
output=$(mktemp)
trap 'rm -f "$output"' EXIT
bench_binary=$PWD/$build/bench/harness_bench
(cd "$CALLER" && "$bench_binary" "${flags[@]}" "${extra[@]}") 2>&1 | tee "$output"

{
  echo "# harness_bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)'), preset release, $(clang++ --version | head -n 1)."
  echo "Machine: $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo '```'
  lscpu | head -n 20
  echo '```'
  echo
  echo '```'
  cat "$output"
  echo '```'
} >"$out"
echo "bench.sh: results written to $out"
