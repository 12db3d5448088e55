#include "harness/explore.h"

#include <memory>

#include "harness/pct_strategy.h"
#include "harness/pos_strategy.h"
#include "harness/random_strategy.h"
#include "harness/replay_strategy.h"
#include "harness/scheduler.h"
#include "harness/urw_strategy.h"

namespace racefuzz {
namespace {

std::unique_ptr<Strategy> MakeStrategy(const ExploreOptions& options) {
  switch (options.strategy) {
    case ExploreStrategy::kRandom:
      return std::make_unique<RandomStrategy>(options.seed, options.random_preempt_one_in);
    case ExploreStrategy::kPct:
      return std::make_unique<PctStrategy>(options.pct_depth, options.seed);
    case ExploreStrategy::kReplay:
      return std::make_unique<ReplayStrategy>(options.replay);
    case ExploreStrategy::kPos:
      return std::make_unique<PosStrategy>(options.seed);
    case ExploreStrategy::kUrw:
      return std::make_unique<UrwStrategy>(options.seed);
  }
  return nullptr;
}

}  // namespace

ExploreResult Explore(const ExploreOptions& options, const std::function<void()>& body) {
  std::unique_ptr<Strategy> strategy = MakeStrategy(options);
  Scheduler scheduler;
  ExecutionOptions execution;
  execution.strategy = strategy.get();
  execution.step_budget = options.step_budget;
  execution.on_failure = FailurePolicy::kReturn;
  ExploreResult result;
  const uint64_t runs = options.strategy == ExploreStrategy::kReplay ? 1 : options.executions;
  for (uint64_t i = 0; i < runs; ++i) {
    ExecutionResult r = scheduler.Run(execution, [&body] { body(); });
    ++result.executions_run;
    result.trace_hash = r.trace_hash;
    if (r.failed()) {
      result.failure = r.failure;
      result.report = scheduler.FormatReport(r.failure);
      result.decisions = r.decisions;
      break;
    }
  }
  return result;
}

}  // namespace racefuzz
