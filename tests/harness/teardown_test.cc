// After an execution's first report nothing else is reported: a failure stops the execution
// and its logical threads are unwound or abandoned, and what their frames free or touch on
// the way out (objects other threads, never joined, touched too) must not become a second
// report that replaces the real one (a TSan data race, under halt_on_error=1 as the tsan
// preset runs). Explore returns the assertion, in every run.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/atomic.h"
#include "harness/explore.h"
#include "harness/mutex.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz {
namespace {

using ::testing::HasSubstr;

// 28 logical threads write to objects that T0 owns and frees as it unwinds, without any
// synchronisation with T0 (they are not joined when the assertion of one of them fails),
// and one of them checks an invariant that a schedule breaks: T0 never joins them, since
// the failure comes first.
void ManyThreadsOneAssertion() {
  constexpr int kThreads = 28;
  auto shared = std::make_unique<std::vector<std::string>>(kThreads, "value");
  Atomic<int> arrived(0);
  std::vector<ThreadId> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.push_back(SpawnThread([&, i] {
      (*shared)[i] += "-written by a thread";  // unsynchronised with T0's free
      const int seen = arrived.FetchAdd(1);
      Yield("after arriving");
      if (i == kThreads - 1) {
        RACEFUZZ_CHECK(seen != 3, "the last thread did not arrive fourth");
      }
    }));
  }
  for (ThreadId t : threads) JoinThread(t);
}

TEST(TeardownTest, ManyThreadsWhoseBugIsAnAssertionReportExactlyTheAssertion) {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    ExploreOptions options;
    options.strategy = ExploreStrategy::kRandom;
    options.seed = seed;
    options.executions = 200;
    const ExploreResult r = Explore(options, ManyThreadsOneAssertion);
    ASSERT_TRUE(r.failed()) << "seed " << seed;
    EXPECT_EQ(r.failure.kind, FailureKind::kInvariant) << "seed " << seed << "\n" << r.report;
    EXPECT_THAT(r.report, HasSubstr("the last thread did not arrive fourth"));
  }
}

// The same teardown when the first report is a deadlock: T0 owns the objects, the threads
// write to them and then take two locks in opposite orders.
void ManyThreadsOneDeadlock() {
  constexpr int kThreads = 28;
  auto shared = std::make_unique<std::vector<std::string>>(kThreads, "value");
  Mutex a("a");
  Mutex b("b");
  std::vector<ThreadId> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.push_back(SpawnThread([&, i] {
      (*shared)[i] += "-written by a thread";
      Mutex& first = i % 2 == 0 ? a : b;
      Mutex& second = i % 2 == 0 ? b : a;
      first.Lock();
      second.Lock();
      second.Unlock();
      first.Unlock();
    }));
  }
  for (ThreadId t : threads) JoinThread(t);
}

// And when it is the step budget: one thread loops for ever.
void ManyThreadsOneLivelock() {
  constexpr int kThreads = 28;
  auto shared = std::make_unique<std::vector<std::string>>(kThreads, "value");
  std::vector<ThreadId> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.push_back(SpawnThread([&, i] {
      (*shared)[i] += "-written by a thread";
      while (i == 0) Yield("for ever");
    }));
  }
  for (ThreadId t : threads) JoinThread(t);
}

TEST(TeardownTest, ADeadlockAmongManyThreadsIsTheOneReport) {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    ExploreOptions options;
    options.strategy = ExploreStrategy::kRandom;
    options.seed = seed;
    options.executions = 200;
    const ExploreResult r = Explore(options, ManyThreadsOneDeadlock);
    ASSERT_TRUE(r.failed()) << "seed " << seed;
    EXPECT_EQ(r.failure.kind, FailureKind::kDeadlock) << "seed " << seed << "\n" << r.report;
  }
}

TEST(TeardownTest, TheStepBudgetAmongManyThreadsIsTheOneReport) {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    ExploreOptions options;
    options.strategy = ExploreStrategy::kRandom;
    options.seed = seed;
    options.executions = 1;
    options.step_budget = 2000;
    const ExploreResult r = Explore(options, ManyThreadsOneLivelock);
    ASSERT_TRUE(r.failed()) << "seed " << seed;
    EXPECT_EQ(r.failure.kind, FailureKind::kStepBudget) << "seed " << seed << "\n" << r.report;
  }
}

}  // namespace
}  // namespace racefuzz
