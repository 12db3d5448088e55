// PosStrategy (harness/pos_strategy.h): partial order sampling, Yuan, Yang, Gu, CAV 2018.
#include "harness/pos_strategy.h"

#include <cstdint>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/scheduler.h"
#include "harness/thread.h"
#include "harness/yield.h"
#include "tests/harness/strategy_programs.h"

namespace racefuzz {
namespace {

using ::racefuzz::testing::FirstBuggyExecution;
using ::racefuzz::testing::HandBackAfterTwoPreemptions;
using ::racefuzz::testing::PublishBeforeInit;
using ::racefuzz::testing::WaitForFlag;
using ::testing::HasSubstr;

constexpr uint64_t kFarApartSeeds[] = {1, 1 << 20, 2 << 20};

TEST(PosStrategyTest, FindsAOnePreemptionOrderingBugWithinBoundedRuns) {
  // Every yield point draws a fresh priority for T0's next event against the reader's, so
  // about half of the executions preempt T0 at any given point.
  // Execution i of a strategy uses seed + i: seeds far apart give independent runs.
  for (uint64_t seed : kFarApartSeeds) {
    PosStrategy pos(seed);
    EXPECT_GE(FirstBuggyExecution(pos, 200, PublishBeforeInit), 0) << "seed " << seed;
  }
}

TEST(PosStrategyTest, FindsATwoPreemptionBugThatNeedsAHandBack) {
  for (uint64_t seed : kFarApartSeeds) {
    PosStrategy pos(seed);
    EXPECT_GE(FirstBuggyExecution(pos, 500, HandBackAfterTwoPreemptions), 0) << "seed " << seed;
  }
}

TEST(PosStrategyTest, SameSeedGivesTheSameDecisions) {
  Scheduler scheduler;
  PosStrategy first(42);
  PosStrategy second(42);
  PosStrategy other(43);
  ExecutionOptions options;
  int differs_from_other = 0;
  for (int run = 0; run < 50; ++run) {
    bool bug = false;
    options.strategy = &first;
    const ExecutionResult a = scheduler.Run(options, [&] { HandBackAfterTwoPreemptions(bug); });
    options.strategy = &second;
    const ExecutionResult b = scheduler.Run(options, [&] { HandBackAfterTwoPreemptions(bug); });
    options.strategy = &other;
    const ExecutionResult c = scheduler.Run(options, [&] { HandBackAfterTwoPreemptions(bug); });
    ASSERT_EQ(a.decisions, b.decisions) << "run " << run;
    ASSERT_EQ(a.trace_hash, b.trace_hash) << "run " << run;
    if (a.decisions != c.decisions) ++differs_from_other;
  }
  EXPECT_GT(differs_from_other, 0) << "the seed does not change the schedule";
  EXPECT_THAT(first.Describe(), HasSubstr("pos(seed="));
}

TEST(PosStrategyTest, FinishesASpinLoopIn100Executions) {
  Scheduler scheduler;
  PosStrategy pos(7);
  ExecutionOptions options;
  options.strategy = &pos;
  options.step_budget = 5000;
  for (int run = 0; run < 100; ++run) {
    const ExecutionResult r = scheduler.Run(options, [] { WaitForFlag(/*say_spin=*/true); });
    ASSERT_FALSE(r.failed()) << "run " << run << ": " << r.failure.title;
  }
}

TEST(PosStrategyTest, ASpinnerIsNotHandedTheProcessorBackWhileAnotherCanRun) {
  // Driven as the scheduler would: T0 spins (the scheduler switches to T1, the only other
  // thread, without asking), then T1 runs through yield points with T0 runnable. The
  // spinner stays below every priority until it runs again.
  const ThreadId both[] = {0, 1};
  for (uint64_t seed = 0; seed < 200; ++seed) {
    PosStrategy pos(seed);
    pos.BeginExecution();
    uint64_t step = 1;
    pos.OnSpin(0);
    for (int i = 0; i < 8; ++i) {
      ++step;
      pos.ShouldPreempt(YieldContext{1, step, "work", SourceLocation{}});
      ASSERT_EQ(pos.PickNext(both, 1, step), 1u) << "seed " << seed << ", step " << step;
    }
  }
}

// T1 reaches an access of object "x" and waits there while T0 makes kAccesses accesses of
// `t0_object`. Returns how many of them ran while T1 waited.
int AccessesWhileT1Waits(Scheduler& scheduler, Strategy& strategy, const char* t0_object) {
  constexpr int kAccesses = 12;
  ExecutionOptions options;
  options.strategy = &strategy;
  const ExecutionResult r = scheduler.Run(options, [&] {
    const ThreadId t1 = SpawnThread(
        [] { Scheduler::Active()->YieldPoint("t1_access", SourceLocation::Current(), "x"); });
    for (int i = 0; i < kAccesses; ++i) {
      Scheduler::Active()->YieldPoint("t0_access", SourceLocation::Current(), t0_object);
    }
    JoinThread(t1);
  });
  EXPECT_FALSE(r.failed());
  int waited = -1;  // -1 until T1 reached its access
  for (const TraceEvent& e : scheduler.trace().events()) {
    if (e.thread == 1 && e.kind == EventKind::kYield) {
      waited = 0;
    } else if (e.thread == 1 && waited >= 0) {
      break;  // T1 ran its access
    } else if (e.thread == 0 && e.kind == EventKind::kYield && waited >= 0 &&
               std::string_view(e.label) == "t0_access") {
      ++waited;
    }
  }
  return waited;
}

TEST(PosStrategyTest, AnEventThatRacesWithTheOneThatRanIsRedrawn) {
  // Basic POS keeps T1's waiting event at its priority while T0's fresh events beat it, so
  // it waits m more of them with probability about 1/(m+1). POS proper re-draws it after each
  // racing access of the same object, about 2^-m. With m = 4 over 400 seeds that is about
  // 80 against 25 executions.
  constexpr int kSeeds = 400;
  constexpr int kLongWait = 4;
  int long_waits_racing = 0;
  int long_waits_independent = 0;
  Scheduler scheduler;
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    PosStrategy racing(seed);
    PosStrategy independent(seed);
    if (AccessesWhileT1Waits(scheduler, racing, "x") >= kLongWait) ++long_waits_racing;
    if (AccessesWhileT1Waits(scheduler, independent, "y") >= kLongWait) ++long_waits_independent;
  }
  EXPECT_GE(long_waits_independent, kSeeds / 10);
  EXPECT_LE(long_waits_racing * 2, long_waits_independent)
      << "racing: " << long_waits_racing << ", independent: " << long_waits_independent;
}

}  // namespace
}  // namespace racefuzz
