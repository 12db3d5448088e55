// Bug shapes (issue 21): small programs, each with one classic concurrency bug, written with
// the harness primitives, for measuring how many schedules a strategy needs to find a bug
// (bench/bug_suite_main.cc). Modelled on the shapes of SCTBench's CS programs (Thomson,
// Donaldson, Betts, "Concurrency testing using controlled schedulers: an empirical study",
// TOPC 2016): reorder_N, twostage_N, lost updates, ABBA deadlocks; the code is our own.
//
// Each program is one execution's T0: it spawns its threads, joins them, and the bug shows
// as a failed RACEFUZZ_CHECK (FailureKind::kInvariant) or a deadlock (kDeadlock).
#ifndef RACEFUZZ_BENCH_BUG_SHAPES_BUG_SHAPES_H_
#define RACEFUZZ_BENCH_BUG_SHAPES_BUG_SHAPES_H_

#include <span>

#include "harness/failure.h"

namespace racefuzz::bench {

struct BugShape {
  const char* name;         // e.g. "reorder_5", for --programs and the table
  const char* description;  // one line for the README
  // The fewest preemptions that expose the bug (switches away from a thread that could
  // have gone on; switches at a block or a thread's exit are free).
  int preemptions;
  FailureKind expected;  // how the bug shows
  void (*run)();
};

// Every shape, in the order of the table.
std::span<const BugShape> AllBugShapes();

// The programs, one file each.
// reorder_N (ordering.cc): N-1 writers each store a = 1 then b = -1; a checker must run
// between one writer's two stores.
void Reorder3();
void Reorder5();
void Reorder10();
void Reorder20();
// Double fetch (atomicity.cc): a reader checks a length, then fetches it again to use it;
// the writer's update is one store (1 preemption) or goes through an oversized value (2).
void DoubleFetchOneStep();
void DoubleFetchTwoSteps();
// ABBA lock-order deadlock (deadlock.cc).
void LockOrderInversion();
// Lost wake-up (lost_wakeup.cc): a sleeper checks, then goes to sleep; the waker wakes only
// sleepers it sees.
void LostWakeUp();
// ABA on a Treiber stack with compare-exchange (aba_stack.cc).
void AbaStack();
// twostage_100 (two_stage.cc): 99 publishers in two locked stages, one reader. Needs
// kTwoStageThreads + 1 logical threads.
inline constexpr int kTwoStageThreads = 100;
void TwoStage100();

}  // namespace racefuzz::bench

#endif  // RACEFUZZ_BENCH_BUG_SHAPES_BUG_SHAPES_H_
