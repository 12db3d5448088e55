#!/usr/bin/env python3
"""Time to bug: how long each strategy takes to report each known bug (issue 6).

Run by `scripts/bench.sh ttb [--quick|--full]`; see bench/README.md. Two kinds of strategy:

* Fuzzing campaigns (libFuzzer with and without interleaving feedback, AFL++): the default
  campaign of scripts/fuzz.sh (kref_v1, ASan, scripts/run-libfuzzer.sh with one job,
  dictionary, a known report skipped in-process after its first time, a new one saved
  in-process) but from an EMPTY corpus (AFL++
  needs one input: a 2-byte empty program). One campaign finds many bugs, so each trial is
  one campaign, and the time to a bug is the modification time of the first crash artifact
  whose replayed report is that bug, minus the campaign's start.
* Schedule searches for a fixed program (random schedules, PCT d=2 and d=3, and the
  real-thread stress baseline): bench/racefuzz_ttb runs the bug's program from
  corpora/regressions/ (its schedule dropped) until the bug's signature appears.

A report counts as a bug when its signature (fuzz/signature.h) is the bug's expected
outcome on kref_v1 in corpora/regressions/Bn_*.expect; B1 and B13 share one (a
use-after-free in dma_heap_buffer_alloc) and are told apart by what freed the memory (a
module unload is B13). Every trial has a time cap; a bug not found within it counts as
not found (and as the cap in the max).

Output: bench/results/ttb-<mode>.csv (one row per trial and bug), ttb-<mode>.md (the
table) and ttb-<mode>.png (survival plot, gnuplot).
"""

import argparse
import csv
import glob
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIANT = "kref_v1"

# Bug -> its regression program. The signature that counts as the bug is the program's
# expected outcome on kref_v1 (corpora/regressions/Bn_*.expect), read by expected_signature.
BUGS = {
    "B1": "B1_ioctl_after_removal.txt",
    "B2": "B2_close_after_removal.txt",
    "B3": "B3_open_races_release.txt",
    "B6": "B6_buffer_outlives_heap.txt",
    "B7": "B7_inflight_ioctl.txt",
    "B8": "B8_unbalanced_put.txt",
    "B13": "B13_tee_module_unload.txt",
}
BUG_ORDER = list(BUGS)

# libfuzzer*: scripts/fuzz.sh's libFuzzer campaign; "no-skip" = --no-skip-seen (no
# RACEFUZZ_SEEN_DIR), "no-feedback" = --no-feedback (RACEFUZZ_FEEDBACK=0).
FUZZERS = ["libfuzzer", "libfuzzer-no-feedback", "libfuzzer-byte-mutator", "libfuzzer-no-skip",
           "libfuzzer-no-skip-no-feedback", "afl", "afl-no-skip"]
SEARCHES = ["random", "pct2", "pct3", "real_threads"]
STRATEGY_NAMES = {
    "libfuzzer": "libFuzzer (fuzz.sh default)",
    "libfuzzer-no-feedback": "libFuzzer, no feedback",
    "libfuzzer-byte-mutator": "libFuzzer, byte mutations only",
    "libfuzzer-no-skip": "libFuzzer, no skip-seen",
    "libfuzzer-no-skip-no-feedback": "libFuzzer, no skip-seen, no feedback",
    "afl": "AFL++ (fuzz.sh default)",
    "afl-no-skip": "AFL++, no skip-seen",
    "random": "random schedules",
    "pct2": "PCT d=2",
    "pct3": "PCT d=3",
    "real_threads": "stress (real threads)",
}

MODES = {
    # trials, cap for fuzzing campaigns (s), cap for schedule searches (s)
    "quick": dict(trials=3, fuzz_trials=2, fuzz_cap=20, search_cap=5),
    "full": dict(trials=5, fuzz_trials=3, fuzz_cap=60, search_cap=20),
}


def load_average():
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])


def regression_path(bug, extension):
    return os.path.join(ROOT, "corpora", "regressions",
                        os.path.splitext(BUGS[bug])[0] + extension)


def expected_signature(bug):
    """The `kref_v1: SIGNATURE` line of the bug's .expect file."""
    with open(regression_path(bug, ".expect")) as expect:
        for line in expect:
            variant, _, signature = line.partition(":")
            if variant.strip() == VARIANT:
                return signature.strip()
    raise SystemExit(f"ttb.py: no {VARIANT} line in {regression_path(bug, '.expect')}")


