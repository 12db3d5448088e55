#include "harness/replay_strategy.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "harness/default_pick.h"

namespace racefuzz {

void ReplayStrategy::BeginExecution() {
  next_ = 0;
  divergence_.reset();
}

bool ReplayStrategy::AtDecision(uint64_t step) {
  // Skip decisions whose step has passed: the execution went another way.
  while (next_ < decisions_.size() && decisions_[next_].step < step) {
    if (!divergence_) divergence_ = decisions_[next_].step;
    ++next_;
  }
  return next_ < decisions_.size() && decisions_[next_].step == step;
}

bool ReplayStrategy::ShouldPreempt(const YieldContext& context) {
  return AtDecision(context.step);
}

ThreadId ReplayStrategy::PickNext(std::span<const ThreadId> runnable, ThreadId current,
                                  uint64_t step) {
  if (AtDecision(step)) {
    const ThreadId wanted = decisions_[next_++].thread;
    if (std::find(runnable.begin(), runnable.end(), wanted) != runnable.end()) return wanted;
    if (!divergence_) divergence_ = step;
  }
  return DefaultPick(runnable, current);
}

std::string ReplayStrategy::Describe() const {
  return absl::StrFormat("replay(%d decisions)", decisions_.size());
}

}  // namespace racefuzz
