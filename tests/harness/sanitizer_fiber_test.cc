// The sanitizers see bugs *between* logical threads: ASan a use-after-free across fibers,
// TSan a data race across fibers (switches carry no happens-before), and nothing when a
// racefuzz primitive orders the accesses. Each test needs its sanitizer's build.
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/explore.h"
#include "harness/mutex.h"
#include "harness/scheduler.h"
#include "harness/scripted_strategy.h"
#include "harness/thread.h"
#include "harness/wait_queue.h"
#include "harness/yield.h"

#if defined(RACEFUZZ_ASAN)
// The default from clang 15 on and on OSS-Fuzz; fibers must keep it working.
extern "C" const char* __asan_default_options() { return "detect_stack_use_after_return=1"; }
#endif
#if defined(RACEFUZZ_TSAN)
// The process must stop at the first race, so the death test sees it. TSan's own
// lock-order detector is off: racefuzz reports deadlocks it actually reaches, with the
// wait-for chain, and TSan would see lock orders across executions as one program.
extern "C" const char* __tsan_default_options() { return "halt_on_error=1:detect_deadlocks=0"; }
#endif

namespace racefuzz {
namespace {

// T0 reads an object that T1 frees in between: T1 runs when T0 reaches "read".
[[maybe_unused]] void UseAfterFreeAcrossFibers() {
  Scheduler scheduler;
  ScriptedStrategy script({{0, "read", 1, 1}});
  ExecutionOptions options;
  options.strategy = &script;
  scheduler.Run(options, [] {
    int* object = new int(41);
    ThreadId freer = SpawnThread([object] {
      Yield("kfree");
      delete object;
    }, "freer");
    Yield("read");
    volatile int value = *object;  // heap-use-after-free
    (void)value;
    JoinThread(freer);
  });
}

TEST(AsanFiberTest, ReportsUseAfFreeBetweenLogicalThreadsWithRaceDiagram) {
#if !defined(RACEFUZZ_ASAN)
  GTEST_SKIP() << "needs the asan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(UseAfterFreeAcrossFibers(),
               "heap-use-after-free.*freed by thread.*Race diagram.*"
               "kfree  sanitizer_fiber_test.cc.*FAILED HERE \\(sanitizer report above\\)");
#endif
}

// Stack-use-after-return across fibers: needs fake stacks handled per fiber.
int* g_escaped = nullptr;
[[maybe_unused]] __attribute__((noinline)) void Escape() {
  int local = 5;
  g_escaped = &local;
}

TEST(AsanFiberTest, StackUseAfterReturnWorksOnFiberStacks) {
#if !defined(RACEFUZZ_ASAN)
  GTEST_SKIP() << "needs the asan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ExploreOptions options;
        options.executions = 1;
        Explore(options, [] {
          ThreadId t = SpawnThread([] {
            Escape();
            Yield("between");  // switch fibers while the escaped frame is dead
            volatile int v = *g_escaped;
            (void)v;
          }, "escaper");
          Yield("main");
          JoinThread(t);
        });
      },
      "stack-use-after-return.*Race diagram");
#endif
}

// Two logical threads increment a shared counter. Spawn orders T0's earlier accesses before
// T1's; T0's increment after the spawn is unordered with T1's.
void CountersOnTwoFibers(bool use_mutex) {
  ExploreOptions options;
  options.executions = 3;
  Explore(options, [use_mutex] {
    Mutex m("counter_lock");
    auto counter = std::make_unique<int>(0);
    ThreadId t = SpawnThread([&] {
      if (use_mutex) m.Lock();
      ++*counter;
      if (use_mutex) m.Unlock();
    }, "incrementer");
    Yield("before_increment");
    if (use_mutex) m.Lock();
    ++*counter;
    if (use_mutex) m.Unlock();
    JoinThread(t);
    EXPECT_EQ(*counter, 2);
  });
}

TEST(TsanFiberTest, ReportsUnsynchronisedCounterBetweenLogicalThreads) {
#if !defined(RACEFUZZ_TSAN)
  GTEST_SKIP() << "needs the tsan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(CountersOnTwoFibers(false),
               "ThreadSanitizer: data race.*Race diagram.*FAILED HERE");
#endif
}

TEST(TsanFiberTest, MutexProtectedCounterIsClean) {
  // In a TSan build a report would stop the process (halt_on_error) and fail this test.
  CountersOnTwoFibers(true);
}

// The exit path's thread writes after it has woken main; main reads after quiescence. The
// write always comes first, but nothing orders it before the read unless main synchronises
// with the finished threads, as an oracle over the final state must.
void ReadAfterTheExitPathWrote(bool synchronize) {
  ExploreOptions options;
  options.executions = 3;
  Explore(options, [synchronize] {
    auto value = std::make_unique<int>(0);
    Completion gate("gate");
    SetExitPath(
        [&] {
          gate.Complete();
          *value = 1;
        },
        "exit_path");
    gate.Wait();                        // nobody else can run: the exit path's thread starts
    EXPECT_FALSE(WaitForQuiescence());  // the exit path's thread has finished
    if (synchronize) SynchronizeWithFinishedThreads();
    EXPECT_EQ(*value, 1);
  });
}

TEST(TsanFiberTest, ReadAfterAnUnjoinedThreadFinishedIsARaceWithoutSynchronising) {
#if !defined(RACEFUZZ_TSAN)
  GTEST_SKIP() << "needs the tsan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(ReadAfterTheExitPathWrote(false), "ThreadSanitizer: data race.*Race diagram");
#endif
}

TEST(TsanFiberTest, SynchronizingWithFinishedThreadsOrdersTheirWrites) {
  // In a TSan build a report would stop the process (halt_on_error) and fail this test.
  ReadAfterTheExitPathWrote(true);
}

}  // namespace
}  // namespace racefuzz
