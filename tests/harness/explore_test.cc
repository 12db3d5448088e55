#include "harness/explore.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/atomic.h"
#include "harness/mutex.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz {
namespace {

using ::testing::HasSubstr;

void LostUpdate(bool locked) {
  Mutex m("counter_lock");
  // Relaxed atomics: no data race for TSan, but the read-modify-write is still not atomic.
  Atomic<int> counter(0);
  auto add = [&] {
    if (locked) m.Lock();
    const int v = counter.Load(std::memory_order_relaxed);
    counter.Store(v + 1, std::memory_order_relaxed);
    if (locked) m.Unlock();
  };
  ThreadId t = SpawnThread(add, "adder");
  add();
  JoinThread(t);
  RACEFUZZ_CHECK(counter.Peek() == 2, "lost update");
}

TEST(ExploreTest, RandomSchedulesFindLostUpdateWithRaceDiagram) {
  ExploreOptions options;
  options.strategy = ExploreStrategy::kRandom;
  options.executions = 1000;
  ExploreResult result = Explore(options, [] { LostUpdate(false); });
  ASSERT_TRUE(result.failed());
  EXPECT_EQ(result.failure.kind, FailureKind::kInvariant);
  EXPECT_THAT(result.report, HasSubstr("invariant violated: lost update"));
  EXPECT_THAT(result.report, HasSubstr("Race diagram"));
  EXPECT_THAT(result.report, HasSubstr("adder"));
  EXPECT_THAT(result.report, HasSubstr("atomic_read  explore_test.cc:"));

  // The decision list in the report replays the same failure.
  ExploreOptions replay;
  replay.strategy = ExploreStrategy::kReplay;
  replay.replay = result.decisions;
  ExploreResult again = Explore(replay, [] { LostUpdate(false); });
  ASSERT_TRUE(again.failed());
  EXPECT_EQ(again.trace_hash, result.trace_hash);
}

TEST(ExploreTest, PctFindsLostUpdate) {
  ExploreOptions options;
  options.strategy = ExploreStrategy::kPct;
  options.pct_depth = 2;
  ExploreResult result = Explore(options, [] { LostUpdate(false); });
  EXPECT_TRUE(result.failed());
}

TEST(ExploreTest, PosAndUrwFindLostUpdate) {
  for (ExploreStrategy strategy : {ExploreStrategy::kPos, ExploreStrategy::kUrw}) {
    ExploreOptions options;
    options.strategy = strategy;
    ExploreResult result = Explore(options, [] { LostUpdate(false); });
    ASSERT_TRUE(result.failed());
    EXPECT_THAT(result.report, HasSubstr(strategy == ExploreStrategy::kPos ? "pos(" : "urw("));
  }
}

TEST(ExploreTest, CorrectlyLockedCodeIsClean) {
  for (ExploreStrategy strategy : {ExploreStrategy::kRandom, ExploreStrategy::kPct,
                                   ExploreStrategy::kPos, ExploreStrategy::kUrw}) {
    ExploreOptions options;
    options.strategy = strategy;
    options.executions = 2000;
    ExploreResult result = Explore(options, [] {
      LostUpdate(true);
    });
    EXPECT_FALSE(result.failed()) << result.report;
    EXPECT_EQ(result.executions_run, 2000u);
  }
}

}  // namespace
}  // namespace racefuzz
