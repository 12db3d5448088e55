// PosStrategy: POS, partial order sampling (Xinhao Yuan, Junfeng Yang, Ronghui Gu, "Partial
// Order Aware Concurrency Sampling", CAV 2018, LNCS 10982, doi 10.1007/978-3-319-96142-2_20).
//
// The paper's POS gives every scheduling event a random priority and always runs the
// enabled event with the highest priority. After an event e runs, the thread's next event is
// a new event with a fresh priority (that alone is the paper's basic POS), and every pending
// event that races with e gets its priority re-drawn too (POS proper): an event that waited
// long behind e has survived many comparisons, so its priority is biased low, and re-drawing
// it keeps the probability of each partial order from decaying with the program's length.
//
// What racefuzz implements, and where it differs from the paper:
//  - An event is a logical thread's next step: the code from one of its scheduling points to
//    the next. A thread's pending event is the step at the yield point where it waits (the
//    YieldContext of its last ShouldPreempt); a thread that has not started, or that blocked
//    or finished, has a pending event with no object.
//  - Two events race when their yield points name the same object (YieldContext::object,
//    compared by its text, never by address). The paper's race also needs one of the two to
//    be a write; racefuzz does not tell reads from writes at a yield point, so every pair of
//    accesses to one named object counts (more re-draws than the paper, never fewer for a
//    named object). Objects that do not name themselves (Atomic<T>, RefCount, plain Yield)
//    race with nothing: on them this is basic POS. Two primitives with the same name are one
//    object here.
//  - The strategy sees an executed event only when it is asked something (at least two
//    threads runnable, or a spin). Where the scheduler switches without asking (the only
//    runnable thread takes over), the steps of that stretch are not seen, and their races
//    re-draw nothing.
//  - Spin hint (not in the paper): a thread that spins (Scheduler::SpinPoint) drops below
//    every priority, as PctStrategy does, so that the thread it waits for is not preempted in
//    its favour at its next step; the spinner's next event gets a fresh priority when it runs
//    again.
//  - The paper draws real-valued priorities; here they are 63-bit integers from the seeded
//    Prng, ties (negligible) go to the lower thread id. shuttle's POS also decays the
//    priorities of events that did not run; this one does not.
//
// Execution i of this object uses seed + i, as RandomStrategy and PctStrategy do.
#ifndef RACEFUZZ_HARNESS_POS_STRATEGY_H_
#define RACEFUZZ_HARNESS_POS_STRATEGY_H_

#include <cstdint>
#include <vector>

#include "harness/prng.h"
#include "harness/strategy.h"

namespace racefuzz {

class PosStrategy : public Strategy {
 public:
  explicit PosStrategy(uint64_t seed) : seed_(seed) {}

  void BeginExecution() override;
  bool ShouldPreempt(const YieldContext& context) override;
  ThreadId PickNext(std::span<const ThreadId> runnable, ThreadId current, uint64_t step) override;
  void OnSpin(ThreadId thread) override;
  std::string Describe() const override;

 private:
  struct PendingEvent {
    const char* object = nullptr;  // what its yield point names; nullptr races with nothing
    uint64_t priority = 0;         // 0: not drawn yet
  };

  PendingEvent& EventOf(ThreadId thread);
  uint64_t FreshPriority() { return kSpinPriority + 1 + (prng_.Next() >> 1); }
  // `thread` ran its pending event: re-draw the events that race with it, and give the
  // thread's next event a fresh priority.
  void Executed(ThreadId thread);

  // Below every drawn priority.
  static constexpr uint64_t kSpinPriority = 1;

  uint64_t seed_;
  uint64_t executions_ = 0;  // run with this object so far
  uint64_t execution_seed_ = 0;
  Prng prng_;
  std::vector<PendingEvent> pending_;  // by thread id
  // The thread handed the processor whose event has not been seen to end yet, or kNoThread.
  ThreadId running_ = kNoThread;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_POS_STRATEGY_H_
