// The bug-shape suite's measurement (issue 21): how many schedules each strategy needs to
// find the bug of each program in bench/bug_shapes/, over independent trials.
#ifndef RACEFUZZ_BENCH_BUG_SUITE_H_
#define RACEFUZZ_BENCH_BUG_SUITE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bench/bug_shapes/bug_shapes.h"
#include "harness/strategy.h"

namespace racefuzz::bench {

// A strategy of the suite: `name` is what --strategies takes, `column` the table header.
struct SuiteStrategy {
  const char* name;
  const char* column;
  std::unique_ptr<Strategy> (*make)(uint64_t seed);
};

// random (RandomStrategy, one preemption in four, Explore's default), pct2, pct3, pos, urw.
std::span<const SuiteStrategy> AllSuiteStrategies();

// The strategy seed of a trial. Every strategy here runs execution i with seed + i, so
// seeds 0, 1, 2, ... would make trial t + 1 replay trial t's schedules one execution later;
// trial t gets t << 32 instead, and trials never share an execution seed.
inline uint64_t TrialSeed(uint64_t trial) { return trial << 32; }

struct ShapeResult {
  // Schedules to the first bug per trial (1 = the first execution), nullopt = not found
  // within the cap.
  std::vector<std::optional<uint64_t>> schedules;
  // Set when the engine refused the program (more logical threads than it supports).
  std::string skipped;
  // Set when an execution failed otherwise than with the program's bug.
  std::string unexpected;
};

// Runs `trials` trials of `shape` under `strategy`, each up to `max_schedules` executions.
ShapeResult MeasureShape(const BugShape& shape, const SuiteStrategy& strategy, uint64_t trials,
                         uint64_t max_schedules);

// "12 (20/20)": the median of the schedules to the first bug over all trials (a trial that
// did not find it counts as more than the cap; ">N" when the median is such a trial), and
// how many trials found it.
std::string FormatCell(const ShapeResult& result, uint64_t max_schedules);

}  // namespace racefuzz::bench

#endif  // RACEFUZZ_BENCH_BUG_SUITE_H_
