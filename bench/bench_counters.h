// Counter names shared by the benchmarks and the summary printed by harness_bench_main.cc.
#ifndef RACEFUZZ_BENCH_BENCH_COUNTERS_H_
#define RACEFUZZ_BENCH_BENCH_COUNTERS_H_

namespace racefuzz::bench {

// Wall-clock nanoseconds per hand-over of control between two logical/OS threads.
inline constexpr char kNsPerSwitch[] = "ns_per_switch";
// Whole executions per wall-clock second.
inline constexpr char kExecutionsPerSecond[] = "executions_per_s";

// Names of the benchmarks the summary line compares (see switch_bench.cc).
inline constexpr char kFiberSwitchBenchmark[] = "BM_FiberSwitch";
inline constexpr char kBatonBenchmark[] = "BM_OsThreadSemBaton";

// The targets of issue 2.
inline constexpr double kTargetNsPerSwitch = 15.0;
inline constexpr double kTargetSpeedup = 300.0;

}  // namespace racefuzz::bench

#endif  // RACEFUZZ_BENCH_BENCH_COUNTERS_H_
