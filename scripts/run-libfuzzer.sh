#!/usr/bin/env bash
# Runs one libFuzzer campaign of a racefuzz target in the current directory (corpus/ and
# artifacts/ there), the way scripts/fuzz.sh and bench/ttb.py both run it.
#
# Usage: scripts/run-libfuzzer.sh BINARY SECONDS SEED JOBS DICTIONARY
#
# With one job there is no fork mode. In fork mode libFuzzer ends its job at 1, 3, 6, 10,
# ... seconds (job k runs k seconds) and at every crash, and each new job costs a process,
# ASan's start-up, a corpus subset replayed and a merge: about a second, much of a short
# campaign. racefuzz targets in a campaign save new bugs in-process (RACEFUZZ_CRASH_DIR)
# and skip known ones (RACEFUZZ_SEEN_DIR), so one process fuzzes until its time is up; only
# what it cannot recover from (a TSan race, a SEGV, a timeout, an out-of-memory) ends it,
# and then it starts again on the same corpus for the time that is left. With several jobs,
# libFuzzer's fork mode (-fork=N) runs them.
#
# Each process is killed a minute after its time: under TSan a libFuzzer child can hang in
# its crash handler after a real race report (fuzz/README.md, known issue); the crash it was
# handling is already saved.
set -uo pipefail
if [[ $# -ne 5 ]]; then
  echo "usage: $0 BINARY SECONDS SEED JOBS DICTIONARY" >&2
  exit 2
fi
BIN=$1 TIME=$2 SEED=$3 JOBS=$4 DICT=$5
for n in "$TIME" "$SEED" "$JOBS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "run-libfuzzer.sh: '$n' is not a number" >&2; exit 2; }
done
[[ -x "$BIN" ]] || { echo "run-libfuzzer.sh: $BIN is not an executable" >&2; exit 2; }
mkdir -p corpus artifacts

# -len_control=0: libFuzzer would otherwise start at 4-byte inputs and grow slowly, while a
# racing program with a schedule needs 20-30 bytes; 64 bytes hold 15 operations or a
# 5-operation program with its schedule, and keep executions short.
COMMON=(-dict="$DICT" -artifact_prefix=artifacts/ -max_len=64 -len_control=0 -timeout=10
        -print_final_stats=1)

if [[ $JOBS -gt 1 ]]; then
  timeout -k 10 $((TIME + 60)) "$BIN" corpus "${COMMON[@]}" -max_total_time="$TIME" \
    -fork="$JOBS" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -seed="$SEED"
  exit 0
fi

end=$((SECONDS + TIME))
round=0
quick_ends=0  # processes in a row that ended within a second of their start, saving nothing
artifacts() { find artifacts -maxdepth 1 -type f -name '[a-z]*-*' | wc -l; }
while [[ $SECONDS -lt $end ]]; do
  left=$((end - SECONDS))
  started=$SECONDS
  saved=$(artifacts)
  # Another seed for each restart, so a restart does not replay the mutations that led
  # to what ended the last process.
  timeout -k 10 $((left + 60)) "$BIN" corpus "${COMMON[@]}" -max_total_time="$left" \
    -seed=$((SEED + round))
  status=$?
  [[ $status -eq 0 ]] && break  # its time is up
  round=$((round + 1))
  # A process that cannot start (a bad flag, an input of the corpus that always ends it)
  # would otherwise be restarted in a tight loop until the time is up. One that ends quickly
  # on a new crash (a TSan campaign meets a race a second) has saved it and goes on.
  if [[ $((SECONDS - started)) -le 1 && $(artifacts) -eq $saved ]]; then
    quick_ends=$((quick_ends + 1))
  else
    quick_ends=0
  fi
  if [[ $quick_ends -ge 5 ]]; then
    echo "run-libfuzzer.sh: the fuzzing process ended within a second five times in a" \
      "row, saving nothing (last status $status); giving up" >&2
    exit 1
  fi
  echo "run-libfuzzer.sh: the fuzzing process ended with status $status (its crash, if" \
    "any, is in artifacts/); restarting for the $((end - SECONDS)) s left"
done
exit 0
