#include "harness/scheduler.h"

#include <atomic>
#include <span>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/byte_strategy.h"
#include "harness/mutex.h"
#include "harness/random_strategy.h"
#include "harness/replay_strategy.h"
#include "harness/strategy.h"
#include "harness/thread.h"
#include "harness/wait_queue.h"
#include "harness/yield.h"
#include "tests/harness/determinism_workload.h"

namespace racefuzz {
namespace {

using ::testing::HasSubstr;

// Three threads appending to a shared log under a mutex, with yields in between.
void LoggingProgram(std::vector<int>& log) {
  Mutex m("log_lock");
  auto body = [&](int id) {
    for (int i = 0; i < 3; ++i) {
      Yield("before_append");
      MutexLock lock(m);
      log.push_back(id * 10 + i);
    }
  };
  ThreadId a = SpawnThread([&] { body(1); }, "A");
  ThreadId b = SpawnThread([&] { body(2); }, "B");
  body(0);
  JoinThread(a);
  JoinThread(b);
}

// One execution under a seeded random strategy.
ExecutionResult RunRandom(Scheduler& scheduler, uint64_t seed,
                          const std::function<void()>& body, uint64_t step_budget = 200000) {
  RandomStrategy strategy(seed);
  ExecutionOptions options;
  options.strategy = &strategy;
  options.step_budget = step_budget;
  return scheduler.Run(options, [&] { body(); });
}

TEST(SchedulerTest, RunsEveryThreadToCompletion) {
  Scheduler scheduler;
  RandomStrategy strategy(7);
  ExecutionOptions options;
  options.strategy = &strategy;
  std::vector<int> log;
  ExecutionResult r = scheduler.Run(options, [&] { LoggingProgram(log); });
  EXPECT_FALSE(r.failed()) << scheduler.FormatReport(r.failure);
  EXPECT_EQ(log.size(), 9u);
  EXPECT_GT(r.steps, 9u);
}

TEST(SchedulerTest, SameDecisionsGiveIdenticalTracesOverThousandRuns) {
  Scheduler scheduler;
  RandomStrategy random(42);
  ExecutionOptions options;
  options.strategy = &random;
  std::vector<int> log;
  ExecutionResult first = scheduler.Run(options, [&] { LoggingProgram(log); });
  ASSERT_FALSE(first.decisions.empty()) << "the random schedule should preempt at least once";
  const std::string first_dump = scheduler.trace().Dump();
  const std::vector<int> first_log = log;

  ReplayStrategy replay(first.decisions);
  options.strategy = &replay;
  for (int i = 0; i < 1000; ++i) {
    log.clear();
    ExecutionResult again = scheduler.Run(options, [&] { LoggingProgram(log); });
    ASSERT_EQ(again.trace_hash, first.trace_hash) << "repetition " << i;
    ASSERT_EQ(again.decisions, first.decisions);
    ASSERT_EQ(log, first_log);
    ASSERT_FALSE(replay.divergence().has_value());
  }
  EXPECT_EQ(scheduler.trace().Dump(), first_dump);
}

TEST(SchedulerTest, WithoutSummaryTheResultLeavesOutHashAndDecisionsButNotTheTrace) {
  Scheduler scheduler;
  RandomStrategy random(42);
  ExecutionOptions options;
  options.strategy = &random;
  std::vector<int> log;
  const ExecutionResult summarized = scheduler.Run(options, [&] { LoggingProgram(log); });
  ASSERT_FALSE(summarized.decisions.empty());
  ASSERT_NE(summarized.trace_hash, 0u);

  RandomStrategy same_seed(42);
  options.strategy = &same_seed;
  options.summarize = false;
  log.clear();
  const ExecutionResult bare = scheduler.Run(options, [&] { LoggingProgram(log); });
  EXPECT_EQ(bare.trace_hash, 0u);
  EXPECT_TRUE(bare.decisions.empty());
  EXPECT_EQ(bare.steps, summarized.steps);
  // The execution itself is the same: its trace is still there to hash or draw.
  EXPECT_EQ(scheduler.trace().Hash(), summarized.trace_hash);
}

TEST(SchedulerTest, DifferentSeedsExploreDifferentInterleavings) {
  Scheduler scheduler;
  std::vector<uint64_t> hashes;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    RandomStrategy strategy(seed * 1000);
    ExecutionOptions options;
    options.strategy = &strategy;
    std::vector<int> log;
    hashes.push_back(scheduler.Run(options, [&] { LoggingProgram(log); }).trace_hash);
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  EXPECT_GT(hashes.size(), 5u);
}

TEST(SchedulerTest, ThousandsOfExecutionsReuseStacksWithNothingCarriedOver) {
  Scheduler scheduler;
  RandomStrategy strategy(3);
  ExecutionOptions options;
  options.strategy = &strategy;
  int total = 0;
  for (int i = 0; i < 5000; ++i) {
    int local = 0;
    ExecutionResult r = scheduler.Run(options, [&] {
      ++local;  // before the spawn: ordered before the child's increment
      ThreadId t = SpawnThread([&] { ++local; Yield("inc"); });
      JoinThread(t);
    });
    ASSERT_FALSE(r.failed());
    ASSERT_EQ(local, 2);
    total += local;
  }
  EXPECT_EQ(total, 10000);
}

TEST(SchedulerTest, AbBaDeadlockIsFoundAndExplainedAsWaitForChain) {
  Scheduler scheduler;
  bool found = false;
  for (uint64_t seed = 0; seed < 200 && !found; ++seed) {
    RandomStrategy strategy(seed, 2);
    ExecutionOptions options;
    options.strategy = &strategy;
    ExecutionResult r = scheduler.Run(options, [] { testing::DeadlockWorkload(); });
    if (!r.failed()) continue;
    found = true;
    EXPECT_EQ(r.failure.kind, FailureKind::kDeadlock);
    const std::string report = scheduler.FormatReport(r.failure);
    EXPECT_THAT(report, HasSubstr("waits for mutex 'lock_a'"));
    EXPECT_THAT(report, HasSubstr("waits for mutex 'lock_b'"));
    EXPECT_THAT(report, HasSubstr("(cycle)"));
    EXPECT_THAT(report, HasSubstr("Replay decisions:"));
    EXPECT_THAT(report, HasSubstr("FAILED HERE"));
  }
  EXPECT_TRUE(found) << "no AB/BA deadlock in 200 random schedules";
}

TEST(SchedulerTest, WaitNobodyCanSatisfyIsADeadlock) {
  Scheduler scheduler;
  ExecutionResult r = RunRandom(scheduler, 1, [] {
    Completion done("c_no_users");
    done.Wait();
  });
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.failure.kind, FailureKind::kDeadlock);
  EXPECT_THAT(r.failure.details, HasSubstr("c_no_users"));
  EXPECT_THAT(r.failure.details, HasSubstr("no thread can signal"));
}

TEST(SchedulerTest, CompletionHandsOverBetweenThreads) {
  Scheduler scheduler;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    RandomStrategy strategy(seed);
    ExecutionOptions options;
    options.strategy = &strategy;
    int value = 0;
    ExecutionResult r = scheduler.Run(options, [&] {
      Completion ready("ready");
      ThreadId t = SpawnThread([&] {
        value = 42;
        ready.Complete();
      });
      ready.Wait();
      EXPECT_EQ(value, 42);
      JoinThread(t);
    });
    ASSERT_FALSE(r.failed()) << scheduler.FormatReport(r.failure);
  }
}

