#!/usr/bin/env bash
# Replays one input (corpus file, crash file, findings/*/reproducer, or a .txt text form)
# and prints its report: the sanitizer or harness report, the race diagram, the decoded
# program and its signature. With --variant all (the default), every variant of the model
# runs it, each in its own process, and a table shows them side by side:
#   kref_v1    asan.heap-use-after-free.dma_heap_ioctl
#   fixed      clean
#
# Usage: scripts/reproduce.sh FILE [--variant V|all] [--preset asan|dev|tsan|...]
#   --preset    the build whose racefuzz command line runs it, configured and built if
#               needed (an unknown preset is an error); default: the first one built of
#               asan, libfuzzer-asan, dev, tsan, libfuzzer-tsan, release, else asan, built
#               (scripts/find-racefuzz.sh)
# Exit status: 0 clean everywhere, 1 a bug on some variant, 2 a usage error (or no racefuzz
# could be built).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ROOT=$RF_ROOT

FILE=""
VARIANT=all
PRESET=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --variant) rf_need_value "$@"; VARIANT=$2; shift 2 ;;
    --preset) rf_need_value "$@"; PRESET=$2; shift 2 ;;
    -h|--help) rf_usage; exit 0 ;;
    -*) rf_die "unknown option '$1' (see --help)" ;;
    *) [[ -z "$FILE" ]] || rf_die "one FILE only (got '$FILE' and '$1')"; FILE=$1; shift ;;
  esac
done
rf_input_file "$FILE"

RACEFUZZ=$("$ROOT/scripts/find-racefuzz.sh" ${PRESET:+--preset "$PRESET"}) || exit 2  # it said why
exec "$RACEFUZZ" run "$FILE" --variant "$VARIANT"