def classify(signature, log):
    """The known bug a fuzzer's report shows, or None. B1 and B13 share a signature (a
    use-after-free in dma_heap_buffer_alloc); B13's memory was freed by a module unload."""
    matches = [bug for bug in BUG_ORDER if expected_signature(bug) == signature]
    if len(matches) > 1:
        unloaded = "FreeModuleImage" in log
        matches = [bug for bug in matches if (bug == "B13") == unloaded]
    return matches[0] if matches else None


class Builds:
    def __init__(self, prefix):
        self.asan = os.path.join(ROOT, f"{prefix}asan")
        self.libfuzzer = os.path.join(ROOT, f"{prefix}libfuzzer-asan")
        self.afl = os.path.join(ROOT, f"{prefix}afl-asan")

    def replay_binary(self):
        return os.path.join(self.asan, "fuzz", f"{VARIANT}_fuzzer")

    def racefuzz(self):
        return os.path.join(self.asan, "fuzz", "racefuzz")

    def ttb(self):
        return os.path.join(self.asan, "bench", "racefuzz_ttb")

    def missing(self, strategies):
        """The binaries the strategies need that are not built."""
        needed = []
        if any(s in FUZZERS for s in strategies):
            needed += [self.replay_binary(), self.racefuzz()]
        if any(s.startswith("libfuzzer") for s in strategies):
            needed.append(os.path.join(self.libfuzzer, "fuzz", f"{VARIANT}_fuzzer"))
        if any(s.startswith("afl") for s in strategies):
            needed.append(os.path.join(self.afl, "fuzz", f"{VARIANT}_fuzzer"))
        if any(s in SEARCHES for s in strategies):
            needed.append(self.ttb())
        return [path for path in dict.fromkeys(needed) if not os.access(path, os.X_OK)]


def replay_signature(builds, crash, workdir):
    """Replays a saved crash with the standalone ASan target; returns (signature, log)."""
    log_path = os.path.join(workdir, "replay.log")
    env = dict(os.environ)
    env.pop("RACEFUZZ_SEEN_DIR", None)
    env.pop("RACEFUZZ_CRASH_DIR", None)
    with open(log_path, "wb") as log:
        status = subprocess.call([builds.replay_binary(), crash], stdout=log,
                                 stderr=subprocess.STDOUT, env=env, timeout=60)
    args = [builds.racefuzz(), "signature", log_path]
    if status != 0:
        args.insert(2, "--crashed")
    signature = subprocess.run(args, capture_output=True, text=True).stdout.strip()
    with open(log_path, errors="replace") as log:
        return signature, log.read()


def initial_corpus(corpus, directory):
    """The campaign's starting inputs: none, or scripts/fuzz.sh's corpora/seeds."""
    os.makedirs(directory)
    if corpus == "seeds":
        for seed_file in glob.glob(os.path.join(ROOT, "corpora", "seeds", "*.bin")):
            shutil.copy(seed_file, directory)


def fuzz_command(strategy, builds, workdir, cap, seed, corpus):
    dictionary = os.path.join(ROOT, "corpora", "racefuzz.dict")
    if strategy.startswith("libfuzzer"):
        binary = os.path.join(builds.libfuzzer, "fuzz", f"{VARIANT}_fuzzer")
        initial_corpus(corpus, os.path.join(workdir, "corpus"))
        os.makedirs(os.path.join(workdir, "artifacts"))
        # scripts/fuzz.sh's campaign, one job.
        command = [os.path.join(ROOT, "scripts", "run-libfuzzer.sh"), binary, str(cap), str(seed),
                   "1", dictionary]
        return command, os.path.join(workdir, "artifacts", "crash-*")
    binary = os.path.join(builds.afl, "fuzz", f"{VARIANT}_fuzzer")
    initial_corpus(corpus, os.path.join(workdir, "in"))
    if not os.listdir(os.path.join(workdir, "in")):
        with open(os.path.join(workdir, "in", "empty"), "wb") as seed_file:
            seed_file.write(b"\x00\x00")  # one thread, no operations
    command = ["afl-fuzz", "-i", "in", "-o", "afl", "-V", str(cap), "-x", dictionary,
               "-t", "10000", "-m", "none", "-s", str(seed), "-M", "main", "--", binary]
    return command, os.path.join(workdir, "afl", "main", "crashes", "id:*")


