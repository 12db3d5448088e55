#include "bench/bug_shapes/bug_shapes.h"

namespace racefuzz::bench {

static_assert(kTwoStageThreads == 100, "twostage_100 is named after kTwoStageThreads");

std::span<const BugShape> AllBugShapes() {
  static constexpr BugShape kShapes[] = {
      {"reorder_3", "2 writers (a = 1; b = -1), 1 checker", 1, FailureKind::kInvariant, Reorder3},
      {"reorder_5", "4 writers, 1 checker", 1, FailureKind::kInvariant, Reorder5},
      {"reorder_10", "9 writers, 1 checker", 1, FailureKind::kInvariant, Reorder10},
      {"reorder_20", "19 writers, 1 checker", 1, FailureKind::kInvariant, Reorder20},
      {"double_fetch_1", "check-then-use of a length, one-store update", 1, FailureKind::kInvariant,
       DoubleFetchOneStep},
      {"double_fetch_2", "check-then-use of a length, two-store update", 2, FailureKind::kInvariant,
       DoubleFetchTwoSteps},
      {"abba_deadlock", "two mutexes taken in opposite orders", 1, FailureKind::kDeadlock,
       LockOrderInversion},
      {"lost_wakeup", "sleeper checks, then announces itself; waker wakes announced sleepers", 1,
       FailureKind::kDeadlock, LostWakeUp},
      {"aba_stack", "Treiber stack pop against pop, pop, push", 1, FailureKind::kInvariant,
       AbaStack},
      {"twostage_100", "two-stage publishers (m1, then m2) and 1 reader", 1,
       FailureKind::kInvariant, TwoStage100},
  };
  return kShapes;
}

}  // namespace racefuzz::bench
