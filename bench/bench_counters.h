// Counter names shared by the benchmarks and the summary printed by harness_bench_main.cc.
#ifndef RACEFUZZ_BENCH_BENCH_COUNTERS_H_
#define RACEFUZZ_BENCH_BENCH_COUNTERS_H_

#include <algorithm>
#include <vector>

namespace racefuzz::bench {

// Wall-clock nanoseconds per hand-over of control between two logical/OS threads.
inline constexpr char kNsPerSwitch[] = "ns_per_switch";
// The same in CPU time of the OS thread the fibers run on (fiber benchmarks only).
inline constexpr char kCpuNsPerSwitch[] = "cpu_ns_per_switch";
// Whole executions per wall-clock second.
inline constexpr char kExecutionsPerSecond[] = "executions_per_s";

// The benchmarks (name/argument) the summary line compares (see switch_bench.cc): executions of
// 1,000 yield points per logical thread, and 1,000 round trips of the baton per iteration.
inline constexpr char kFiberSwitchBenchmark[] = "BM_FiberSwitch/1000";
inline constexpr char kSameCodeSwitchBenchmark[] = "BM_FiberSwitchSameCode/1000";
inline constexpr char kOsPlacedBatonBenchmark[] = "BM_OsThreadSemBaton/1000";
inline constexpr char kTwoCoreBatonBenchmark[] = "BM_OsThreadSemBatonTwoCores/1000";
inline constexpr char kOneCoreBatonBenchmark[] = "BM_OsThreadSemBatonOneCore/1000";
inline constexpr char kRawSwitchBenchmark[] = "BM_RawFiberSwitch/1000";
// The raw switch called from a function, as the scheduler's is, between threads in different
// code: the floor under kFiberSwitchBenchmark with no scheduler (switch_bench.cc).
inline constexpr char kRawDistinctCodeBenchmark[] = "BM_RawSwitchDistinctCode/1000";

// The fastest of the repetitions, added to every benchmark's statistics (min is not one of
// Google Benchmark's defaults).
inline double MinStatistic(const std::vector<double>& values) {
  return values.empty() ? 0.0 : *std::min_element(values.begin(), values.end());
}

// The targets of issue 2.
inline constexpr double kTargetNsPerSwitch = 15.0;
inline constexpr double kTargetSpeedup = 300.0;

}  // namespace racefuzz::bench

#endif  // RACEFUZZ_BENCH_BENCH_COUNTERS_H_
