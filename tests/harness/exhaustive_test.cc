// ExhaustiveStrategy and Explore's proof mode: every schedule within the preemption bound
// runs exactly once, bugs are found with the fewest preemptions, and a complete search says
// so.
#include <cstdint>
#include <set>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/atomic.h"
#include "harness/exhaustive_strategy.h"
#include "harness/explore.h"
#include "harness/mutex.h"
#include "harness/random_strategy.h"
#include "harness/scheduler.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz {
namespace {

using ::testing::HasSubstr;

// Three threads with a few steps each and no bug: a program with many schedules.
void ThreeCounters() {
  Mutex lock("lock");
  Atomic<int> done(0);
  int total = 0;
  auto work = [&] {
    Yield("step");
    lock.Lock();
    ++total;
    lock.Unlock();
    done.FetchAdd(1);
  };
  const ThreadId a = SpawnThread(work, "A");
  const ThreadId b = SpawnThread(work, "B");
  work();
  JoinThread(a);
  JoinThread(b);
  RACEFUZZ_CHECK(total == 3, "every increment counted");
}

// Preemptions of the last execution: yield points where the scheduler switched threads.
uint32_t PreemptionsOf(const Trace& trace) {
  uint32_t count = 0;
  for (const TraceEvent& e : trace.events()) {
    if (e.kind == EventKind::kYield && e.value != 0) ++count;
  }
  return count;
}

TEST(ExhaustiveStrategyTest, RunsEverySchedulePerBoundOnceAndMissesNone) {
  constexpr uint32_t kBound = 2;
  Scheduler scheduler;
  ExhaustiveStrategy exhaustive(kBound);
  ExecutionOptions options;
  options.strategy = &exhaustive;
  // The schedules of the last pass: every one with at most kBound preemptions.
  std::set<uint64_t> last_pass;
  uint64_t last_pass_runs = 0;
  while (!exhaustive.done()) {
    const uint32_t pass = exhaustive.current_bound();
    const ExecutionResult r = scheduler.Run(options, ThreeCounters);
    ASSERT_FALSE(r.failed()) << r.failure.title;
    ASSERT_LE(PreemptionsOf(scheduler.trace()), pass);
    if (pass == kBound) {
      last_pass.insert(r.trace_hash);
      ++last_pass_runs;
    }
  }
  EXPECT_FALSE(exhaustive.nondeterministic());
  EXPECT_EQ(last_pass.size(), last_pass_runs) << "a schedule ran twice in one pass";
  EXPECT_EQ(exhaustive.schedules(), last_pass_runs);
  ASSERT_EQ(exhaustive.schedules_by_preemptions().size(), kBound + 1);
  EXPECT_GT(exhaustive.schedules_by_preemptions()[1], 0u);
  EXPECT_GT(exhaustive.schedules_by_preemptions()[2], 0u);

  // Completeness: every schedule a random search meets with at most kBound preemptions is
  // one the exhaustive search ran.
  RandomStrategy random(5, 3);
  options.strategy = &random;
  int checked = 0;
  for (int run = 0; run < 3000; ++run) {
    const ExecutionResult r = scheduler.Run(options, ThreeCounters);
    if (PreemptionsOf(scheduler.trace()) > kBound) continue;
    ++checked;
    EXPECT_TRUE(last_pass.count(r.trace_hash) == 1) << "missed schedule, random run " << run;
  }
  EXPECT_GT(checked, 100);
}

// A bug that needs one preemption: T1 reads `ready` and `data` between T0's two stores.
void PublishBeforeInit() {
  Atomic<int> data(0);
  Atomic<bool> ready(false);
  const ThreadId reader = SpawnThread(
      [&] {
        if (ready.Load()) RACEFUZZ_CHECK(data.Load() == 1, "published data is initialised");
      },
      "reader");
  ready.Store(true);
  data.Store(1);
  JoinThread(reader);
}

// A bug that needs two: A1 < B1 < A2 < B2 (T0 preempted after its first store, T1 in its
// middle, T0 again, then T1).
void SwitchBackTwice() {
  Atomic<int> flag(0);
  const ThreadId t1 = SpawnThread(
      [&] {
        Yield("b0");
        const bool seen = flag.Load() == 1;
        Yield("b1");
        RACEFUZZ_CHECK(!(seen && flag.Load() == 2), "saw both stores in between");
      },
      "T1");
  flag.Store(1);
  Yield("a1");
  flag.Store(2);
  JoinThread(t1);
}

ExploreResult Prove(void (*program)(), uint32_t bound) {
  ExploreOptions options;
  options.strategy = ExploreStrategy::kExhaustive;
  options.max_preemptions = bound;
  return Explore(options, program);
}

TEST(ExploreProofTest, AOnePreemptionBugIsProvedAbsentAtBoundZeroAndFoundAtOne) {
  const ExploreResult none = Prove(PublishBeforeInit, 0);
  EXPECT_FALSE(none.failed()) << none.report;
  EXPECT_TRUE(none.proof.complete);
  EXPECT_THAT(none.proof.Summary(), HasSubstr("no bug with at most 0 preemptions"));

  const ExploreResult found = Prove(PublishBeforeInit, 1);
  ASSERT_TRUE(found.failed());
  EXPECT_FALSE(found.proof.complete);
  EXPECT_EQ(found.proof.preemptions, 1u);
  EXPECT_THAT(found.report, HasSubstr("published data is initialised"));
  EXPECT_THAT(found.proof.Summary(), HasSubstr("bug found in a schedule with 1 preemption"));
  // The report's decisions replay the bug.
  ExploreOptions replay;
  replay.strategy = ExploreStrategy::kReplay;
  replay.replay = found.decisions;
  EXPECT_TRUE(Explore(replay, PublishBeforeInit).failed());
}

TEST(ExploreProofTest, ATwoPreemptionBugNeedsBoundTwo) {
  const ExploreResult one = Prove(SwitchBackTwice, 1);
  EXPECT_FALSE(one.failed()) << one.report;
  EXPECT_TRUE(one.proof.complete);
  const ExploreResult two = Prove(SwitchBackTwice, 2);
  ASSERT_TRUE(two.failed());
  EXPECT_EQ(two.proof.preemptions, 2u);
  EXPECT_THAT(two.report, HasSubstr("saw both stores in between"));
}

TEST(ExploreProofTest, ACorrectProgramIsProvedWithItsScheduleCounts) {
  const ExploreResult r = Prove(ThreeCounters, 2);
  EXPECT_FALSE(r.failed()) << r.report;
  EXPECT_TRUE(r.proof.complete);
  ASSERT_EQ(r.proof.schedules_by_preemptions.size(), 3u);
  uint64_t schedules = 0;
  for (uint64_t n : r.proof.schedules_by_preemptions) {
    EXPECT_GT(n, 0u);
    schedules += n;
  }
  // Each pass reruns the schedules of the passes before it.
  EXPECT_GT(r.executions_run, schedules);
  EXPECT_THAT(r.proof.Summary(), HasSubstr("no bug with at most 2 preemptions"));
}

TEST(ExploreProofTest, AScheduleCapLeavesTheSearchIncompleteAndSaysSo) {
  ExploreOptions options;
  options.strategy = ExploreStrategy::kExhaustive;
  options.max_preemptions = 2;
  options.max_schedules = 5;
  const ExploreResult r = Explore(options, ThreeCounters);
  EXPECT_FALSE(r.failed());
  EXPECT_FALSE(r.proof.complete);
  EXPECT_EQ(r.executions_run, 5u);
  EXPECT_THAT(r.proof.Summary(), HasSubstr("incomplete"));
}

TEST(ExploreProofTest, AProgramThatDoesNotRepeatItsSchedulesIsNoProof) {
  int execution = 0;
  ExploreOptions options;
  options.strategy = ExploreStrategy::kExhaustive;
  options.max_preemptions = 1;
  const ExploreResult r = Explore(options, [&execution] {
    // A thread more every other execution: state carried over from the last one.
    const int extra = execution++ % 2;
    std::vector<ThreadId> threads;
    for (int i = 0; i < 1 + extra; ++i) threads.push_back(SpawnThread([] { Yield("x"); }));
    Yield("main");
    for (ThreadId t : threads) JoinThread(t);
  });
  EXPECT_TRUE(r.proof.nondeterministic);
  EXPECT_FALSE(r.proof.complete);
  EXPECT_EQ(r.failure.kind, FailureKind::kNondeterminism);
  EXPECT_THAT(r.proof.Summary(), HasSubstr("no result"));
}

}  // namespace
}  // namespace racefuzz
