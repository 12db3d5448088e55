// Explore: check a concurrent closure under many schedules, from any GoogleTest test.
//
//   TEST(MyQueue, PushPopIsSafe) {
//     racefuzz::ExploreOptions options;
//     options.strategy = racefuzz::ExploreStrategy::kPct;
//     options.executions = 1000;
//     racefuzz::ExploreResult result = racefuzz::Explore(options, [] {
//       MyQueue q;
//       auto t = racefuzz::SpawnThread([&] { q.Push(1); });
//       q.Pop();
//       racefuzz::JoinThread(t);
//     });
//     EXPECT_FALSE(result.failed()) << result.report;
//   }
//
// The closure is one execution's T0: it builds the state, spawns logical threads and joins
// them. It runs once per schedule (like loom's model() or shuttle's check_pct()). The first
// failing schedule stops the exploration; its report has the race diagram and the decision
// list that replays it (ExploreStrategy::kReplay with options.replay).
#ifndef RACEFUZZ_HARNESS_EXPLORE_H_
#define RACEFUZZ_HARNESS_EXPLORE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "harness/decision_list.h"
#include "harness/failure.h"

namespace racefuzz {

// kPos: PosStrategy (partial order sampling, CAV 2018); kUrw: UrwStrategy (uniform random
// walk, ASPLOS 2025). Both take options.seed.
enum class ExploreStrategy { kRandom, kPct, kReplay, kPos, kUrw };

struct ExploreOptions {
  ExploreStrategy strategy = ExploreStrategy::kPct;
  uint64_t executions = 1000;
  uint64_t seed = 1;
  uint32_t pct_depth = 2;
  uint32_t random_preempt_one_in = 4;
  uint64_t step_budget = 200000;
  DecisionList replay;  // for kReplay
};

struct ExploreResult {
  uint64_t executions_run = 0;
  Failure failure;          // the first failure, if any
  std::string report;       // its full report (race diagram and replay decisions)
  DecisionList decisions;   // the failing execution's decisions
  uint64_t trace_hash = 0;  // of the failing (or last) execution
  bool failed() const { return failure.failed(); }
};

ExploreResult Explore(const ExploreOptions& options, const std::function<void()>& body);

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_EXPLORE_H_
