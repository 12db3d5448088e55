// UrwStrategy: uniform random walk (Huan Zhao, Dylan Wolff, Umang Mathur, Abhik
// Roychoudhury, "Selectively Uniform Concurrency Testing", ASPLOS 2025; the paper's URW, the
// non-selective base of its SURW).
//
// At each choice the next thread is drawn with probability proportional to the number of
// events it has left. When every thread stays enabled and those numbers are exact, this
// samples the interleavings uniformly: a thread with r of the n events left is first in
// r/n of all interleavings. A plain random walk instead favours interleavings where the
// threads alternate, and so misses orders where one thread runs far ahead.
//
// racefuzz does not know a thread's events in advance, so they are estimated from earlier
// executions of the same program (the same strategy object), as PctStrategy estimates k:
//  - An event is a step between two scheduling points; a thread's count is the number of
//    scheduling points at which the strategy saw it run: yield points with at least two
//    runnable threads (ShouldPreempt) and spins (OnSpin). A thread running alone has no
//    choice to make, so its points are not seen; its events are counted only while another
//    thread could run.
//  - The estimate for a thread id is the largest count it had in any earlier execution
//    (thread ids are the spawn order, so the same program gives the same ids). The first
//    execution has no estimates and is a uniform random walk among the runnable threads.
//  - A thread's weight is max(1, estimate + 1 - points seen so far in this execution): the
//    +1 is the step from its last point to its exit. A thread that outruns its estimate
//    keeps weight 1, as shuttle's URW does.
// The estimate is a lower bound until some execution ran the thread through its points in
// company, and it is exact only for programs whose threads have the same points in every
// schedule (a spin loop has as many as the schedule makes it wait).
//
// Realising the distribution: ShouldPreempt always says yes and PickNext draws among all
// runnable threads, the current one included; drawing the current one is no preemption.
//
// Spin hint (not in the paper): a thread that spins (Scheduler::SpinPoint) is left out of the
// next choice it could be part of when another thread can run, so the thread it waits for
// takes at least two steps before the spinner can get the processor back; after that it is
// drawn by its weight again.
//
// Execution i of this object uses seed + i, as RandomStrategy and PctStrategy do.
#ifndef RACEFUZZ_HARNESS_URW_STRATEGY_H_
#define RACEFUZZ_HARNESS_URW_STRATEGY_H_

#include <cstdint>
#include <vector>

#include "harness/prng.h"
#include "harness/strategy.h"

namespace racefuzz {

class UrwStrategy : public Strategy {
 public:
  explicit UrwStrategy(uint64_t seed) : seed_(seed) {}

  void BeginExecution() override;
  bool ShouldPreempt(const YieldContext& context) override;
  ThreadId PickNext(std::span<const ThreadId> runnable, ThreadId current, uint64_t step) override;
  void OnSpin(ThreadId thread) override;
  void EndExecution(uint64_t steps) override;
  std::string Describe() const override;

  // The estimated events of `thread` (0 if it has not been seen).
  uint64_t estimated_events(ThreadId thread) const {
    return thread < estimate_.size() ? estimate_[thread] : 0;
  }

 private:
  struct ThreadCounts {
    uint64_t seen = 0;       // scheduling points seen in this execution
    bool skip_once = false;  // spun: left out of its next choice
  };

  ThreadCounts& CountsOf(ThreadId thread);
  uint64_t WeightOf(ThreadId thread);

  uint64_t seed_;
  uint64_t executions_ = 0;  // run with this object so far
  uint64_t execution_seed_ = 0;
  Prng prng_;
  std::vector<uint64_t> estimate_;    // by thread id, learned across executions
  std::vector<ThreadCounts> counts_;  // by thread id, this execution
  std::vector<ThreadId> candidates_;  // PickNext's scratch
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_URW_STRATEGY_H_
