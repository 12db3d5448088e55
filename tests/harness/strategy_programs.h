// Small programs with a known bug depth, shared by the tests of every strategy, so that each
// strategy is held to the same bugs.
#ifndef RACEFUZZ_TESTS_HARNESS_STRATEGY_PROGRAMS_H_
#define RACEFUZZ_TESTS_HARNESS_STRATEGY_PROGRAMS_H_

#include "gtest/gtest.h"
#include "harness/scheduler.h"

namespace racefuzz::testing {

// An ordering bug that needs exactly one preemption: a reader must observe `ready` before T0
// sets `data`, i.e. T0 must be preempted between publishing and filling. Sets the flag when
// the reader saw the uninitialised data.
void PublishBeforeInit(bool& observed_uninitialised);

// A bug of depth 3 between two threads: T0 and T1 must interleave as T0's first store <
// T1's first load < T0's second store < T1's second load, so T0 is preempted after its first
// store, T1 in its middle, and the second preemption must hand control back to T0.
void HandBackAfterTwoPreemptions(bool& bug);

// T0 waits in a loop for a flag that a thread it spawned sets after three steps of work. A
// strategy that keeps running T0 never lets the setter run, unless the loop says that it
// spins (`say_spin`: Spin; else a plain Yield).
void WaitForFlag(bool say_spin);

// The first execution (counted from 0) in which `program` sets its bug flag, or -1; no
// execution may fail.
template <typename Program>
int FirstBuggyExecution(Strategy& strategy, int executions, Program program) {
  Scheduler scheduler;
  ExecutionOptions options;
  options.strategy = &strategy;
  for (int run = 0; run < executions; ++run) {
    bool bug = false;
    const ExecutionResult r = scheduler.Run(options, [&] { program(bug); });
    EXPECT_FALSE(r.failed()) << scheduler.FormatReport(r.failure);
    if (bug) return run;
  }
  return -1;
}

}  // namespace racefuzz::testing

#endif  // RACEFUZZ_TESTS_HARNESS_STRATEGY_PROGRAMS_H_
