#include "harness/pct_strategy.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace racefuzz {

void PctStrategy::BeginExecution() {
  execution_seed_ = seed_ + executions_++;
  prng_ = Prng(execution_seed_);
  choice_steps_ = 0;
  next_change_ = 0;
  priority_.clear();
  change_points_.clear();
  if (estimated_steps_ > 0) {
    const uint64_t wanted = std::min<uint64_t>(depth_ - 1, estimated_steps_);
    while (change_points_.size() < wanted) {
      const uint64_t step = 1 + prng_.Below(estimated_steps_);
      const bool drawn_before =
          std::any_of(change_points_.begin(), change_points_.end(),
                      [step](const ChangePoint& c) { return c.step == step; });
      if (!drawn_before) {
        // The paper's k_i, the i-th point drawn, lowers to priority i: the priority comes
        // from the draw, not from the point's rank in time. (Stored as i + 1: 1 is the
        // band of spinning threads below them, OnSpin; only the order matters.)
        change_points_.push_back({step, change_points_.size() + 1 + kSpinPriority});
      }
    }
    // Sorted by step only so that ShouldPreempt finds the next point in O(1); the steps are
    // distinct, so the order is fully determined, and each point keeps its drawn priority.
    std::sort(change_points_.begin(), change_points_.end(),
              [](const ChangePoint& a, const ChangePoint& b) { return a.step < b.step; });
  }
}

uint64_t PctStrategy::PriorityOf(ThreadId thread) {
  if (thread >= priority_.size()) priority_.resize(thread + 1, 0);
  if (priority_[thread] == 0) {
    // Initial priorities are at least depth_ and distinct with overwhelming probability;
    // ties are broken by thread id in PickNext.
    priority_[thread] = depth_ + 1 + (prng_.Next() >> 2);
  }
  return priority_[thread];
}

bool PctStrategy::ShouldPreempt(const YieldContext& context) {
  ++choice_steps_;
  if (next_change_ < change_points_.size() && change_points_[next_change_].step == choice_steps_) {
    PriorityOf(context.current);  // draws its initial priority if it has none, as before
    priority_[context.current] = change_points_[next_change_].priority;
    ++next_change_;
  }
  return true;  // PickNext runs the highest-priority runnable thread
}

ThreadId PctStrategy::PickNext(std::span<const ThreadId> runnable, ThreadId, uint64_t) {
  ThreadId best = runnable.front();
  uint64_t best_priority = PriorityOf(best);
  for (ThreadId t : runnable.subspan(1)) {
    const uint64_t p = PriorityOf(t);
    if (p > best_priority) {
      best = t;
      best_priority = p;
    }
  }
  return best;
}

void PctStrategy::OnSpin(ThreadId thread) {
  PriorityOf(thread);  // draws its initial priority if it has none, as at a change point
  priority_[thread] = kSpinPriority;
}

void PctStrategy::EndExecution(uint64_t) {
  estimated_steps_ = std::max(estimated_steps_, choice_steps_);
}

std::string PctStrategy::Describe() const {
  return absl::StrFormat("pct(d=%d, seed=%d, k=%d)", depth_, execution_seed_, estimated_steps_);
}

}  // namespace racefuzz
