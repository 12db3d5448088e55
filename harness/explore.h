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
//
// ExploreStrategy::kExhaustive is the proof mode: every schedule with at most
// options.max_preemptions preemptions, fewest preemptions first (harness/
// exhaustive_strategy.h). When none fails, result.proof.complete says that all of them ran
// and result.proof.Summary() says what was shown; a time box (max_seconds) or a cap
// (max_schedules) that ends it first leaves it incomplete, and the summary says how far it
// got.
#ifndef RACEFUZZ_HARNESS_EXPLORE_H_
#define RACEFUZZ_HARNESS_EXPLORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/decision_list.h"
#include "harness/exhaustive_strategy.h"
#include "harness/failure.h"

namespace racefuzz {

// kPos: PosStrategy (partial order sampling, CAV 2018); kUrw: UrwStrategy (uniform random
// walk, ASPLOS 2025). Both take options.seed. kExhaustive: the proof mode (above).
enum class ExploreStrategy { kRandom, kPct, kReplay, kPos, kUrw, kExhaustive };

struct ExploreOptions {
  ExploreStrategy strategy = ExploreStrategy::kPct;
  uint64_t executions = 1000;
  uint64_t seed = 1;
  uint32_t pct_depth = 2;
  uint32_t random_preempt_one_in = 4;
  uint64_t step_budget = 200000;
  DecisionList replay;  // for kReplay
  // kExhaustive: the preemption bound, and limits that end the search before it is complete
  // (0: none). `executions` does not apply.
  uint32_t max_preemptions = 2;
  double max_seconds = 0;
  uint64_t max_schedules = 0;
};

struct ExploreResult {
  uint64_t executions_run = 0;
  Failure failure;          // the first failure, if any
  std::string report;       // its full report (race diagram and replay decisions)
  DecisionList decisions;   // the failing execution's decisions
  uint64_t trace_hash = 0;  // of the failing (or last) execution
  // kExhaustive: what the search showed (proof.complete: every schedule within the bound
  // ran and none failed; proof.Summary(): one line saying so, or how far it got).
  ExhaustiveOutcome proof;
  bool failed() const { return failure.failed(); }
};

ExploreResult Explore(const ExploreOptions& options, const std::function<void()>& body);

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_EXPLORE_H_
