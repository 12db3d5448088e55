#!/usr/bin/env bash
# Encodes the hand-written text-form inputs corpora/<dir>/*.txt into the byte form the fuzz
# targets read (corpora/<dir>/<name>.bin, committed beside the text). Idempotent.
#
# Usage: scripts/encode-seeds.sh [--racefuzz PATH] [DIR...]
#   DIR defaults to corpora/seeds and corpora/regressions. Without --racefuzz, the first
#   racefuzz binary found under build/ is used, and build/dev is built if there is none.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ROOT=$RF_ROOT

RACEFUZZ=""
DIRS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --racefuzz) rf_need_value "$@"; RACEFUZZ=$2; shift 2 ;;
    -h|--help) rf_usage; exit 0 ;;
    -*) rf_die "unknown option '$1'" ;;
    *) [[ -d "$1" ]] || rf_die "no such directory: $1"; DIRS+=("$1"); shift ;;
  esac
done
[[ ${#DIRS[@]} -gt 0 ]] || DIRS=("$ROOT/corpora/seeds" "$ROOT/corpora/regressions")

RACEFUZZ=$("$ROOT/scripts/find-racefuzz.sh" ${RACEFUZZ:+--racefuzz "$RACEFUZZ"})

count=0
for dir in "${DIRS[@]}"; do
  for text in "$dir"/*.txt; do
    [[ -f "$text" ]] || continue
    "$RACEFUZZ" encode "$text" -o "${text%.txt}.bin" || rf_die "cannot encode $text"
    count=$((count + 1))
  done
done
echo "encoded $count inputs"
