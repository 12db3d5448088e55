// UrwStrategy (harness/urw_strategy.h): uniform random walk, Zhao, Wolff, Mathur,
// Roychoudhury, ASPLOS 2025.
#include "harness/urw_strategy.h"

#include <cstdint>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/random_strategy.h"
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

TEST(UrwStrategyTest, FindsAOnePreemptionOrderingBugWithinBoundedRuns) {
  // Execution i of a strategy uses seed + i: seeds far apart give independent runs.
  for (uint64_t seed : kFarApartSeeds) {
    UrwStrategy urw(seed);
    EXPECT_GE(FirstBuggyExecution(urw, 200, PublishBeforeInit), 0) << "seed " << seed;
  }
}

TEST(UrwStrategyTest, FindsATwoPreemptionBugThatNeedsAHandBack) {
  for (uint64_t seed : kFarApartSeeds) {
    UrwStrategy urw(seed);
    EXPECT_GE(FirstBuggyExecution(urw, 500, HandBackAfterTwoPreemptions), 0) << "seed " << seed;
  }
}

TEST(UrwStrategyTest, SameSeedGivesTheSameDecisions) {
  Scheduler scheduler;
  UrwStrategy first(42);
  UrwStrategy second(42);
  UrwStrategy other(43);
  ExecutionOptions options;
  int differs_from_other = 0;
  for (int run = 0; run < 50; ++run) {
    bool bug = false;
    options.strategy = &first;
    const ExecutionResult a = scheduler.Run(options, [&] { PublishBeforeInit(bug); });
    options.strategy = &second;
    const ExecutionResult b = scheduler.Run(options, [&] { PublishBeforeInit(bug); });
    options.strategy = &other;
    const ExecutionResult c = scheduler.Run(options, [&] { PublishBeforeInit(bug); });
    ASSERT_EQ(a.decisions, b.decisions) << "run " << run;
    ASSERT_EQ(a.trace_hash, b.trace_hash) << "run " << run;
    if (a.decisions != c.decisions) ++differs_from_other;
  }
  EXPECT_GT(differs_from_other, 0) << "the seed does not change the schedule";
  EXPECT_THAT(first.Describe(), HasSubstr("urw(seed="));
}

TEST(UrwStrategyTest, FinishesASpinLoopIn100Executions) {
  Scheduler scheduler;
  UrwStrategy urw(7);
  ExecutionOptions options;
  options.strategy = &urw;
  options.step_budget = 5000;
  for (int run = 0; run < 100; ++run) {
    const ExecutionResult r = scheduler.Run(options, [] { WaitForFlag(/*say_spin=*/true); });
    ASSERT_FALSE(r.failed()) << "run " << run << ": " << r.failure.title;
  }
}

TEST(UrwStrategyTest, ASpinnerSitsOutTheNextChoiceOnly) {
  // Driven as the scheduler would: T0 spins (the scheduler switches to T1, the only other
  // thread, without asking), then T1 reaches yield points with T0 runnable. The first choice
  // never gives T0 the processor back; after it, T0 is drawn by its weight again.
  const ThreadId both[] = {0, 1};
  int spinner_second = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    UrwStrategy urw(seed);
    urw.BeginExecution();
    urw.OnSpin(0);
    ASSERT_TRUE(urw.ShouldPreempt(YieldContext{1, 2, "work", SourceLocation{}}));
    ASSERT_EQ(urw.PickNext(both, 1, 2), 1u) << "seed " << seed;
    urw.ShouldPreempt(YieldContext{1, 3, "work", SourceLocation{}});
    if (urw.PickNext(both, 1, 3) == 0) ++spinner_second;
  }
  // No estimates yet: both weigh 1, so about half of the seeds (6 sigma bounds).
  EXPECT_GE(spinner_second, 60);
  EXPECT_LE(spinner_second, 140);
}

// T0 spawns T1; T0 then has `t0_points` yield points and T1 `t1_points`.
void TwoThreads(int t0_points, int t1_points) {
  const ThreadId t1 = SpawnThread([t1_points] {
    for (int i = 0; i < t1_points; ++i) Yield("t1");
  });
  for (int i = 0; i < t0_points; ++i) Yield("t0");
  JoinThread(t1);
}

// Over `seeds` strategies, each warmed up by `warmup` executions: in how many does the
// first choice of the next execution (at T0's first yield point, step 1, before T1 ran)
// switch to T1?
int T1RunsFirst(int seeds, int warmup, int t0_points, int t1_points) {
  Scheduler scheduler;
  int t1_first = 0;
  for (uint64_t seed = 0; seed < static_cast<uint64_t>(seeds); ++seed) {
    UrwStrategy urw(seed);
    ExecutionOptions options;
    options.strategy = &urw;
    for (int run = 0; run < warmup; ++run) {
      scheduler.Run(options, [&] { TwoThreads(t0_points, t1_points); });
    }
    const ExecutionResult r = scheduler.Run(options, [&] { TwoThreads(t0_points, t1_points); });
    EXPECT_FALSE(r.failed());
    if (!r.decisions.empty() && r.decisions.front().step == 1) ++t1_first;
  }
  return t1_first;
}

TEST(UrwStrategyTest, LearnsEachThreadsEventsFromEarlierExecutions) {
  Scheduler scheduler;
  UrwStrategy urw(3);
  ExecutionOptions options;
  options.strategy = &urw;
  for (int run = 0; run < 30; ++run) scheduler.Run(options, [] { TwoThreads(4, 9); });
  // T0: its four yields and the join while T1 could still run; T1: its nine yields.
  EXPECT_EQ(urw.estimated_events(0), 5u);
  EXPECT_EQ(urw.estimated_events(1), 9u);
  EXPECT_EQ(urw.estimated_events(2), 0u);
}

TEST(UrwStrategyTest, WithEqualLengthsTheFirstChoiceIsCloseToUniform) {
  // Ten yields each. At T0's first one, each has eleven steps left: T0 nine to its last
  // yield, one to the join and one after it; T1 one to its first yield, nine more and one
  // to its exit.
  constexpr int kSeeds = 400;
  const int t1_first = T1RunsFirst(kSeeds, /*warmup=*/20, 10, 10);
  // Binomial(400, 1/2): sd 10; the bounds are 6 sigma, and fixed seeds make it exact.
  EXPECT_GE(t1_first, kSeeds / 2 - 60);
  EXPECT_LE(t1_first, kSeeds / 2 + 60);
}

TEST(UrwStrategyTest, WithUnequalLengthsTheFirstChoiceFollowsTheRemainingEvents) {
  // At T0's first yield, T0 has three steps left (to its second yield, to the join, after
  // it) and T1 twelve (11 yields): T1 is first in 12/15 of the interleavings. RandomStrategy
  // (one preemption in four) would switch there in 1/4.
  constexpr int kSeeds = 400;
  const int t1_first = T1RunsFirst(kSeeds, /*warmup=*/20, 2, 11);
  EXPECT_GE(t1_first, kSeeds * 8 / 10 - 50);
  EXPECT_LE(t1_first, kSeeds * 8 / 10 + 50);
}

}  // namespace
}  // namespace racefuzz
