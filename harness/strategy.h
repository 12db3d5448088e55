// Strategy: the one small interface through which a scheduling policy steers an execution.
//
// The scheduler asks two questions, and only when there is a real choice (at least two
// runnable logical threads), following the split of Apple XNU's unit-test fibers
// (fibers_should_yield / fibers_choose_next):
//   ShouldPreempt: at a yield point of the running thread, switch away or keep running?
//   PickNext:      which runnable thread runs next (after a preemption, or after the running
//                  thread blocked or finished)?
// Keeping "whether" apart from "whom" lets a byte-driven strategy spend input bytes only on
// real decisions, so few bytes mean few preemptions.
#ifndef RACEFUZZ_HARNESS_STRATEGY_H_
#define RACEFUZZ_HARNESS_STRATEGY_H_

#include <cstdint>
#include <span>
#include <string>

#include "harness/source_location.h"

namespace racefuzz {

using ThreadId = uint32_t;
inline constexpr ThreadId kNoThread = UINT32_MAX;
// Logical threads per execution. Sets of threads (RunnableSet, ThreadSet) are bitsets of
// this many bits; nothing costs this much per execution unless that many threads run.
inline constexpr ThreadId kMaxThreads = 1024;

// What the scheduler knows at a yield point.
struct YieldContext {
  ThreadId current;         // the thread that reached the yield point
  uint64_t step;            // index of this scheduling point in the execution
  const char* label;        // e.g. "mutex_lock"
  SourceLocation location;  // where in the code under test
  const char* object = nullptr;  // the primitive's name, e.g. "heap_list_lock", if any
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  // Called once before each execution. Strategies that vary or learn across executions
  // (random, PCT) count them themselves, so an execution's schedule depends only on this
  // strategy object's history, never on what else the scheduler ran before.
  virtual void BeginExecution() {}

  // Called at a yield point when at least two threads are runnable.
  virtual bool ShouldPreempt(const YieldContext& context) = 0;

  // Chooses among `runnable` (sorted by id, at least two entries). `current` is the thread
  // that was running, or kNoThread when it blocked or finished. Must return an element of
  // `runnable`.
  virtual ThreadId PickNext(std::span<const ThreadId> runnable, ThreadId current,
                            uint64_t step) = 0;

  // The running thread spins (Scheduler::SpinPoint): it cannot progress until another one
  // runs, and is switched out now if another can run. A priority-based strategy lowers it,
  // so that it does not get the processor straight back.
  virtual void OnSpin(ThreadId thread) {}

  // Called after each execution with the number of scheduling points it had.
  virtual void EndExecution(uint64_t steps) {}

  // A name for reports, e.g. "pct(d=2, seed=7)".
  virtual std::string Describe() const = 0;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_STRATEGY_H_
