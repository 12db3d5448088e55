#include "harness/explore.h"

#include <chrono>
#include <memory>

#include "absl/strings/str_format.h"
#include "harness/exhaustive_strategy.h"
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
    case ExploreStrategy::kExhaustive:
      return std::make_unique<ExhaustiveStrategy>(options.max_preemptions);
    case ExploreStrategy::kPos:
      return std::make_unique<PosStrategy>(options.seed);
    case ExploreStrategy::kUrw:
      return std::make_unique<UrwStrategy>(options.seed);
  }
  return nullptr;
}

// Whether one more execution may run: the sampling strategies run `executions` times, the
// exhaustive one until it is done or a limit ends it.
class Budget {
 public:
  Budget(const ExploreOptions& options, const Strategy& strategy)
      : options_(options),
        exhaustive_(options.strategy == ExploreStrategy::kExhaustive
                        ? static_cast<const ExhaustiveStrategy*>(&strategy)
                        : nullptr),
        start_(std::chrono::steady_clock::now()) {}

  bool MoreAfter(uint64_t runs) const {
    if (exhaustive_ == nullptr) {
      return runs < (options_.strategy == ExploreStrategy::kReplay ? 1 : options_.executions);
    }
    if (exhaustive_->done()) return false;
    if (options_.max_schedules != 0 && runs >= options_.max_schedules) return false;
    // A time box is the one thing here that depends on time: it only ends the search early,
    // and the result then says it is incomplete.
    return options_.max_seconds <= 0 ||
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() <
               options_.max_seconds;
  }

 private:
  const ExploreOptions& options_;
  const ExhaustiveStrategy* exhaustive_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

ExploreResult Explore(const ExploreOptions& options, const std::function<void()>& body) {
  std::unique_ptr<Strategy> strategy = MakeStrategy(options);
  Scheduler scheduler;
  ExecutionOptions execution;
  execution.strategy = strategy.get();
  execution.step_budget = options.step_budget;
  execution.on_failure = FailurePolicy::kReturn;
  ExploreResult result;
  const Budget budget(options, *strategy);
  auto* exhaustive = options.strategy == ExploreStrategy::kExhaustive
                         ? static_cast<ExhaustiveStrategy*>(strategy.get())
                         : nullptr;
  while (budget.MoreAfter(result.executions_run)) {
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
  if (exhaustive != nullptr) {
    result.proof = exhaustive->Outcome(result.failed() ? &result.failure : nullptr);
    if (result.proof.nondeterministic && !result.failed()) {
      result.failure.kind = FailureKind::kNondeterminism;
      result.failure.title = result.proof.failure_title;
      result.report = absl::StrFormat("\n==racefuzz== BUG [%s]: %s\n",
                                      FailureKindName(result.failure.kind), result.failure.title);
    }
  }
  return result;
}

}  // namespace racefuzz