def run_campaign(strategy, builds, cap, seed, scratch, corpus):
    """One fuzzing campaign; returns {bug: seconds} for the known bugs it found."""
    workdir = tempfile.mkdtemp(prefix=f"{strategy}-{seed}-", dir=scratch)
    command, crash_glob = fuzz_command(strategy, builds, workdir, cap, seed, corpus)
    env = dict(os.environ)
    env["RACEFUZZ_FEEDBACK"] = "0" if strategy.endswith("no-feedback") else "1"
    env["RACEFUZZ_STRUCTURED_MUTATOR"] = "0" if strategy.endswith("byte-mutator") else "1"
    env.pop("RACEFUZZ_SEEN_DIR", None)
    env.pop("RACEFUZZ_CRASH_DIR", None)
    if "no-skip" not in strategy:
        env["RACEFUZZ_SEEN_DIR"] = os.path.join(workdir, "seen")
        os.makedirs(env["RACEFUZZ_SEEN_DIR"])
        if strategy.startswith("libfuzzer"):
            # As scripts/fuzz.sh: a new bug's input is saved by the target (no restart), and
            # ASan recovers, so a known report does not end the process.
            env["RACEFUZZ_CRASH_DIR"] = os.path.join(workdir, "artifacts")
            with open(os.path.join(ROOT, "scripts", "campaign-asan-options")) as options:
                campaign_options = options.read().strip()
            env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                       campaign_options]))
    env.update(AFL_NO_UI="1", AFL_SKIP_CPUFREQ="1", AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1",
               AFL_NO_AFFINITY="1", AFL_SKIP_CRASHES="1", AFL_FAST_CAL="1", AFL_QUIET="1")
    found, seen_files = {}, set()
    with open(os.path.join(workdir, "fuzz.log"), "wb") as log:
        start = time.time()
        process = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                                   env=env, start_new_session=True)

        def sweep():
            for crash in sorted(glob.glob(crash_glob), key=os.path.getmtime):
                if crash in seen_files:
                    continue
                seen_files.add(crash)
                at = os.path.getmtime(crash) - start
                signature, report = replay_signature(builds, crash, workdir)
                bug = classify(signature, report)
                if bug is not None and (bug not in found or at < found[bug]):
                    found[bug] = max(at, 0.0)

        while time.time() - start < cap + 5 and process.poll() is None:
            time.sleep(0.25)
            sweep()
            if len(found) == len(BUGS):
                break
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        sweep()
    shutil.rmtree(workdir, ignore_errors=True)
    return {bug: t for bug, t in found.items() if t <= cap}


def run_search(strategy, builds, bug, cap, seed):
    """One schedule search for one bug's program; returns seconds or None."""
    program = regression_path(bug, ".txt")
    output = subprocess.run(
        [builds.ttb(), f"--program={program}", f"--variant={VARIANT}",
         f"--strategy={strategy}", f"--seed={seed}", f"--max_seconds={cap}",
         "--signature=" + expected_signature(bug)],
        capture_output=True, text=True, timeout=cap + 120).stdout
    fields = dict(item.split("=", 1) for item in output.split() if "=" in item)
    if fields.get("found") != "1":
        return None
    return float(fields["seconds"])


