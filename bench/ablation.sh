#!/usr/bin/env bash
# What a part of the switch costs: builds harness_bench from the committed HEAD unchanged and
# with each variant's patches applied (release preset, each in a directory of its own), then
# runs them in turn, round after round, so that every variant sees the same machine state.
# Run by `scripts/bench.sh ablation [flags] VARIANT...`; prints a table and writes it to
# bench/results/ablation-<UTC date>-<HHMM>.md.
#
#   VARIANT        a patch file, or several joined by '+' (applied in that order), e.g.
#                  bench/ablations/no-mxcsr-read.patch+bench/ablations/no-bookkeeping.patch
#   --rounds N     rounds of all variants (default 4)
#   --repetitions R  repetitions of each benchmark per round (default 5; the table gives
#                  the range over the rounds of each round's fastest repetition and median)
#   --filter RE    benchmarks to run (default: the switch benchmarks the summary compares)
#
# The patches in bench/ablations/ remove parts of the switch that racefuzz needs (they exist
# to measure, never to ship); bench/README.md says what each measured.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
ROOT=$RF_ROOT

die() {
  echo "ablation.sh: error: $*" >&2
  exit 2
}
rounds=4
repetitions=5
filter='BM_FiberSwitch/1000/|BM_FiberSwitchSameCode/1000/|BM_RawSwitchDistinctCode/1000/'
variants=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) [[ $# -ge 2 ]] || die "--rounds needs a value"; rounds=$2; shift 2 ;;
    --repetitions) [[ $# -ge 2 ]] || die "--repetitions needs a value"; repetitions=$2; shift 2 ;;
    --filter) [[ $# -ge 2 ]] || die "--filter needs a value"; filter=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown flag '$1' (see --help)" ;;
    *) variants+=("$1"); shift ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive number"
[[ "$repetitions" =~ ^[1-9][0-9]*$ ]] || die "--repetitions must be a positive number"
[[ ${#variants[@]} -gt 0 ]] || die "name at least one variant (a patch file; see --help)"
git -C "$ROOT" rev-parse --verify -q HEAD >/dev/null || die "$ROOT is not a git checkout with a commit"

# Patch paths are the caller's; checked (and made absolute) before anything is built.
patches_of() { tr '+' '\n' <<<"$1"; }
declare -A ABSOLUTE=()
for variant in "${variants[@]}"; do
  while IFS= read -r patch; do
    [[ -n "$patch" ]] || die "empty patch name in variant '$variant'"
    [[ -f "$patch" && -r "$patch" ]] || die "no such patch file: $patch"
    ABSOLUTE[$patch]=$(cd "$(dirname "$patch")" && pwd)/$(basename "$patch")
  done < <(patches_of "$variant")
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
commit=$(git -C "$ROOT" rev-parse --short HEAD)

# Source trees of HEAD with each variant's patches (all applied before set-up and builds, so
# that a patch that does not apply fails at once); each is built and its binary copied to
# $work/bin/N.
mkdir -p "$work/bin"
names=(unchanged "${variants[@]}")
labels=(unchanged)
for i in "${!names[@]}"; do
  src=$work/src$i
  mkdir -p "$src"
  git -C "$ROOT" archive HEAD | tar -x -C "$src"
  [[ $i -gt 0 ]] || continue
  label=()
  while IFS= read -r patch; do
    (cd "$src" && git apply "${ABSOLUTE[$patch]}" 2>"$work/stderr") || {
      cat "$work/stderr" >&2
      die "$patch does not apply to $commit (made for another version of the harness?)"
    }
    label+=("$(basename "$patch" .patch)")
  done < <(patches_of "${names[$i]}")
  labels[i]=$(printf '%s + ' "${label[@]}")
  labels[i]=${labels[i]% + }
done
rf_setup
for i in "${!names[@]}"; do
  src=$work/src$i
  echo "== building ${labels[$i]}"
  RF_SOURCE_DIR=$src rf_build release "$src/build/release" -DRACEFUZZ_BUILD_TESTS=OFF \
    harness_bench || die "building ${labels[$i]} failed"
  cp "$src/build/release/bench/harness_bench" "$work/bin/$i"
  rm -rf "$src"
done

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((round = 1; round <= rounds; round++)); do
  for i in "${!names[@]}"; do
    echo "== round $round of $rounds: ${labels[$i]}"
    "$work/bin/$i" --benchmark_filter="$filter" --benchmark_repetitions="$repetitions" \
      --benchmark_report_aggregates_only=true --benchmark_out="$work/r$round-v$i.json" \
      --benchmark_out_format=json >/dev/null 2>"$work/stderr" ||
      { cat "$work/stderr" >&2; die "harness_bench (${labels[$i]}) failed"; }
    # harness_bench exits 0 and writes an empty file when the filter matches nothing.
    [[ -s "$work/r$round-v$i.json" ]] || die "--filter '$filter' matches no benchmark"
  done
done

mkdir -p "$ROOT/bench/results"
out=$ROOT/bench/results/ablation-$(date -u +%Y-%m-%d-%H%M).md
table=$(python3 - "$work" "$rounds" "${labels[@]}" <<'EOF'
import json, sys
work, rounds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
# (variant, benchmark, statistic) -> ns per switch of each round. With one repetition there
# are no aggregates: the single run is both the fastest and the median.
found = {}
order = []
for r in range(1, rounds + 1):
    for v in range(len(names)):
        with open(f"{work}/r{r}-v{v}.json") as f:
            for b in json.load(f)["benchmarks"]:
                if "ns_per_switch" not in b:
                    continue
                if b.get("run_type") == "aggregate":
                    stats = {"min": ("min",), "median": ("median",)}.get(b["aggregate_name"], ())
                else:
                    stats = ("min", "median")
                name = b["run_name"].split("/real_time")[0]
                for stat in stats:
                    if name not in order:
                        order.append(name)
                    found.setdefault((v, name, stat), []).append(b["ns_per_switch"])
if not order:
    sys.exit("ablation.sh: error: no benchmark of the filter reports ns_per_switch")
def cell(v, name, stat):
    xs = found.get((v, name, stat))
    return f"{min(xs):.1f}-{max(xs):.1f}" if xs else "-"
print("ns per switch, wall-clock: range over the rounds of each round's fastest repetition"
      " (median of the repetitions in brackets).")
print()
print("| variant | " + " | ".join(f"`{n}`" for n in order) + " |")
print("|---|" + "---|" * len(order))
for v, variant in enumerate(names):
    cells = [f"{cell(v, n, 'min')} ({cell(v, n, 'median')})" for n in order]
    print(f"| {variant} | " + " | ".join(cells) + " |")
EOF
) || exit 2

{
  echo "# Switch ablation, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Commit $commit, preset release, $(clang++ --version | head -n 1)."
  echo "Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load average at start: $load_start."
  echo "$rounds rounds, $repetitions repetitions per benchmark per round, variants in turn:"
  for i in "${!names[@]}"; do [[ $i -eq 0 ]] || echo "- ${labels[$i]}: \`${names[$i]}\`"; done
  echo
  echo "$table"
} >"$out"
cat "$out"
echo "ablation.sh: results written to ${out#"$ROOT"/}"
