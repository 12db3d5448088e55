#!/usr/bin/env bash
# Minimises one crashing input: the smallest program (fewest operations, then threads) and
# the fewest schedule bytes (preemptions) that still give the same report signature. The
# minimiser works on the decoded program, so every candidate is a well-formed input, and
# runs each candidate in its own process (racefuzz minimize; fuzz/minimize.h).
#
# Usage: scripts/minimize.sh FILE [--variant V] [-o OUT] [--seconds N] [--preset P]
#   --variant   the variant the input crashes (default kref_v1)
#   -o          where to write the minimised bytes (default FILE.min); the text form is
#               printed and written to OUT.txt
#   --seconds   time limit (default 60)
#   --preset    build whose racefuzz runs the candidates, configured and built if needed
#               (an unknown preset is an error); use the preset of the sanitizer that found
#               the bug. Default: the first one built of asan, libfuzzer-asan, dev, tsan,
#               libfuzzer-tsan, release, else asan, built (scripts/find-racefuzz.sh)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ROOT=$RF_ROOT

FILE=""
VARIANT=kref_v1
OUT=""
SECONDS_LIMIT=60
PRESET=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --variant) rf_need_value "$@"; VARIANT=$2; shift 2 ;;
    -o) rf_need_value "$@"; OUT=$2; shift 2 ;;
    --seconds) rf_need_value "$@"; rf_positive_int --seconds "$2"; SECONDS_LIMIT=$2; shift 2 ;;
    --preset) rf_need_value "$@"; PRESET=$2; shift 2 ;;
    -h|--help) rf_usage; exit 0 ;;
    -*) rf_die "unknown option '$1' (see --help)" ;;
    *) [[ -z "$FILE" ]] || rf_die "one FILE only (got '$FILE' and '$1')"; FILE=$1; shift ;;
  esac
done
rf_input_file "$FILE"
[[ -n "$OUT" ]] || OUT="${FILE%.txt}.min"

RACEFUZZ=$("$ROOT/scripts/find-racefuzz.sh" ${PRESET:+--preset "$PRESET"})
"$RACEFUZZ" minimize "$FILE" --variant "$VARIANT" --max_seconds "$SECONDS_LIMIT" -o "$OUT" \
  | tee "$OUT.txt"
reproduce=scripts/reproduce.sh  # as the caller can run it: relative from the root only
[[ "$PWD" == "$ROOT" ]] || reproduce="$ROOT/scripts/reproduce.sh"
echo "wrote $OUT and $OUT.txt; replay with $reproduce $OUT --variant all${PRESET:+ --preset $PRESET}" >&2