TEST(SchedulerTest, RecursiveLockIsReported) {
  Scheduler scheduler;
  ExecutionResult r = RunRandom(scheduler, 1, [] {
    Mutex m("heap_list_lock");
    m.Lock();
    m.Lock();
  });
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.failure.kind, FailureKind::kDeadlock);
  EXPECT_THAT(r.failure.title, HasSubstr("recursive mutex_lock of 'heap_list_lock'"));
}

TEST(SchedulerTest, UnlockByNonOwnerIsReported) {
  Scheduler scheduler;
  ExecutionResult r = RunRandom(scheduler, 1, [] {
    Mutex m("m");
    m.Lock();
    ThreadId t = SpawnThread([&] { m.Unlock(); }, "intruder");
    JoinThread(t);
  });
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.failure.kind, FailureKind::kLockMisuse);
  EXPECT_THAT(r.failure.title, HasSubstr("by intruder"));
}

TEST(SchedulerTest, StepBudgetTurnsLivelockIntoReport) {
  Scheduler scheduler;
  ExecutionResult r = RunRandom(
      scheduler, 1,
      [] {
        bool stop = false;  // never set: a spin loop that cannot end
        while (!stop) Yield("spin");
      },
      /*step_budget=*/1000);
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.failure.kind, FailureKind::kStepBudget);
  EXPECT_EQ(r.steps, 1001u);
}

