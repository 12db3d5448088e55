// RunTwiceAndCompare must flag code under test that reads state the schedule does not
// control (here a global counter that changes between executions) and must never flag a
// program whose behaviour depends only on the schedule.
#include "harness/determinism_check.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/mutex.h"
#include "harness/random_strategy.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Two threads that take a lock in turns; `extra_yields` more yield points in T1.
void LockingProgram(int extra_yields) {
  Mutex m("m");
  int shared = 0;
  ThreadId t = SpawnThread(
      [&] {
        for (int i = 0; i < extra_yields; ++i) Yield("extra");
        MutexLock lock(m);
        ++shared;
      },
      "T1");
  {
    Yield("before_lock");
    MutexLock lock(m);
    ++shared;
  }
  JoinThread(t);
}

// Every execution starts from the same strategy seed, as a replayed input does. A fresh
// Scheduler each time: RandomStrategy mixes in the scheduler's execution count.
ExecutionResult RunSeeded(std::unique_ptr<Scheduler>& scheduler, uint64_t seed,
                          absl::FunctionRef<void()> body) {
  scheduler = std::make_unique<Scheduler>();
  RandomStrategy strategy(seed);
  ExecutionOptions options;
  options.strategy = &strategy;
  return scheduler->Run(options, body);
}

TEST(DeterminismCheckTest, FlagsAProgramThatReadsAGlobalThatChangesBetweenRuns) {
  std::unique_ptr<Scheduler> scheduler;
  static int runs_so_far = 0;  // survives from one execution to the next: not the schedule's
  runs_so_far = 0;
  const DeterminismVerdict verdict = RunTwiceAndCompare(
      [&] { return RunSeeded(scheduler, 1, [] { LockingProgram(runs_so_far++); }); },
      [&]() -> const Trace& { return scheduler->trace(); });
  EXPECT_TRUE(verdict.diverged);
  EXPECT_NE(verdict.first_hash, verdict.second_hash);
  EXPECT_THAT(verdict.first_difference, StartsWith("trace event "));
  EXPECT_THAT(verdict.Describe(), StartsWith("racefuzz error: nondeterminism"));
  EXPECT_EQ(verdict.AsFailure().kind, FailureKind::kNondeterminism);
}

TEST(DeterminismCheckTest, NeverFlagsAProgramDrivenOnlyByTheSchedule) {
  std::unique_ptr<Scheduler> scheduler;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const DeterminismVerdict verdict = RunTwiceAndCompare(
        [&] { return RunSeeded(scheduler, seed, [] { LockingProgram(3); }); },
        [&]() -> const Trace& { return scheduler->trace(); });
    ASSERT_FALSE(verdict.diverged) << "seed " << seed << ": " << verdict.Describe();
    EXPECT_EQ(verdict.first_hash, verdict.second_hash);
    EXPECT_EQ(verdict.AsFailure().kind, FailureKind::kNone);
  }
}

TEST(DeterminismCheckTest, FlagsADifferentOutcomeEvenWithTheSameTracePrefix) {
  std::unique_ptr<Scheduler> scheduler;
  static int runs_so_far = 0;
  runs_so_far = 0;
  const DeterminismVerdict verdict = RunTwiceAndCompare(
      [&] {
        return RunSeeded(scheduler, 3, [] {
          Yield("same");
          RACEFUZZ_CHECK(runs_so_far++ == 0, "only the first run passes");
        });
      },
      [&]() -> const Trace& { return scheduler->trace(); });
  EXPECT_TRUE(verdict.diverged);
  EXPECT_TRUE(verdict.result.failed() == false);
}

TEST(DeterminismCheckTest, FirstTraceDifferenceNamesTheEventAndAMissingEnd) {
  EXPECT_EQ(FirstTraceDifference("a\nb\n", "a\nb\n"), "");
  EXPECT_EQ(FirstTraceDifference("a\nb\n", "a\nc\n"), "trace event 1: `b` vs `c`");
  EXPECT_EQ(FirstTraceDifference("a\n", "a\nb\n"), "trace event 1: `<end of trace>` vs `b`");
}

}  // namespace
}  // namespace racefuzz
