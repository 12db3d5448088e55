#include "harness/urw_strategy.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace racefuzz {

void UrwStrategy::BeginExecution() {
  execution_seed_ = seed_ + executions_++;
  prng_ = Prng(execution_seed_);
  counts_.clear();
}

UrwStrategy::ThreadCounts& UrwStrategy::CountsOf(ThreadId thread) {
  if (thread >= counts_.size()) counts_.resize(thread + 1);
  return counts_[thread];
}

uint64_t UrwStrategy::WeightOf(ThreadId thread) {
  const uint64_t remaining = estimated_events(thread) + 1;
  const uint64_t seen = CountsOf(thread).seen;
  return remaining > seen ? remaining - seen : 1;
}

bool UrwStrategy::ShouldPreempt(const YieldContext& context) {
  ThreadCounts& counts = CountsOf(context.current);
  ++counts.seen;
  counts.skip_once = false;  // it runs, so it got the processor back
  return true;               // PickNext draws among all runnable threads, this one included
}

ThreadId UrwStrategy::PickNext(std::span<const ThreadId> runnable, ThreadId, uint64_t) {
  // Spinners sit out this choice if anyone else can take it (once each: the flag clears).
  candidates_.clear();
  for (ThreadId t : runnable) {
    if (!CountsOf(t).skip_once) candidates_.push_back(t);
  }
  if (candidates_.empty()) candidates_.assign(runnable.begin(), runnable.end());
  for (ThreadId t : runnable) CountsOf(t).skip_once = false;

  uint64_t total = 0;
  for (ThreadId t : candidates_) total += WeightOf(t);
  uint64_t draw = prng_.Below(total);
  for (ThreadId t : candidates_) {
    const uint64_t weight = WeightOf(t);
    if (draw < weight) return t;
    draw -= weight;
  }
  return candidates_.back();  // not reached: the draws sum to total
}

void UrwStrategy::OnSpin(ThreadId thread) {
  ThreadCounts& counts = CountsOf(thread);
  ++counts.seen;
  counts.skip_once = true;
}

void UrwStrategy::EndExecution(uint64_t) {
  if (estimate_.size() < counts_.size()) estimate_.resize(counts_.size(), 0);
  for (ThreadId t = 0; t < counts_.size(); ++t) {
    estimate_[t] = std::max(estimate_[t], counts_[t].seen);
  }
}

std::string UrwStrategy::Describe() const {
  uint64_t total = 0;
  for (uint64_t e : estimate_) total += e;
  return absl::StrFormat("urw(seed=%d, estimated events=%d over %d threads)", execution_seed_,
                         total, estimate_.size());
}

}  // namespace racefuzz
