// ScriptedStrategy: a hand-written schedule, the way a reviewer describes a race:
// "T1 runs until it is about to xa_erase; then T0 runs ...". Each rule says: when thread
// `at_thread` reaches its `occurrence`-th yield point labelled `at_label`, switch to thread
// `run`. Rules fire in order, one at a time. Everywhere else the strategy takes DefaultPick
// (keep running; when blocked or finished, the lowest runnable id), so a script names only
// the preemptions that make the race.
//
// Labels match a yield point's label ("xa_erase"), or label and object in the form the
// race diagram prints ("mutex_lock(heap_list_lock)").
#ifndef RACEFUZZ_HARNESS_SCRIPTED_STRATEGY_H_
#define RACEFUZZ_HARNESS_SCRIPTED_STRATEGY_H_

#include <string>
#include <vector>

#include "harness/strategy.h"

namespace racefuzz {

struct SwitchRule {
  ThreadId at_thread = 0;
  std::string at_label;
  int occurrence = 1;
  ThreadId run = 0;
};

class ScriptedStrategy : public Strategy {
 public:
  explicit ScriptedStrategy(std::vector<SwitchRule> rules) : rules_(std::move(rules)) {}

  void BeginExecution() override;
  bool ShouldPreempt(const YieldContext& context) override;
  ThreadId PickNext(std::span<const ThreadId> runnable, ThreadId current,
                    uint64_t step) override;
  std::string Describe() const override;

  // Rules that never fired in the last execution (a script that no longer matches the code).
  size_t unfired_rules() const { return rules_.size() - next_; }

 private:
  std::vector<SwitchRule> rules_;
  size_t next_ = 0;
  int seen_ = 0;  // occurrences of the active rule's label seen so far
  ThreadId pending_ = kNoThread;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_SCRIPTED_STRATEGY_H_