TEST(SchedulerTest, ExecutionAfterFailureStartsClean) {
  Scheduler scheduler;
  ExecutionResult bad = RunRandom(scheduler, 1, [] {
    Completion never("never");
    ThreadId t = SpawnThread([&] { never.Wait(); });
    never.Wait();
    JoinThread(t);
  });
  ASSERT_TRUE(bad.failed());
  int value = 0;
  ExecutionResult good = RunRandom(scheduler, 1, [&] {
    ThreadId t = SpawnThread([&] { value = 1; });
    JoinThread(t);
  });
  EXPECT_FALSE(good.failed());
  EXPECT_EQ(value, 1);
}

// Logs its name when destroyed, to see in which order a failure unwinds the threads.
struct UnwindLog {
  std::vector<std::string>* log;
  std::string name;
  ~UnwindLog() { log->push_back(name); }
};

// After a failure the failing thread unwinds first, then the others by decreasing id, and
// T0, whose frames own what the others use, always last.
TEST(SchedulerTest, AFailureUnwindsTheFailingThreadFirstAndT0Last) {
  for (int failing = 0; failing < 3; ++failing) {
    Scheduler scheduler;
    std::vector<std::string> log;
    ExecutionResult r = RunRandom(scheduler, 1, [&] {
      Completion never("never");
      auto body = [&](int me) {
        UnwindLog marker{&log, "T" + std::to_string(me)};
        if (me != failing) never.Wait();
        WaitForQuiescence();  // every other thread waits for good now
        ReportBug(FailureKind::kInvariant, "stop");
      };
      SpawnThread([&] { body(1); });
      SpawnThread([&] { body(2); });
      body(0);
    });
    ASSERT_TRUE(r.failed());
    EXPECT_EQ(r.failure.title, "stop");
    EXPECT_EQ(r.failure.thread, static_cast<ThreadId>(failing));
    const std::vector<std::vector<std::string>> expected = {
        {"T2", "T1", "T0"}, {"T1", "T2", "T0"}, {"T2", "T1", "T0"}};
    EXPECT_EQ(log, expected[failing]) << "T" << failing << " failed";
  }
}

// Preempts at every yield point in favour of the lowest-numbered other runnable thread.
class AlwaysSwitchStrategy final : public Strategy {
 public:
  bool ShouldPreempt(const YieldContext&) override { return true; }
  ThreadId PickNext(std::span<const ThreadId> runnable, ThreadId current, uint64_t) override {
    for (ThreadId t : runnable) {
      if (t != current) return t;
    }
    return runnable.front();
  }
  std::string Describe() const override { return "always-switch"; }
};

// Under kReturn the report is formatted after the failure has unwound every thread, so the
// trace must end where the failure happened: destructors that release a lock on the way
// out (and so wake its waiter) must not add to it, or the report (and its trace hash)
// would differ from the kAbort report of the same input.
TEST(SchedulerTest, TraceEndsAtTheFailureWhenUnwindingReleasesALock) {
  Scheduler scheduler;
  AlwaysSwitchStrategy strategy;
  ExecutionOptions options;
  options.strategy = &strategy;
  options.on_failure = FailurePolicy::kReturn;
  std::atomic<bool> holding{false};
  std::atomic<size_t> events_at_failure{0};
  ExecutionResult r = scheduler.Run(options, [&] {
    Mutex m("m");
    ThreadId holder = SpawnThread(
        [&] {
          MutexLock lock(m);
          holding = true;
          for (int i = 0; i < 10; ++i) Yield("holding m");  // main blocks on m meanwhile
          events_at_failure = Scheduler::Active()->trace().events().size();
          ReportBug(FailureKind::kInvariant, "stop while main waits for m");
        },
        "holder");
    while (!holding) Yield("wait for the holder");
    MutexLock lock(m);
    JoinThread(holder);
  });
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.failure.title, "stop while main waits for m");
  EXPECT_THAT(scheduler.FormatReport(r.failure), HasSubstr("[blocks on mutex m]"));
  EXPECT_EQ(scheduler.trace().events().size(), events_at_failure.load());
}

