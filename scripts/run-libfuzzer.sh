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
# A process that dies never costs the campaign what it found, nor the rest of its time:
#   - the input it died on is saved (libFuzzer's crash-/timeout-/oom- artifact, or the
#     target's own crash file under TSan, fuzz/death_exit.h) and the next process starts
#     for the time that is left, however often that happens;
#   - a process that dies on an input of corpus/ while loading it would die on it again at
#     every start: that input (saved as an artifact already) moves to quarantine/;
#   - every death is a line of engine-deaths.tsv: seconds into the campaign, exit status,
#     what ended it (the sanitizer's or libFuzzer's words) and the file it saved.
# Only a process that cannot start at all (it saves nothing and never finishes loading its
# corpus: a bad flag, a broken binary) three times in a row ends the campaign early, with
# exit status 1 and the end of its output.
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

DEATHS=engine-deaths.tsv
ROUND_LOG=$(mktemp)
ROUND_START=$(mktemp)
trap 'rm -f "$ROUND_LOG" "$ROUND_START"' EXIT
: >"$DEATHS"

# What ended a process, from its output: the last sanitizer or libFuzzer error line (a
# recovered ASan report earlier in the same process comes before it).
death_reason() {
  local line
  line=$(grep -aE '(ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|MemorySanitizer|libFuzzer): |WARNING: ThreadSanitizer: |racefuzz: harness bug|runtime error: )' \
    "$ROUND_LOG" | tail -n 1)
  line=$(sed -E 's/^==[0-9]+==//; s/^ERROR: //; s/ on (unknown )?address 0x[0-9a-f]+.*//; s/ \(pid=[0-9]+\)//; s/[[:space:]]+/ /g' <<<"$line")
  echo "${line:-exit status $1, no sanitizer or libFuzzer message}"
}

# The file the dead process saved: libFuzzer's "Test unit written to", else the newest file
# the round put in artifacts/ (the target's own crash file under TSan).
saved_unit() {
  local unit
  unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$ROUND_LOG" | tail -n 1)
  if [[ -z "$unit" || ! -f "$unit" ]]; then
    unit=$(find artifacts -maxdepth 1 -type f -newer "$ROUND_START" -printf '%T@ %p\n' \
      | sort -n | tail -n 1 | cut -d' ' -f2-)
  fi
  echo "$unit"
}

# Moves the inputs of corpus/ with the same bytes as $1 to quarantine/.
quarantine() {
  local sum file
  sum=$(sha1sum <"$1" | cut -d' ' -f1)
  while IFS= read -r -d '' file; do
    if [[ "$(sha1sum <"$file" | cut -d' ' -f1)" == "$sum" ]]; then
      mkdir -p quarantine
      mv -f "$file" quarantine/
      echo "run-libfuzzer.sh: corpus/$(basename "$file") ends the process as it is loaded;" \
        "moved to quarantine/ (its crash is $1)"
    fi
  done < <(find corpus -maxdepth 1 -type f -print0)
}

end=$((SECONDS + TIME))
round=0
cannot_start=0  # processes in a row that saved nothing and never finished loading the corpus
while [[ $SECONDS -lt $end ]]; do
  left=$((end - SECONDS))
  touch "$ROUND_START"
  # Another seed for each restart, so a restart does not replay the mutations that led
  # to what ended the last process.
  timeout -k 10 $((left + 60)) "$BIN" corpus "${COMMON[@]}" -max_total_time="$left" \
    -seed=$((SEED + round)) 2>&1 | tee "$ROUND_LOG"
  status=${PIPESTATUS[0]}
  [[ $status -eq 0 ]] && break  # its time is up
  round=$((round + 1))
  unit=$(saved_unit)
  reason=$(death_reason "$status")
  printf '%s\t%s\t%s\t%s\n' "$((TIME - (end - SECONDS)))" "$status" "$reason" "${unit:--}" >>"$DEATHS"
  loaded=0
  grep -aqE '^#[0-9]+[[:space:]]+INITED' "$ROUND_LOG" && loaded=1
  if [[ -n "$unit" && $loaded -eq 0 ]]; then
    quarantine "$unit"
  fi
  if [[ -z "$unit" && $loaded -eq 0 ]]; then
    cannot_start=$((cannot_start + 1))
    if [[ $cannot_start -ge 3 ]]; then
      echo "run-libfuzzer.sh: the fuzzing process could not start three times in a row" \
        "(it saved nothing and did not finish loading its corpus; last: $reason); giving up." \
        "The end of its output:" >&2
      tail -n 15 "$ROUND_LOG" >&2
      exit 1
    fi
  else
    cannot_start=0
  fi
  saved="its input is in ${unit%/*}/"
  [[ -n "$unit" ]] || saved="it saved no input"
  echo "run-libfuzzer.sh: the fuzzing process died ($reason; $saved); restarting for the" \
    "$((end - SECONDS)) s left"
done
exit 0
