// Spin (harness/yield.h, Scheduler::SpinPoint): a thread in a retry loop that says so is
// switched out whenever another thread can run, so that no strategy livelocks on the loop.
#include <cstdint>
#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "harness/atomic.h"
#include "harness/byte_strategy.h"
#include "harness/pct_strategy.h"
#include "harness/pos_strategy.h"
#include "harness/random_strategy.h"
#include "harness/replay_strategy.h"
#include "harness/scheduler.h"
#include "harness/thread.h"
#include "harness/urw_strategy.h"
#include "harness/yield.h"
#include "tests/harness/strategy_programs.h"

namespace racefuzz {
namespace {

using ::racefuzz::testing::WaitForFlag;

ExecutionResult RunOnce(Scheduler& scheduler, Strategy& strategy, bool say_spin) {
  ExecutionOptions options;
  options.strategy = &strategy;
  options.step_budget = 5000;
  return scheduler.Run(options, [say_spin] { WaitForFlag(say_spin); });
}

TEST(SpinTest, WithoutTheHintAStrategyThatNeverPreemptsLivelocks) {
  // The failure the hint exists for: the retry loop runs until the step budget.
  Scheduler scheduler;
  ByteStrategy no_bytes({});
  const ExecutionResult r = RunOnce(scheduler, no_bytes, /*say_spin=*/false);
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.failure.kind, FailureKind::kStepBudget);
}

TEST(SpinTest, EveryStrategyFinishesALoopThatSpins) {
  Scheduler scheduler;
  std::vector<std::unique_ptr<Strategy>> strategies;
  strategies.push_back(std::make_unique<ByteStrategy>(std::span<const uint8_t>()));
  for (uint32_t depth : {1u, 2u, 3u}) strategies.push_back(std::make_unique<PctStrategy>(depth, 7));
  strategies.push_back(std::make_unique<RandomStrategy>(7, 1));  // preempts at every point
  strategies.push_back(std::make_unique<RandomStrategy>(7, 4));
  strategies.push_back(std::make_unique<PosStrategy>(7));
  strategies.push_back(std::make_unique<UrwStrategy>(7));
  for (auto& strategy : strategies) {
    for (int execution = 0; execution < 100; ++execution) {
      const ExecutionResult r = RunOnce(scheduler, *strategy, /*say_spin=*/true);
      ASSERT_FALSE(r.failed()) << strategy->Describe() << ": " << r.failure.title;
    }
  }
}

TEST(SpinTest, PctLowersASpinningThreadBelowTheOneItWaitsFor) {
  // Without the lowering, every scheduling point of the setter would hand the processor
  // back to the spinner (PCT runs the highest priority), one spin per setter step; lowered,
  // the setter runs to its end and the spinner spins once.
  Scheduler scheduler;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    PctStrategy pct(/*depth=*/1, seed);
    ExecutionOptions options;
    options.strategy = &pct;
    int spins = 0;
    const ExecutionResult r = scheduler.Run(options, [&] {
      Atomic<bool> flag(false);
      const ThreadId setter = SpawnThread([&] {
        for (int i = 0; i < 5; ++i) Yield("work");
        flag.Store(true);
      }, "setter");
      while (!flag.Load()) {
        ++spins;
        Spin("flag");
      }
      JoinThread(setter);
    });
    ASSERT_FALSE(r.failed()) << r.failure.title;
    EXPECT_LE(spins, 1) << "seed " << seed;
  }
}

TEST(SpinTest, ASpinningExecutionReplaysExactly) {
  Scheduler scheduler;
  RandomStrategy random(3, 2);
  for (int execution = 0; execution < 50; ++execution) {
    const ExecutionResult original = RunOnce(scheduler, random, /*say_spin=*/true);
    ASSERT_FALSE(original.failed());
    ReplayStrategy replay(original.decisions);
    const ExecutionResult again = RunOnce(scheduler, replay, /*say_spin=*/true);
    EXPECT_EQ(again.trace_hash, original.trace_hash);
    EXPECT_EQ(again.steps, original.steps);
  }
}

TEST(SpinTest, WithNoOtherThreadToRunASpinIsAPlainSchedulingPoint) {
  Scheduler scheduler;
  ByteStrategy no_bytes({});
  ExecutionOptions options;
  options.strategy = &no_bytes;
  int spins = 0;
  const ExecutionResult spun = scheduler.Run(options, [&] {
    for (; spins < 3; ++spins) Spin("nothing");
  });
  EXPECT_FALSE(spun.failed()) << spun.failure.title;
  EXPECT_EQ(spins, 3);
  const ExecutionResult yielded = scheduler.Run(options, [] {
    for (int i = 0; i < 3; ++i) Yield("nothing");
  });
  EXPECT_EQ(spun.steps, yielded.steps);  // three points and the thread's exit
  EXPECT_EQ(spun.decisions, yielded.decisions);
}

}  // namespace
}  // namespace racefuzz