def summarize(rows, strategies, cap_of):
    """The markdown table: per strategy and bug, median / max / found fraction."""
    lines = ["| strategy | " + " | ".join(BUG_ORDER) + " |",
             "|---|" + "---|" * len(BUG_ORDER)]
    for strategy in strategies:
        cells = []
        for bug in BUG_ORDER:
            trials = [r for r in rows if r["strategy"] == strategy and r["bug"] == bug]
            if not trials:
                cells.append("n/a")
                continue
            cap = cap_of(strategy)
            times = [float(r["seconds"]) if r["found"] == "1" else float("inf") for r in trials]
            hits = sum(r["found"] == "1" for r in trials)
            fmt = lambda t: f">{cap:g}" if t == float("inf") else f"{t:.2f}"
            cells.append(f"{fmt(statistics.median(times))} / {fmt(max(times))} "
                         f"({hits}/{len(trials)})")
        lines.append(f"| {STRATEGY_NAMES[strategy]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


COLORS = ["#7b3294", "#1b9e77", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4", "#d95f02",
          "#000000", "#e7298a", "#999999"]


def plot(rows, strategies, cap, png):
    """Survival plot: fraction of (bug, trial) pairs not yet found against time."""
    data_dir = tempfile.mkdtemp(prefix="ttb-plot-")
    plots = []
    for index, strategy in enumerate(strategies):
        trials = [r for r in rows if r["strategy"] == strategy]
        if not trials:
            continue
        times = sorted(float(r["seconds"]) for r in trials if r["found"] == "1")
        total = len(trials)
        path = os.path.join(data_dir, f"{strategy}.dat")
        with open(path, "w") as data:
            data.write(f"0.001 1.0\n")
            remaining = total
            for t in times:
                data.write(f"{max(t, 0.001):.4f} {remaining / total:.4f}\n")
                remaining -= 1
                data.write(f"{max(t, 0.001):.4f} {remaining / total:.4f}\n")
            data.write(f"{cap:.4f} {remaining / total:.4f}\n")
        plots.append(f"'{path}' using 1:2 with lines lw 2 lc rgb '{COLORS[index % len(COLORS)]}' "
                     f"dt {1 + index % 5} title '{STRATEGY_NAMES[strategy]}'")
    script = f"""
set terminal pngcairo size 1100,750 font ',11'
set output '{png}'
set title 'Time to bug on kref\\_v1 (B1 B2 B3 B6 B7 B8 B13; all trials pooled)'
set xlabel 'seconds (log scale)'
set ylabel 'fraction of (bug, trial) pairs not yet found'
set logscale x
set xrange [0.001:{max(cap, 60) * 1.1}]
set yrange [0:1.06]
set grid
set key below maxrows 4 width 2
set arrow from 2, graph 0 to 2, graph 1 nohead dt 3 lw 1 lc rgb 'gray40'
set label 'median target 2 s' at 2, graph 0.04 left offset 0.5,0 font ',9' tc rgb 'gray40'
set arrow from 60, graph 0 to 60, graph 1 nohead dt 3 lw 1 lc rgb 'gray40'
set label 'max target 60 s' at 60, graph 0.04 right offset -0.5,0 font ',9' tc rgb 'gray40'
plot {', '.join(plots)}
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    shutil.rmtree(data_dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=MODES, default="quick")
    parser.add_argument("--trials", type=int, help="override the mode's number of trials")
    parser.add_argument("--strategies", default=",".join(FUZZERS + SEARCHES),
                        help="comma-separated subset of: " + ", ".join(FUZZERS + SEARCHES))
    parser.add_argument("--builds", default="build/bench-",
                        help="build directory prefix (+asan, +libfuzzer-asan, +afl-asan)")
    parser.add_argument("--corpus", choices=["empty", "seeds"], default="empty",
                        help="fuzzing campaigns start from nothing or from corpora/seeds")
    parser.add_argument("--jobs", type=int, default=1,
                        help="2: run the fuzzing campaigns and the schedule searches in parallel")
    parser.add_argument("--first-seed", type=int, default=1,
                        help="trial i uses seed FIRST_SEED + i - 1 (default 1): another set of "
                        "independent trials")
    parser.add_argument("--replot", metavar="CSV",
                        help="only rebuild the table and plot from a CSV written earlier")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    # bench/ttb.sh: check the arguments and print the presets to build, then exit.
    parser.add_argument("--check-args", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    mode = dict(MODES[args.mode])
    if args.trials is not None and args.trials < 1:
        parser.error("--trials must be a positive number")
    if args.jobs < 1:
        parser.error("--jobs must be a positive number")
    if args.trials:
        mode["trials"] = mode["fuzz_trials"] = args.trials
    strategies = [s for s in args.strategies.split(",") if s]
    unknown = [s for s in strategies if s not in STRATEGY_NAMES]
    if unknown:
        parser.error(f"unknown strategies: {', '.join(unknown)}")
    if not strategies:
        parser.error("--strategies is empty")
    if args.replot and not os.path.isfile(args.replot):
        parser.error(f"--replot: no such file: {args.replot}")
    if args.check_args:
        presets = []
        if not args.replot:
            presets.append("asan")  # the replay target and racefuzz, or racefuzz_ttb
            if any(s.startswith("libfuzzer") for s in strategies):
                presets.append("libfuzzer-asan")
            if any(s.startswith("afl") for s in strategies):
                presets.append("afl-asan")
        print(" ".join(presets))
        return 0
    builds = Builds(args.builds if os.path.isabs(args.builds) else os.path.join(ROOT, args.builds))
    cap_of = lambda s: mode["fuzz_cap"] if s in FUZZERS else mode["search_cap"]
    missing = builds.missing(strategies) if not args.replot else []
    if missing:
        print("ttb.py: error: not built: " + ", ".join(os.path.relpath(p, ROOT) for p in missing)
              + "\n(scripts/bench.sh ttb builds them into build/bench-*; or pass --builds)",
              file=sys.stderr)
        return 2

    if args.replot:
        with open(args.replot) as data:
            rows = list(csv.DictReader(data))
        present = [s for s in STRATEGY_NAMES if any(r["strategy"] == s for r in rows)]
        print(summarize(rows, present, cap_of))
        plot(rows, present, max(mode["fuzz_cap"], mode["search_cap"]),
             os.path.splitext(args.replot)[0] + ".png")
        return 0
    os.makedirs(args.out, exist_ok=True)
    load_at_start = load_average()
    scratch = tempfile.mkdtemp(prefix="racefuzz-ttb-")
    rows = []

    def run_strategy(strategy):
        trials = mode["fuzz_trials"] if strategy in FUZZERS else mode["trials"]
        for trial in range(1, trials + 1):
            if strategy in FUZZERS:
                found = run_campaign(strategy, builds, mode["fuzz_cap"],
                                     args.first_seed + trial - 1, scratch,
                                     args.corpus)
                for bug in BUG_ORDER:
                    rows.append(dict(strategy=strategy, bug=bug, trial=trial,
                                     found="1" if bug in found else "0",
                                     seconds=f"{found.get(bug, mode['fuzz_cap']):.3f}"))
                print(f"{strategy} trial {trial}: " + " ".join(
                    f"{b}={found[b]:.2f}s" if b in found else f"{b}=-" for b in BUG_ORDER),
                    flush=True)
            else:
                for bug in BUG_ORDER:
                    seconds = run_search(strategy, builds, bug, mode["search_cap"],
                                         args.first_seed + trial - 1)
                    rows.append(dict(strategy=strategy, bug=bug, trial=trial,
                                     found="0" if seconds is None else "1",
                                     seconds=f"{mode['search_cap'] if seconds is None else seconds:.4f}"))
                    print(f"{strategy} trial {trial} {bug}: "
                          + ("not found" if seconds is None else f"{seconds:.3f}s"), flush=True)

    # --jobs 2: the fuzzing campaigns and the schedule searches run side by side (one core
    # each on a 2-core machine); otherwise one after the other.
    lanes = [[s for s in strategies if s in FUZZERS], [s for s in strategies if s not in FUZZERS]]
    if args.jobs < 2:
        lanes = [lanes[0] + lanes[1]]
    workers = [threading.Thread(target=lambda lane=lane: [run_strategy(s) for s in lane])
               for lane in lanes if lane]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    order = {s: i for i, s in enumerate(strategies)}
    rows.sort(key=lambda r: (order[r["strategy"]], BUG_ORDER.index(r["bug"]), r["trial"]))
    shutil.rmtree(scratch, ignore_errors=True)

    base = os.path.join(args.out, f"ttb-{args.mode}" + ("-seeds" if args.corpus == "seeds" else ""))
    with open(base + ".csv", "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=["strategy", "bug", "trial", "found", "seconds"])
        writer.writeheader()
        writer.writerows(rows)
    table = summarize(rows, strategies, cap_of)
    with open(base + ".md", "w") as out:
        out.write(f"Time to bug, mode {args.mode}: {mode['fuzz_trials']} trials per fuzzing "
                  f"strategy, {mode['trials']} per schedule search, cap "
                  f"{mode['fuzz_cap']} s per fuzzing campaign, {mode['search_cap']} s per "
                  f"schedule search, campaigns from corpus '{args.corpus}', jobs {args.jobs}; load average at start {load_at_start}, "
                  f"at end {load_average()}. Cells: median / max seconds (trials found / "
                  f"trials); '>cap' = not found within the cap.\n\n{table}\n")
    plot(rows, strategies, max(mode["fuzz_cap"], mode["search_cap"]), base + ".png")
    print()
    print(table)
    print(f"\nttb.py: wrote {base}.csv, .md, .png")


if __name__ == "__main__":
    sys.exit(main())
