// PctStrategy: Probabilistic Concurrency Testing with bug depth d (Burckhardt, Kothari,
// Musuvathi, Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of Finding
// Bugs", ASPLOS 2010). Threads get distinct random priorities of at least d; the
// highest-priority runnable thread always runs; at d-1 change points, drawn uniformly from
// the k steps of an execution, the running thread's priority drops to i (the i-th change
// point), below every initial priority. A bug of depth d is found by one execution with
// probability at least 1/(n * k^(d-1)).
//
// As in shuttle and Coyote, k is not known in advance: it is estimated as the largest step
// count seen in earlier executions (the first execution has no change points), and only
// steps where at least two threads could run are counted.
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
  void EndExecution(uint64_t steps) override;
  std::string Describe() const override;

  uint64_t estimated_steps() const { return estimated_steps_; }

 private:
  uint64_t PriorityOf(ThreadId thread);

  uint32_t depth_;
  uint64_t seed_;
  uint64_t executions_ = 0;  // run with this object so far
  uint64_t execution_seed_ = 0;
  Prng prng_;
  uint64_t estimated_steps_ = 0;   // k, learned across executions
  uint64_t choice_steps_ = 0;      // steps with a choice in this execution
  std::vector<uint64_t> change_points_;  // sorted, in [1, k]
  size_t next_change_ = 0;
  std::vector<uint64_t> priority_;  // by thread id; 0 = not assigned yet
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_PCT_STRATEGY_H_
