#!/usr/bin/env bash
# The corpus grows across campaigns (scripts/fuzz.sh --corpus, --fresh):
#   1. a first 8 s campaign on kref_v1 merges what it found into an empty --corpus DIR:
#      more inputs there than the seeds it started from, and it says so;
#   2. a second campaign on the same target starts from the seeds and that corpus: libFuzzer's
#      first status line ("seed corpus: files: N") shows more than the seed count, and it
#      adds to the corpus without deleting what was there;
#   3. --fresh starts from the seeds alone (N equals the seed count).
#
# Usage: tests/fuzz/corpus_resume_test.sh   (scripts/test.sh --check corpus-resume)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$ROOT/tests/lib/check.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SEEDS=$(find "$ROOT/corpora/seeds" -maxdepth 1 -name '*.bin' | wc -l)

campaign() {  # name, extra flags...
  local name=$1
  shift
  bash "$ROOT/scripts/fuzz.sh" --time 8 --no-minimize --corpus "$TMP/corpus" \
    --out "$TMP/out-$name" --findings "$TMP/findings-$name" "$@" >"$TMP/$name.out" 2>&1
}
# libFuzzer's count of the inputs it started from.
started_from() { sed -n 's/.*INFO: seed corpus: files: \([0-9]*\).*/\1/p' "$TMP/out-$1/fuzz.log" | head -n 1; }
kept() { find "$TMP/corpus" -maxdepth 1 -type f | wc -l; }

campaign first
check "1. the first campaign succeeds" test $? -eq 0
check "1. it started from the $SEEDS seeds (got $(started_from first))" test "$(started_from first)" -eq "$SEEDS"
after_first=$(kept)
check "1. it merged more inputs than the seeds into --corpus ($after_first)" test "$after_first" -gt "$SEEDS"
check "1. it says where the corpus went" grep -q "merged into $TMP/corpus" "$TMP/first.out"

campaign second
check "2. the second campaign succeeds" test $? -eq 0
check "2. it started from more than the seeds ($(started_from second) > $SEEDS)" \
  test "$(started_from second)" -gt "$SEEDS"
check "2. it says it resumed" grep -q "inputs kept in $TMP/corpus" "$TMP/second.out"
check "2. the corpus kept what it had ($(kept) >= $after_first)" test "$(kept)" -ge "$after_first"

campaign fresh --fresh
check "3. --fresh succeeds" test $? -eq 0
check "3. --fresh started from the seeds alone (got $(started_from fresh))" \
  test "$(started_from fresh)" -eq "$SEEDS"

checks_done corpus_resume_test
