// The C API (harness/c_api.h) from C code (c_api_program.c, compiled as C with the
// sanitizer flags of code under test): the primitives' semantics and reports in every
// build, and a C lifetime bug caught by ASan and by TSan with the race diagram.
#include "harness/c_api.h"

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

extern "C" {
void c_program_lifetime_bug(void*);
void c_program_lifetime_fixed(void*);
void c_program_locked_counter(void*);
void c_program_lost_update(void*);
void c_program_atomic_increments(void*);
void c_program_recursive_lock(void*);
void c_program_unbalanced_put(void*);
void c_program_waits(void*);
void c_program_wait_forever(void*);
}

namespace racefuzz {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  bool failed = false;
  uint64_t executions = 0;
  std::string report;
};

Outcome ExploreC(void (*program)(void*), racefuzz_strategy strategy, uint64_t executions) {
  racefuzz_explore_options options{};
  options.strategy = strategy;
  options.executions = executions;
  options.seed = 3;
  options.pct_depth = 3;
  racefuzz_explore_result result{};
  racefuzz_explore(&options, program, nullptr, &result);
  Outcome outcome{result.failed != 0, result.executions_run, result.report};
  std::free(result.report);
  return outcome;
}

TEST(CApiTest, CorrectProgramsStayCleanUnderEveryStrategy) {
  for (racefuzz_strategy strategy : {RACEFUZZ_STRATEGY_PCT, RACEFUZZ_STRATEGY_RANDOM}) {
    for (auto* program : {&c_program_lifetime_fixed, &c_program_locked_counter,
                          &c_program_atomic_increments, &c_program_waits}) {
      const Outcome outcome = ExploreC(program, strategy, 300);
      EXPECT_FALSE(outcome.failed) << outcome.report;
      EXPECT_EQ(outcome.executions, 300u);
    }
  }
}

TEST(CApiTest, FindsTheLostUpdateOfAReadThenSet) {
  const Outcome outcome = ExploreC(&c_program_lost_update, RACEFUZZ_STRATEGY_RANDOM, 2000);
  ASSERT_TRUE(outcome.failed);
  EXPECT_THAT(outcome.report, HasSubstr("invariant violated: both increments counted"));
  EXPECT_THAT(outcome.report, HasSubstr("atomic_set"));  // the race diagram's steps
  EXPECT_THAT(outcome.report, HasSubstr("c_api_program.c"));
}

TEST(CApiTest, RecursiveLockIsAnAaDeadlock) {
  const Outcome outcome = ExploreC(&c_program_recursive_lock, RACEFUZZ_STRATEGY_PCT, 1);
  ASSERT_TRUE(outcome.failed);
  EXPECT_THAT(outcome.report, HasSubstr("AA deadlock: recursive mutex_lock of 'recursive_lock'"));
}

TEST(CApiTest, UnbalancedPutIsARefcountUnderflow) {
  const Outcome outcome = ExploreC(&c_program_unbalanced_put, RACEFUZZ_STRATEGY_PCT, 1);
  ASSERT_TRUE(outcome.failed);
  EXPECT_THAT(outcome.report, HasSubstr("refcount_t: underflow; use-after-free"));
}

TEST(CApiTest, AWaitNobodyEndsIsADeadlockNamingTheCompletion) {
  const Outcome outcome = ExploreC(&c_program_wait_forever, RACEFUZZ_STRATEGY_PCT, 1);
  ASSERT_TRUE(outcome.failed);
  EXPECT_THAT(outcome.report, HasSubstr("deadlock"));
  EXPECT_THAT(outcome.report, HasSubstr("never_done"));
}

// The bug of c_program_lifetime_bug is a use of freed memory: only a sanitizer sees it.
void ExploreLifetimeBug() {
  ExploreC(&c_program_lifetime_bug, RACEFUZZ_STRATEGY_RANDOM, 2000);
  std::exit(0);  // not found: the death test fails
}

TEST(CApiTest, AsanCatchesTheCLifetimeBugWithTheRaceDiagram) {
#if !defined(RACEFUZZ_ASAN)
  GTEST_SKIP() << "needs the asan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(ExploreLifetimeBug(),
               "AddressSanitizer: heap-use-after-free.*reader_without_reference.*Race diagram");
#endif
}

TEST(CApiTest, TsanCatchesTheCLifetimeBugWithTheRaceDiagram) {
#if !defined(RACEFUZZ_TSAN)
  GTEST_SKIP() << "needs the tsan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // Which report depends on the schedule: the read after the free (heap-use-after-free)
  // or the free after an unordered read (a data race on the freed object). Both are the bug.
  EXPECT_DEATH(ExploreLifetimeBug(),
               "ThreadSanitizer: (heap-use-after-free|data race).*reader_without_reference.*"
               "Race diagram");
#endif
}

}  // namespace
}  // namespace racefuzz