// The thread that would wait for quiescence is itself blocked: the exit path runs in a
// thread of its own instead of a deadlock being reported.
TEST(SchedulerTest, ExitPathRunsWhenEveryThreadIsBlocked) {
  Scheduler scheduler;
  std::atomic<int> exit_runs{0};
  ExecutionResult r = RunRandom(scheduler, 3, [&] {
    Completion released("released");
    Completion done("done");
    SetExitPath(
        [&] {
          ++exit_runs;
          released.Complete();
        },
        "exit_path");
    ThreadId waiter = SpawnThread([&] {
      released.Wait();
      done.Complete();
    });
    done.Wait();  // main blocks too: nobody can call WaitForQuiescence
    JoinThread(waiter);
  });
  EXPECT_FALSE(r.failed()) << scheduler.FormatReport(r.failure);
  EXPECT_EQ(exit_runs.load(), 1);
  EXPECT_THAT(scheduler.trace().Dump(), HasSubstr("T2 start"));  // the exit path's thread
}

// An exit path that changes nothing does not hide the deadlock: it runs a bounded number of
// times, then the deadlock is reported.
TEST(SchedulerTest, ExitPathThatDoesNotHelpStillEndsInADeadlockReport) {
  Scheduler scheduler;
  std::atomic<int> exit_runs{0};
  ExecutionResult r = RunRandom(scheduler, 3, [&] {
    Completion never("never");
    SetExitPath([&] { ++exit_runs; }, "exit_path");
    never.Wait();
  });
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.failure.kind, FailureKind::kDeadlock);
  EXPECT_EQ(exit_runs.load(), Scheduler::kMaxExitPathRuns);
}

TEST(SchedulerTest, QuiescenceLetsExitPathReleaseAWaiter) {
  // T1 waits for a completion that only "process exit" (T0 after quiescence) signals: not
  // a deadlock. Without the exit path it would be one.
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Scheduler scheduler;
    ExecutionResult r = RunRandom(scheduler, seed, [] {
      Completion users("c_no_users");
      ThreadId t = SpawnThread([&] { users.Wait(); }, "unregister");
      EXPECT_TRUE(WaitForQuiescence());  // "unregister" is still waiting
      users.Complete();  // exit_files() drops the last user
      JoinThread(t);
    });
    ASSERT_FALSE(r.failed()) << scheduler.FormatReport(r.failure);
  }
  Scheduler scheduler;
  ExecutionResult r = RunRandom(scheduler, 1, [] {
    Completion users("c_no_users");
    ThreadId t = SpawnThread([&] { users.Wait(); }, "unregister");
    JoinThread(t);
  });
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.failure.kind, FailureKind::kDeadlock);
}

TEST(SchedulerTest, CompletionMayBeFreedByTheWaiterRightAfterComplete) {
  // The kernel's complete() is atomic: once a waiter sees it, the completer no longer
  // touches the completion. ASan would see a use-after-free otherwise.
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Scheduler scheduler;
    ExecutionResult r = RunRandom(scheduler, seed, [] {
      auto* done = new Completion("done");
      ThreadId t = SpawnThread([done] { done->Complete(); }, "completer");
      done->Wait();
      delete done;
      JoinThread(t);
    });
    ASSERT_FALSE(r.failed()) << scheduler.FormatReport(r.failure);
  }
}

}  // namespace
}  // namespace racefuzz
