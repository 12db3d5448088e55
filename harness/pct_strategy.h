// PctStrategy: Probabilistic Concurrency Testing with bug depth d (Burckhardt, Kothari,
// Musuvathi, Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of Finding
// Bugs", ASPLOS 2010). Each thread gets a random initial priority of at least d (distinct
// with overwhelming probability; ties go to the lower thread id), and the highest-priority
// runnable thread always runs. Before an execution, d-1 change points k_1..k_{d-1} are drawn
// one after the other, uniformly from the steps [1, k] (a step already drawn is drawn again,
// so they are distinct); when the execution reaches step k_i, the running thread's priority
// drops to i, below every initial priority. The priority is i because k_i was the i-th point
// drawn, not because it is the i-th in time: as in the paper, the low priorities come in
// random temporal order, so a thread lowered later can end up below one lowered earlier, and
// a later change point can hand control back to a thread lowered before. (Ranking the points
// by time instead makes every later-lowered thread outrank the earlier ones; with two threads
// no second preemption could then ever switch back.) A bug of depth d is found by one
// execution with probability at least 1/(n * k^(d-1)).
//
// As in shuttle and Coyote, k is not known in advance: it is estimated as the largest step
// count seen in earlier executions (the first execution has no change points), and only
// steps where at least two threads could run are counted, both for k and for reaching k_i.
//
// A thread that spins (Scheduler::SpinPoint: it cannot progress until another runs) drops
// below every other priority, as Fray's and shuttle's PCT treat a yield: otherwise it would
// get the processor back at the next scheduling point of the thread it waits for.
#ifndef RACEFUZZ_HARNESS_PCT_STRATEGY_H_
#define RACEFUZZ_HARNESS_PCT_STRATEGY_H_

#include <vector>

#include "harness/prng.h"
#include "harness/strategy.h"

namespace racefuzz {

class PctStrategy : public Strategy {
 public:
  PctStrategy(uint32_t depth, uint64_t seed) : depth_(depth == 0 ? 1 : depth), seed_(seed) {}

  void BeginExecution() override;
  bool ShouldPreempt(const YieldContext& context) override;
  ThreadId PickNext(std::span<const ThreadId> runnable, ThreadId current,
                    uint64_t step) override;
  void OnSpin(ThreadId thread) override;
  void EndExecution(uint64_t steps) override;
  std::string Describe() const override;

  uint64_t estimated_steps() const { return estimated_steps_; }

 private:
  struct ChangePoint {
    uint64_t step;      // k_i, in [1, k]
    uint64_t priority;  // i: the index of the draw
  };

  uint64_t PriorityOf(ThreadId thread);

  // Below the change points' priorities, which are stored one above the paper's i.
  static constexpr uint64_t kSpinPriority = 1;

  uint32_t depth_;
  uint64_t seed_;
  uint64_t executions_ = 0;  // run with this object so far
  uint64_t execution_seed_ = 0;
  Prng prng_;
  uint64_t estimated_steps_ = 0;   // k, learned across executions
  uint64_t choice_steps_ = 0;      // steps with a choice in this execution
  std::vector<ChangePoint> change_points_;  // distinct steps, sorted by step
  size_t next_change_ = 0;                  // first point not reached yet
  std::vector<uint64_t> priority_;  // by thread id; 0 = not assigned yet
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_PCT_STRATEGY_H_
