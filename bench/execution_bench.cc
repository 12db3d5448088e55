// Scheduler::Run overhead: executions per second of an empty two-thread execution (T0 spawns
// T1, which does nothing, and joins it). This bounds how many executions a fuzzing campaign
// can run per second before the code under test costs anything.
#include <chrono>
#include <cstdint>

#include "bench/bench_counters.h"
#include "benchmark/benchmark.h"
#include "harness/random_strategy.h"
#include "harness/scheduler.h"
#include "harness/thread.h"

namespace racefuzz::bench {
namespace {

using Clock = std::chrono::steady_clock;

void BM_EmptyTwoThreadExecution(benchmark::State& state) {
  Scheduler scheduler;
  RandomStrategy strategy(/*seed=*/1);
  ExecutionOptions options;
  options.strategy = &strategy;
  auto body = [] {
    const ThreadId child = SpawnThread([] {}, "T1");
    JoinThread(child);
  };

  uint64_t executions = 0;
  const Clock::time_point start = Clock::now();
  for (auto _ : state) {
    const ExecutionResult result = scheduler.Run(options, body);
    benchmark::DoNotOptimize(result.trace_hash);
    if (result.failed()) {
      state.SkipWithError("the empty execution failed");
      return;
    }
    ++executions;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  state.counters[kExecutionsPerSecond] = static_cast<double>(executions) / seconds;
}
BENCHMARK(BM_EmptyTwoThreadExecution)
    ->UseRealTime()
    ->ComputeStatistics("min", MinStatistic)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace racefuzz::bench
