// An execution holds up to kMaxThreads (1,024) logical threads; one more is a clear failure.
#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/mutex.h"
#include "harness/random_strategy.h"
#include "harness/scheduler.h"
#include "harness/strategy.h"
#include "harness/thread.h"

namespace racefuzz {
namespace {

static_assert(kMaxThreads >= 1024);

// T0 and 1,023 threads that each take one mutex: the runnable set, the mutex's waiter set,
// the joins and the stack pool go far past the first 64 ids, up to the last one.
TEST(ThreadLimitTest, AThousandTwentyFourThreadsShareAMutexUnderTheRandomStrategy) {
  constexpr int kWorkers = kMaxThreads - 1;
  Scheduler scheduler;
  for (uint64_t seed : {1, 2}) {
    RandomStrategy strategy(seed);
    ExecutionOptions options;
    options.strategy = &strategy;
    int counter = 0;
    ThreadId last = kNoThread;
    const ExecutionResult result = scheduler.Run(options, [&] {
      Mutex lock("counter_lock");
      std::vector<ThreadId> workers;
      for (int i = 0; i < kWorkers; ++i) {
        workers.push_back(SpawnThread([&] {
          MutexLock guard(lock);
          ++counter;
        }));
      }
      last = workers.back();
      for (ThreadId worker : workers) JoinThread(worker);
    });
    ASSERT_FALSE(result.failed()) << result.failure.title;
    EXPECT_EQ(counter, kWorkers) << "seed " << seed;
    EXPECT_EQ(last, kMaxThreads - 1);
  }
}

TEST(ThreadLimitTest, OneThreadMoreThanTheLimitIsReportedAsAFailure) {
  Scheduler scheduler;
  RandomStrategy strategy(1);
  ExecutionOptions options;
  options.strategy = &strategy;
  int spawned = 0;
  const ExecutionResult result = scheduler.Run(options, [&] {
    std::vector<ThreadId> threads;
    for (ThreadId i = 1; i <= kMaxThreads; ++i) {  // T0 plus kMaxThreads: one too many
      threads.push_back(SpawnThread([] {}));
      ++spawned;
    }
    for (ThreadId t : threads) JoinThread(t);
  });
  ASSERT_TRUE(result.failed());
  EXPECT_EQ(result.failure.kind, FailureKind::kInvariant);
  EXPECT_EQ(result.failure.title, "more than " + std::to_string(kMaxThreads) + " logical threads");
  EXPECT_EQ(spawned, kMaxThreads - 1);  // the spawn that failed did not return
  EXPECT_EQ(result.failure.thread, 0u);

  // The scheduler is usable again afterwards, up to the limit.
  std::vector<char> ran(kMaxThreads, 0);  // a byte per thread: no two threads write one
  const ExecutionResult again = scheduler.Run(options, [&] {
    std::vector<ThreadId> threads;
    for (ThreadId i = 1; i < kMaxThreads; ++i) {
      threads.push_back(SpawnThread([&ran, i] { ran[i] = 1; }));
    }
    for (ThreadId t : threads) JoinThread(t);
  });
  EXPECT_FALSE(again.failed()) << again.failure.title;
  EXPECT_EQ(std::count(ran.begin() + 1, ran.end(), 1), kMaxThreads - 1);
}

}  // namespace
}  // namespace racefuzz
