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

// Explores `program` with 100 random seeds: every one must stop at a failure of `kind`,
// and return it (the report of the first failure, not one from teardown).
void ExpectOnlyTheFirstReport(void (*program)(), FailureKind kind, uint64_t executions,
                              uint64_t step_budget, const char* title = "") {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    ExploreOptions options;
    options.strategy = ExploreStrategy::kRandom;
    options.seed = seed;
    options.executions = executions;
    options.step_budget = step_budget;
    const ExploreResult r = Explore(options, program);
    ASSERT_TRUE(r.failed()) << "seed " << seed;
    EXPECT_EQ(r.failure.kind, kind) << "seed " << seed << "\n" << r.report;
    EXPECT_THAT(r.report, HasSubstr(title));
  }
}

TEST(TeardownTest, ManyThreadsWhoseBugIsAnAssertionReportExactlyTheAssertion) {
  ExpectOnlyTheFirstReport(ManyThreadsOneAssertion, FailureKind::kInvariant, 200, 200000,
                           "the last thread did not arrive fourth");
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
  ExpectOnlyTheFirstReport(ManyThreadsOneDeadlock, FailureKind::kDeadlock, 200, 200000);
}

TEST(TeardownTest, TheStepBudgetAmongManyThreadsIsTheOneReport) {
  ExpectOnlyTheFirstReport(ManyThreadsOneLivelock, FailureKind::kStepBudget, 1, 2000);
}

}  // namespace
}  // namespace racefuzz
