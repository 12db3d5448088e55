#include "harness/random_strategy.h"

#include "absl/strings/str_format.h"
#include "harness/default_pick.h"

namespace racefuzz {

void RandomStrategy::BeginExecution() {
  execution_seed_ = seed_ + executions_++;
  prng_ = Prng(execution_seed_);
}

bool RandomStrategy::ShouldPreempt(const YieldContext&) {
  return prng_.Below(preempt_one_in_) == 0;
}

ThreadId RandomStrategy::PickNext(std::span<const ThreadId> runnable, ThreadId current,
                                  uint64_t) {
  if (current != kNoThread) return NthOther(runnable, current, prng_.Below(runnable.size()));
  return runnable[prng_.Below(runnable.size())];
}

std::string RandomStrategy::Describe() const {
  return absl::StrFormat("random(seed=%d, p=1/%d)", execution_seed_, preempt_one_in_);
}

}  // namespace racefuzz
