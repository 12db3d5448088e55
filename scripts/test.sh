#!/usr/bin/env bash
# Configures, builds and runs the tests (ctest) in the dev, asan and tsan presets.
#
#   scripts/test.sh                  all three presets
#   scripts/test.sh --preset dev     one preset (repeat --preset for several)
#   scripts/test.sh --no-setup       skip scripts/setup.sh
#
# Every preset runs even when an earlier one fails; the exit status is non-zero if any
# configure, build or test failed. The last lines are one summary per preset and a total
# "N passed, N failed" over all tests (a preset that fails to configure or build counts as
# one failure). Builds go to build/<preset>.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

presets=()
run_setup=1
jobs=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) presets+=("${2:?--preset needs a name}"); shift 2 ;;
    --preset=*) presets+=("${1#--preset=}"); shift ;;
    --no-setup) run_setup=0; shift ;;
    -j) jobs="${2:?-j needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[[ ${#presets[@]} -eq 0 ]] && presets=(dev asan tsan)

if [[ $run_setup -eq 1 ]]; then
  bash scripts/setup.sh || { echo "test.sh: scripts/setup.sh failed" >&2; exit 1; }
fi

total_passed=0
total_failed=0
summaries=()
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

for preset in "${presets[@]}"; do
  echo
  echo "=== preset $preset ==="
  start=$SECONDS
  if ! cmake --preset "$preset"; then
    summaries+=("$preset: CONFIGURE FAILED")
    total_failed=$((total_failed + 1))
    continue
  fi
  if ! cmake --build --preset "$preset" -j "$jobs"; then
    summaries+=("$preset: BUILD FAILED")
    total_failed=$((total_failed + 1))
    continue
  fi
  log="$logdir/$preset.log"
  ctest --preset "$preset" -j "$jobs" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  # ctest's closing line: "100% tests passed, 0 tests failed out of 42".
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [[ -n "$line" ]]; then
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    count=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    passed=$((count - failed))
  else
    # No closing line: no tests found, or ctest itself failed.
    passed=0
    failed=1
  fi
  if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  if [[ $status -eq 0 ]]; then
    summaries+=("$preset: ok, $passed tests passed ($((SECONDS - start)) s)")
  else
    summaries+=("$preset: FAILED, $passed passed, $failed failed ($((SECONDS - start)) s)")
  fi
done

echo
echo "=== summary ==="
for s in "${summaries[@]}"; do echo "$s"; done
echo "$total_passed passed, $total_failed failed"
[[ $total_failed -eq 0 ]]
