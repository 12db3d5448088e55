#!/usr/bin/env bash
# Configures, builds and runs the tests (ctest) in the dev, asan and tsan presets, then the
# fuzzing checks that need whole campaigns rather than unit tests.
#
#   scripts/test.sh                  all three presets, then the fuzzing checks
#   scripts/test.sh --preset dev     one preset (repeat --preset for several); no fuzzing
#                                    checks unless --fuzz-checks is given too
#   scripts/test.sh --no-fuzz-checks the presets only
#   scripts/test.sh --check NAME     one fuzzing check (repeat for several); no presets
#                                    unless --preset is given too
#   scripts/test.sh --list-checks    the names of the checks
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
#   engine-death     tests/fuzz/engine_death_test.sh: a campaign on a target whose bug kills
#                    the process (a SEGV after a recovered ASan report) keeps fuzzing and
#                    ends with its findings; a binary that cannot start fails clearly
#   corpus-resume    tests/fuzz/corpus_resume_test.sh: a campaign merges its corpus into
#                    --corpus, the next one on the target starts from it, --fresh does not
#   verify           scripts/verify.sh --preemptions 2 (ASan): proof mode over every seed and
#                    regression program on every variant; fixed must be proved and every
#                    known bug found within the bound
#   fresh-machine    tests/reliability/fresh_machine_test.sh: in a fresh copy of the tree
#                    with an interrupted configure and a package reported missing, both
#                    README commands install it, reconfigure and succeed
#
# Everything runs even when an earlier part fails; the exit status is non-zero if any
# configure, build, test or check failed. The last lines are one summary per preset and
# check and a total "N passed, N failed" over all tests and checks (a preset that fails to
# configure or build counts as one failure). Builds go to build/<preset>.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$RF_ROOT" || exit 2

# Every fuzzing check, in the order they run.
CHECKS=(oss-fuzz-check selftest-asan selftest-tsan soak skip-seen tsan-death-exit determinism
        consumer engine-death corpus-resume verify fresh-machine)

presets=()
checks=()
run_setup=1
fuzz_checks=""
jobs=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) rf_need_value "$@"; presets+=("$2"); shift 2 ;;
    --preset=*) presets+=("${1#--preset=}"); shift ;;
    --check) rf_need_value "$@"; checks+=("$2"); shift 2 ;;
    --list-checks) printf '%s\n' "${CHECKS[@]}"; exit 0 ;;
    --no-setup) run_setup=0; shift ;;
    --fuzz-checks) fuzz_checks=1; shift ;;
    --no-fuzz-checks) fuzz_checks=0; shift ;;
    -j) rf_need_value "$@"; jobs=$2; shift 2 ;;
    -h|--help) rf_usage; exit 0 ;;
    *) rf_die "unknown argument '$1' (try --help)" ;;
  esac
done
rf_positive_int -j "$jobs"
for check in "${checks[@]}"; do
  [[ " ${CHECKS[*]} " == *" $check "* ]] || rf_die "unknown check '$check' (one of: ${CHECKS[*]})"
done
if [[ ${#presets[@]} -eq 0 && ${#checks[@]} -eq 0 ]]; then
  presets=(dev asan tsan)
  [[ -z "$fuzz_checks" ]] && fuzz_checks=1
fi
[[ "$fuzz_checks" == 1 ]] && checks=("${CHECKS[@]}")

[[ $run_setup -eq 1 ]] && rf_setup
export RF_BUILD_JOBS=$jobs

total_passed=0
total_failed=0
summaries=()
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

for preset in "${presets[@]}"; do
  echo
  echo "=== preset $preset ==="
  start=$SECONDS
  if ! RF_BUILD_SHOW=1 rf_build "$preset" "$RF_ROOT/build/$preset"; then
    summaries+=("$preset: CONFIGURE OR BUILD FAILED")
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

# A campaign check on the kref_v1 target of a libFuzzer preset.
kref_v1_campaign_check() {  # preset, test script
  rf_build "$1" "$RF_ROOT/build/$1" kref_v1_fuzzer || return 1
  bash "$2" "$RF_ROOT/build/$1/fuzz/kref_v1_fuzzer"
}

# Explore from outside racefuzz's build, in each sanitizer a user would configure.
consumer_check() {
  local sanitizer
  for sanitizer in none address thread; do
    echo "--- consumer project, RACEFUZZ_SANITIZER=$sanitizer"
    bash tests/consumer/run.sh --sanitizer "$sanitizer" || return 1
  done
}

determinism_check() {
  local -a builds=()
  local preset
  for preset in dev asan tsan; do
    [[ -x build/$preset/fuzz/fixed_fuzzer ]] && builds+=(--build "build/$preset")
  done
  bash scripts/check-determinism.sh "${builds[@]}" --repeat 2
}

for check in "${checks[@]}"; do
  case "$check" in
    oss-fuzz-check) run_check "$check" bash scripts/oss-fuzz-check.sh -j "$jobs" ;;
    selftest-asan) run_check "$check" bash scripts/selftest-fuzz.sh --time 30 --sanitizer address ;;
    selftest-tsan) run_check "$check" bash scripts/selftest-fuzz.sh --time 30 --sanitizer thread ;;
    soak) run_check "$check" bash scripts/soak.sh --time 60 ;;
    # The campaign's in-process skip-seen mode needs the libFuzzer + ASan build (recovery).
    skip-seen) run_check "$check" kref_v1_campaign_check libfuzzer-asan tests/fuzz/skip_seen_test.sh ;;
    # A TSan campaign ends a process at each race itself (fuzz/death_exit.h).
    tsan-death-exit) run_check "$check" kref_v1_campaign_check libfuzzer-tsan tests/fuzz/tsan_death_exit_test.sh ;;
    determinism) run_check "$check" determinism_check ;;
    consumer) run_check "$check" consumer_check ;;
    engine-death) run_check "$check" bash tests/fuzz/engine_death_test.sh ;;
    corpus-resume) run_check "$check" bash tests/fuzz/corpus_resume_test.sh ;;
    verify) run_check "$check" bash scripts/verify.sh --preemptions 2 ;;
    fresh-machine) run_check "$check" bash tests/reliability/fresh_machine_test.sh ;;
  esac
done

echo
echo "=== summary ==="
for s in "${summaries[@]}"; do echo "$s"; done
echo "$total_passed passed, $total_failed failed"
[[ $total_failed -eq 0 ]]
