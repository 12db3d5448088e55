// ReplayStrategy: replays a recorded DecisionList exactly. At a scheduling point whose
// step has a recorded decision it takes it; everywhere else it takes DefaultPick, which is
// what the recording execution did there. If the program no longer matches the recording
// (a recorded thread is not runnable), replay has diverged: the strategy falls back to the
// default and remembers the first divergence, so callers can report it as a racefuzz error.
#ifndef RACEFUZZ_HARNESS_REPLAY_STRATEGY_H_
#define RACEFUZZ_HARNESS_REPLAY_STRATEGY_H_

#include <optional>

#include "harness/decision_list.h"
#include "harness/strategy.h"

namespace racefuzz {

class ReplayStrategy : public Strategy {
 public:
  explicit ReplayStrategy(DecisionList decisions) : decisions_(std::move(decisions)) {}

  void BeginExecution() override;
  bool ShouldPreempt(const YieldContext& context) override;
  ThreadId PickNext(std::span<const ThreadId> runnable, ThreadId current,
                    uint64_t step) override;
  std::string Describe() const override;

  // The step of the first decision that could not be replayed, if any.
  std::optional<uint64_t> divergence() const { return divergence_; }

 private:
  bool AtDecision(uint64_t step);

  DecisionList decisions_;
  size_t next_ = 0;
  std::optional<uint64_t> divergence_;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_REPLAY_STRATEGY_H_
