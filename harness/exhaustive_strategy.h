// ExhaustiveStrategy: every schedule of a program with at most k preemptions, once each, so
// that "no bug" is a statement about all of them and not a sample.
//
// Systematic testing with iterative preemption bounding, as CHESS does (Musuvathi and
// Qadeer, "Iterative Context Bounding for Systematic Testing of Multithreaded Programs",
// PLDI 2007): a depth-first search over the choices of the scheduler, run as one execution
// per schedule. At a yield point the choices are to keep running (free) or to switch to
// another runnable thread (one preemption); where the running thread blocked, finished or
// spins, every runnable thread is a free choice. Pass b runs the schedules with at most b
// preemptions, for b = 0, 1, ..., k, so the first bug found is one with the fewest
// preemptions, and each pass counts the schedules that have exactly b (the earlier passes
// ran the rest). The bound counts preemptions at the scheduling points the program exposes
// (its yield points and primitives): what is shown is "no schedule of these scheduling
// points with at most k preemptions fails".
//
// No partial-order reduction yet: two steps are assumed to conflict unless they are the same
// thread's, so schedules that differ only in the order of independent steps all run. That
// is sound, only slower; sleep sets need to know which steps commute (the typed yields of
// engine v2).
//
// Executions must be deterministic given the scheduler's choices: each one replays the
// choices of the last up to the deepest choice point with an untried alternative. A program
// whose choice points differ on replay (it reads time, addresses or state left over from an
// earlier execution) is flagged (nondeterministic()) and the search stops, since its result
// would mean nothing.
#ifndef RACEFUZZ_HARNESS_EXHAUSTIVE_STRATEGY_H_
#define RACEFUZZ_HARNESS_EXHAUSTIVE_STRATEGY_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "harness/failure.h"
#include "harness/strategy.h"

namespace racefuzz {

// What an exhaustive search showed, for a summary line.
struct ExhaustiveOutcome {
  uint32_t max_preemptions = 0;
  // Schedules run with exactly b preemptions, b = 0.. up to the pass that was running.
  std::vector<uint64_t> schedules_by_preemptions;
  bool complete = false;          // every schedule within the bound ran, none failed
  bool failed = false;            // a schedule failed (the search stopped there)
  std::string failure_title;      // its failure
  uint32_t preemptions = 0;       // the failing schedule's preemptions
  bool nondeterministic = false;  // the program did not repeat a schedule: no result

  // One line, e.g. "explored 812 schedules (by preemptions 0: 1, 1: 40, 2: 771); no bug
  // with at most 2 preemptions", or what was found, or how far an incomplete search got.
  std::string Summary() const;
};

class ExhaustiveStrategy : public Strategy {
 public:
  explicit ExhaustiveStrategy(uint32_t max_preemptions) : max_preemptions_(max_preemptions) {}

  // Whether a schedule is left to run within the bound (false once every pass is done, or
  // after nondeterminism).
  bool done() const { return done_; }
  // The pass now running: schedules with at most this many preemptions.
  uint32_t current_bound() const { return bound_; }
  uint32_t max_preemptions() const { return max_preemptions_; }
  // Schedules with exactly b preemptions that have run, for each pass b that has begun.
  const std::vector<uint64_t>& schedules_by_preemptions() const { return by_preemptions_; }
  uint64_t schedules() const;  // distinct schedules run: the sum of the above
  uint64_t executions() const { return executions_; }  // including each pass's reruns
  // Preemptions of the schedule now running (or last run).
  uint32_t preemptions() const { return preemptions_; }
  bool nondeterministic() const { return nondeterministic_; }
  // The outcome after the search stopped, with the failure that stopped it (if any).
  ExhaustiveOutcome Outcome(const Failure* failure) const;

  void BeginExecution() override;
  bool ShouldPreempt(const YieldContext&) override { return true; }  // PickNext decides
  ThreadId PickNext(std::span<const ThreadId> runnable, ThreadId current, uint64_t step) override;
  void EndExecution(uint64_t steps) override;
  std::string Describe() const override;

 private:
  // One scheduling point with a choice, on the path of the schedule now running.
  struct ChoicePoint {
    std::vector<ThreadId> options;  // the free choice (or the running thread) first
    size_t chosen = 0;
    bool at_yield = false;            // a yield point: every option but the first preempts
    uint32_t preemptions_before = 0;  // on the path before this point
  };
  // Whether option `index` of `point` stays within this pass's bound.
  bool Admissible(const ChoicePoint& point, size_t index) const;
  // Moves to the next schedule of this pass, or the next pass; false when none is left.
  bool Backtrack();

  uint32_t max_preemptions_;
  uint32_t bound_ = 0;         // the pass the next execution belongs to
  uint32_t running_pass_ = 0;  // the pass of the execution running (or last run)
  std::vector<ChoicePoint> path_;
  size_t depth_ = 0;  // the next choice point of the running execution
  uint32_t preemptions_ = 0;
  std::vector<uint64_t> by_preemptions_;
  uint64_t executions_ = 0;
  bool done_ = false;
  bool nondeterministic_ = false;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_EXHAUSTIVE_STRATEGY_H_
