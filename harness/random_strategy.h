// RandomStrategy: seeded random walk. At each yield point with a choice, preempt with
// probability 1/preempt_one_in and run a uniformly chosen other thread. Plain random
// scheduling is a strong baseline (Thomson, Donaldson, Betts, "Concurrency testing using
// controlled schedulers: an empirical study", TOPC 2016).
#ifndef RACEFUZZ_HARNESS_RANDOM_STRATEGY_H_
#define RACEFUZZ_HARNESS_RANDOM_STRATEGY_H_

#include "harness/prng.h"
#include "harness/strategy.h"

namespace racefuzz {

class RandomStrategy : public Strategy {
 public:
  // Execution i uses seed `seed + i`, so any single execution replays from (seed, i).
  explicit RandomStrategy(uint64_t seed, uint32_t preempt_one_in = 4)
      : seed_(seed), preempt_one_in_(preempt_one_in == 0 ? 1 : preempt_one_in) {}

  void BeginExecution() override;
  bool ShouldPreempt(const YieldContext& context) override;
  ThreadId PickNext(std::span<const ThreadId> runnable, ThreadId current,
                    uint64_t step) override;
  std::string Describe() const override;

 private:
  uint64_t seed_;
  uint32_t preempt_one_in_;
  uint64_t executions_ = 0;  // run with this object so far
  uint64_t execution_seed_ = 0;
  Prng prng_;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_RANDOM_STRATEGY_H_
