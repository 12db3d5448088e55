#!/usr/bin/env bash
# Configures, builds and runs the tests (ctest) in the dev, asan and tsan presets, then the
# fuzzing checks that need whole campaigns rather than unit tests.
#
#   scripts/test.sh                  all three presets, then the fuzzing checks
#   scripts/test.sh --preset dev     one preset (repeat --preset for several); no fuzzing
#                                    checks unless --fuzz-checks is given too
#   scripts/test.sh --no-fuzz-checks the presets only
#   scripts/test.sh --no-setup       skip scripts/setup.sh
#
# The fuzzing checks (about 12 minutes), each one test in the totals:
#   oss-fuzz-check   scripts/oss-fuzz-check.sh: OSS-Fuzz's build_fuzzers + check_build for
#                    libfuzzer+address, libfuzzer+undefined and afl+address
#   selftest-asan/-tsan  scripts/selftest-fuzz.sh --time 30: the harness fuzzed against a
#                    correct-by-construction program must give no report
#   soak             scripts/soak.sh --time 60: the fixed variant under libFuzzer + ASan and
#                    libFuzzer + TSan must stay clean
#   skip-seen        tests/fuzz/skip_seen_test.sh on the libfuzzer-asan kref_v1 target: a
#                    campaign reports each bug once, recovering from ASan in-process
#   tsan-death-exit  tests/fuzz/tsan_death_exit_test.sh on the libfuzzer-tsan kref_v1
#                    target: a TSan campaign saves a race's input and goes on, no hang
#   determinism      scripts/check-determinism.sh over the dev, asan and tsan builds: every
#                    corpus and regression input gives the same trace in every build
#   consumer         tests/consumer/run.sh without a sanitizer, with ASan and with TSan: a
#                    project of a user's own that includes racefuzz with add_subdirectory()
#                    and checks its code with Explore (README's GoogleTest section)
#
# Everything runs even when an earlier part fails; the exit status is non-zero if any
# configure, build, test or check failed. The last lines are one summary per preset and
# check and a total "N passed, N failed" over all tests and checks (a preset that fails to
# configure or build counts as one failure). Builds go to build/<preset>.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

presets=()
run_setup=1
fuzz_checks=""
jobs=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) presets+=("${2:?--preset needs a name}"); shift 2 ;;
    --preset=*) presets+=("${1#--preset=}"); shift ;;
    --no-setup) run_setup=0; shift ;;
    --fuzz-checks) fuzz_checks=1; shift ;;
    --no-fuzz-checks) fuzz_checks=0; shift ;;
    -j) jobs="${2:?-j needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
if [[ ${#presets[@]} -eq 0 ]]; then
  presets=(dev asan tsan)
  [[ -z "$fuzz_checks" ]] && fuzz_checks=1
fi
[[ -z "$fuzz_checks" ]] && fuzz_checks=0

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

# One fuzzing check: its output goes to a log, shown in full when it fails.
run_check() {
  local name=$1 start=$SECONDS log="$logdir/check-$1.log"
  shift
  echo
  echo "=== check $name: $*"
  if "$@" >"$log" 2>&1; then
    tail -n 4 "$log"
    summaries+=("$name: ok ($((SECONDS - start)) s)")
    total_passed=$((total_passed + 1))
  else
    cat "$log"
    summaries+=("$name: FAILED ($((SECONDS - start)) s)")
    total_failed=$((total_failed + 1))
  fi
}

# The campaign's in-process skip-seen mode needs the libFuzzer + ASan build (recovery).
skip_seen_check() {
  local build=build/libfuzzer-asan
  if [[ ! -f $build/CMakeCache.txt ]]; then cmake --preset libfuzzer-asan || return 1; fi
  cmake --build "$build" --target kref_v1_fuzzer -j "$jobs" || return 1
  bash tests/fuzz/skip_seen_test.sh "$build/fuzz/kref_v1_fuzzer"
}

# Explore from outside racefuzz's build, in each sanitizer a user would configure.
consumer_check() {
  local sanitizer
  for sanitizer in none address thread; do
    echo "--- consumer project, RACEFUZZ_SANITIZER=$sanitizer"
    bash tests/consumer/run.sh --sanitizer "$sanitizer" || return 1
  done
}

# A TSan campaign ends a process at each race itself (fuzz/death_exit.h).
tsan_death_exit_check() {
  local build=build/libfuzzer-tsan
  if [[ ! -f $build/CMakeCache.txt ]]; then cmake --preset libfuzzer-tsan || return 1; fi
  cmake --build "$build" --target kref_v1_fuzzer -j "$jobs" || return 1
  bash tests/fuzz/tsan_death_exit_test.sh "$build/fuzz/kref_v1_fuzzer"
}

if [[ $fuzz_checks -eq 1 ]]; then
  run_check oss-fuzz-check bash scripts/oss-fuzz-check.sh -j "$jobs"
  run_check selftest-asan bash scripts/selftest-fuzz.sh --time 30 --sanitizer address
  run_check selftest-tsan bash scripts/selftest-fuzz.sh --time 30 --sanitizer thread
  run_check soak bash scripts/soak.sh --time 60
  run_check skip-seen skip_seen_check
  run_check tsan-death-exit tsan_death_exit_check
  determinism_builds=()
  for preset in "${presets[@]}"; do
    [[ -x build/$preset/fuzz/fixed_fuzzer ]] && determinism_builds+=(--build "build/$preset")
  done
  run_check determinism bash scripts/check-determinism.sh "${determinism_builds[@]}" --repeat 2
  run_check consumer consumer_check
fi

echo
echo "=== summary ==="
for s in "${summaries[@]}"; do echo "$s"; done
echo "$total_passed passed, $total_failed failed"
[[ $total_failed -eq 0 ]]
