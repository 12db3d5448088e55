// harness_bench: Google Benchmark's usual console output, then one summary line comparing
// racefuzz's fiber switch with the OS-thread semaphore baton, checked against the targets
// of issue 2 (at most 15 ns per switch, at least 300x faster than the baton).
//
// With --benchmark_repetitions the medians are compared; otherwise the single runs.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "bench/bench_counters.h"
#include "benchmark/benchmark.h"

namespace racefuzz::bench {
namespace {

// Prints like the console reporter and remembers kNsPerSwitch of each benchmark.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const bool is_median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type == Run::RT_Aggregate && !is_median) continue;
      const auto counter = run.counters.find(kNsPerSwitch);
      if (counter == run.counters.end()) continue;
      const std::string& name = run.run_name.function_name;
      // A median, once seen, wins over the individual repetitions.
      if (is_median || !has_median_[name]) ns_per_switch_[name] = counter->second.value;
      if (is_median) has_median_[name] = true;
    }
  }

  // Returns false when the comparison could not be made (a benchmark was filtered out or
  // failed).
  bool PrintSummary() const {
    const auto fiber = ns_per_switch_.find(kFiberSwitchBenchmark);
    const auto baton = ns_per_switch_.find(kBatonBenchmark);
    if (fiber == ns_per_switch_.end() || baton == ns_per_switch_.end()) {
      std::printf("racefuzz switch: no comparison (run both %s and %s)\n", kFiberSwitchBenchmark,
                  kBatonBenchmark);
      return false;
    }
    const double ratio = baton->second / fiber->second;
    std::printf("racefuzz switch: %.1f ns, OS-thread baton: %.0f ns, ratio: %.0f x\n",
                fiber->second, baton->second, ratio);
    std::printf("targets: switch <= %.0f ns: %s; ratio >= %.0f x: %s\n", kTargetNsPerSwitch,
                fiber->second <= kTargetNsPerSwitch ? "met" : "MISSED", kTargetSpeedup,
                ratio >= kTargetSpeedup ? "met" : "MISSED");
    std::fflush(stdout);
    return true;
  }

 private:
  std::map<std::string, double> ns_per_switch_;
  std::map<std::string, bool> has_median_;
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
