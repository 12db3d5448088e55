// Scheduler::NoteSanitizerReport: a recovered sanitizer report stops the execution at the
// next scheduling point. Here the report is simulated by calling the hook directly, as the
// ASan error report callback does (a real recovered ASan report is tested end to end with
// the libFuzzer build by tests/fuzz/skip_seen_test.sh).
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/random_strategy.h"
#include "harness/scheduler.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz {
namespace {

using ::testing::HasSubstr;

// Records that it was destroyed: shows a frame was unwound, not abandoned.
struct UnwindMarker {
  std::vector<std::string>* log;
  ~UnwindMarker() { log->push_back("unwound"); }
};

ExecutionResult RunWith(Scheduler& scheduler, FailurePolicy policy,
                        const std::function<void()>& body) {
  RandomStrategy strategy(1);
  ExecutionOptions options;
  options.strategy = &strategy;
  options.on_failure = policy;
  return scheduler.Run(options, [&] { body(); });
}

TEST(SanitizerReportTest, StopsTheExecutionAtTheNextYieldPoint) {
  Scheduler scheduler;
  std::vector<std::string> log;
  const ExecutionResult r = RunWith(scheduler, FailurePolicy::kReturn, [&] {
    UnwindMarker marker{&log};
    Scheduler::Active()->NoteSanitizerReport();
    log.push_back("runs until the next scheduling point");
    Yield("next");
    log.push_back("never runs");
  });
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.failure.kind, FailureKind::kSanitizer);
  EXPECT_EQ(r.failure.title, "sanitizer report above");
  EXPECT_EQ(log, (std::vector<std::string>{"runs until the next scheduling point", "unwound"}));
}

TEST(SanitizerReportTest, StopsWhenTheReportingThreadExits) {
  Scheduler scheduler;
  bool t0_went_on = false;
  const ExecutionResult r = RunWith(scheduler, FailurePolicy::kReturn, [&] {
    const ThreadId t1 = SpawnThread([] { Scheduler::Active()->NoteSanitizerReport(); }, "T1");
    JoinThread(t1);
    t0_went_on = true;
  });
  EXPECT_EQ(r.failure.kind, FailureKind::kSanitizer);
  EXPECT_FALSE(t0_went_on);
}

TEST(SanitizerReportTest, ReportAfterTheLastSchedulingPointFailsTheExecution) {
  Scheduler scheduler;
  const ExecutionResult r = RunWith(scheduler, FailurePolicy::kReturn,
                                    [] { Scheduler::Active()->NoteSanitizerReport(); });
  EXPECT_EQ(r.failure.kind, FailureKind::kSanitizer);
}

TEST(SanitizerReportTest, AHarnessFailureAfterTheReportIsReportedAsTheSanitizerReport) {
  Scheduler scheduler;
  const ExecutionResult r = RunWith(scheduler, FailurePolicy::kReturn, [] {
    Scheduler::Active()->NoteSanitizerReport();
    ReportBug(FailureKind::kInvariant, "a consequence of the memory error");
  });
  EXPECT_EQ(r.failure.kind, FailureKind::kSanitizer);
  EXPECT_EQ(r.failure.title, "sanitizer report above");
}

TEST(SanitizerReportTest, TheNextExecutionStartsClean) {
  Scheduler scheduler;
  ASSERT_TRUE(RunWith(scheduler, FailurePolicy::kReturn, [] {
                Scheduler::Active()->NoteSanitizerReport();
              }).failed());
  int yields = 0;
  const ExecutionResult r = RunWith(scheduler, FailurePolicy::kReturn, [&] {
    for (; yields < 3; ++yields) Yield("clean");
  });
  EXPECT_FALSE(r.failed()) << r.failure.title;
  EXPECT_EQ(yields, 3);
}

TEST(SanitizerReportDeathTest, AbortPolicyPrintsTheRaceDiagramAndAborts) {
  EXPECT_DEATH(
      {
        Scheduler scheduler;
        RunWith(scheduler, FailurePolicy::kAbort, [] {
          Scheduler::Active()->NoteSanitizerReport();
          Yield("next");
        });
      },
      "BUG \\[sanitizer\\]: sanitizer report above(.|\n)*Race diagram");
}

}  // namespace
}  // namespace racefuzz
