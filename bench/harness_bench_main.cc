// harness_bench: Google Benchmark's usual console output, then a summary comparing
// racefuzz's fiber switch with the OS-thread semaphore baton, checked against the targets
// of issue 2 (at most 15 ns per switch, at least 300x faster than the baton). The switch is
// BM_FiberSwitch (the logical threads run different code, as in a real execution);
// BM_FiberSwitchSameCode, the same without the mispredicted return, is printed beside it, and
// BM_RawSwitchDistinctCode, the raw switch between different code with no scheduler, as its floor.
//
// With --benchmark_repetitions the fastest repetitions ("min", see MinStatistic) are
// compared: on a shared 2-core machine other processes only ever add time, so the minimum is
// the best estimate of the cost itself. Without repetitions the single runs are compared.
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_counters.h"
#include "benchmark/benchmark.h"

namespace racefuzz::bench {
namespace {

// Prints like the console reporter and remembers kNsPerSwitch of each benchmark.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal, so logs and results files stay plain text.
  SummaryReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const bool is_min = run.run_type == Run::RT_Aggregate && run.aggregate_name == "min";
      if (run.run_type == Run::RT_Aggregate && !is_min) continue;
      const std::string name = run.run_name.args.empty()
                                   ? run.run_name.function_name
                                   : run.run_name.function_name + "/" + run.run_name.args;
      // The minimum, once seen, wins over the individual repetitions.
      if (!is_min && has_min_[name]) continue;
      if (is_min) has_min_[name] = true;
      for (const char* counter : {kNsPerSwitch, kCpuNsPerSwitch}) {
        const auto it = run.counters.find(counter);
        if (it != run.counters.end()) counters_[name][counter] = it->second.value;
      }
    }
  }

  // Returns false when the comparison could not be made (a benchmark was filtered out or
  // failed).
  bool PrintSummary() const {
    const double fiber = Counter(kFiberSwitchBenchmark, kNsPerSwitch);
    const double two_cores = Counter(kTwoCoreBatonBenchmark, kNsPerSwitch);
    const double one_core = Counter(kOneCoreBatonBenchmark, kNsPerSwitch);
    const double os_choice = Counter(kOsPlacedBatonBenchmark, kNsPerSwitch);
    if (fiber <= 0 || (two_cores <= 0 && one_core <= 0 && os_choice <= 0)) {
      std::printf("racefuzz switch: no comparison (run %s and a BM_OsThreadSemBaton* benchmark)\n",
                  kFiberSwitchBenchmark);
      return false;
    }
    std::printf("racefuzz switch: %.1f ns\n", fiber);
    // The same switch between two threads in the same code, without the mispredicted return
    // that follows a switch between different code (switch_bench.cc, YieldLoop): the part
    // of the switch that is the harness's own.
    const double same_code = Counter(kSameCodeSwitchBenchmark, kNsPerSwitch);
    if (same_code > 0) {
      std::printf("of which the harness's own, both threads in the same code: %.1f ns\n",
                  same_code);
    }
    // What any stackful switch between different code costs here, scheduler or not: the
    // raw switch called from two different loops, mispredicted return included.
    const double floor = Counter(kRawDistinctCodeBenchmark, kNsPerSwitch);
    if (floor > 0) {
      std::printf(
          "floor: the raw switch between two threads in different code, no scheduler: %.1f ns "
          "(the scheduler adds %.1f ns)\n",
          floor, fiber - floor);
    }
    // The baton's cost depends on where its two threads run (switch_bench.cc, Placement), so
    // each placement gets its own ratio and verdict.
    std::string verdicts;
    for (const auto& [placement, baton] :
         {std::pair{"across two cores", two_cores}, std::pair{"on one core", one_core},
          std::pair{"placed by the OS", os_choice}}) {
      if (baton <= 0) continue;
      const double ratio = baton / fiber;
      std::printf("OS-thread semaphore baton %s: %.0f ns, ratio: %.0f x\n", placement, baton,
                  ratio);
      if (!verdicts.empty()) verdicts += ", ";
      verdicts += std::string(ratio >= kTargetSpeedup ? "met " : "MISSED ") + placement;
    }
    std::printf(
        "racefuzz switch in CPU time of its OS thread: %.1f ns (bare switch, no call: %.1f "
        "ns)\n",
        Counter(kFiberSwitchBenchmark, kCpuNsPerSwitch),
        Counter(kRawSwitchBenchmark, kCpuNsPerSwitch));
    std::printf("targets: switch <= %.0f ns: %s; ratio >= %.0f x: %s\n", kTargetNsPerSwitch,
                fiber <= kTargetNsPerSwitch ? "met" : "MISSED", kTargetSpeedup, verdicts.c_str());
    std::fflush(stdout);
    return true;
  }

 private:
  // The counter's value, or 0 when that benchmark or counter was not run.
  double Counter(const std::string& benchmark, const char* counter) const {
    const auto run = counters_.find(benchmark);
    if (run == counters_.end()) return 0;
    const auto value = run->second.find(counter);
    return value == run->second.end() ? 0 : value->second;
  }

  std::map<std::string, std::map<std::string, double>> counters_;
  std::map<std::string, bool> has_min_;
};

}  // namespace
}  // namespace racefuzz::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  racefuzz::bench::SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  reporter.PrintSummary();
  return 0;
}
