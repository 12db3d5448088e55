#include "harness/refcount.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/explore.h"
#include "harness/random_strategy.h"
#include "harness/scheduler.h"
#include "harness/thread.h"

namespace racefuzz {
namespace {

using ::testing::HasSubstr;

struct Object {
  int payload = 7;
  KRef kref;
};

int g_released = 0;
void ReleaseObject(KRef* kref) {
  ++g_released;
  delete ContainerOf(kref, &Object::kref);
}

ExecutionResult RunOnce(Scheduler& scheduler, const std::function<void()>& body) {
  static RandomStrategy strategy(1);
  ExecutionOptions options;
  options.strategy = &strategy;
  return scheduler.Run(options, [&] { body(); });
}

TEST(KRefTest, LastPutReleasesExactlyOnce) {
  Scheduler scheduler;
  g_released = 0;
  ExecutionResult r = RunOnce(scheduler, [] {
    auto* obj = new Object;
    obj->kref.Get();
    EXPECT_EQ(obj->kref.Read(), 2u);
    EXPECT_EQ(obj->kref.Put(&ReleaseObject), 0);
    EXPECT_EQ(obj->kref.Put(&ReleaseObject), 1);
  });
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(g_released, 1);
}

TEST(KRefTest, UnderflowIsReportedAsRefcountBug) {
  Scheduler scheduler;
  ExecutionResult r = RunOnce(scheduler, [] {
    Refcount count(0);
    count.DecAndTest();
  });
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.failure.kind, FailureKind::kRefcount);
  EXPECT_EQ(r.failure.title, "refcount_t: underflow; use-after-free");
  EXPECT_EQ(r.failure.location.Basename(), "refcount_test.cc");
}

TEST(KRefTest, IncrementFromZeroIsReported) {
  Scheduler scheduler;
  ExecutionResult r = RunOnce(scheduler, [] {
    Refcount count(0);
    count.Inc();
  });
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.failure.title, "refcount_t: addition on 0; use-after-free");
}

TEST(KRefTest, SaturationIsReported) {
  Scheduler scheduler;
  ExecutionResult r = RunOnce(scheduler, [] {
    Refcount count(INT_MAX);
    count.Inc();
  });
  ASSERT_TRUE(r.failed());
  EXPECT_THAT(r.failure.title, HasSubstr("saturated"));
}

TEST(KRefTest, GetUnlessZeroFailsOnceReleaseStarted) {
  Scheduler scheduler;
  ExecutionResult r = RunOnce(scheduler, [] {
    Refcount count(1);
    EXPECT_TRUE(count.DecAndTest());
    Refcount zero(0);
    EXPECT_FALSE(zero.IncNotZero());
    EXPECT_EQ(zero.Peek(), 0);
  });
  EXPECT_FALSE(r.failed());
}

TEST(KRefTest, PutMutexCallsReleaseWithMutexHeld) {
  Scheduler scheduler;
  static Mutex* lock = nullptr;
  static bool held_in_release = false;
  ExecutionResult r = RunOnce(scheduler, [] {
    Mutex m("list_lock");
    lock = &m;
    auto* obj = new Object;
    obj->kref.PutMutex(
        [](KRef* k) {
          held_in_release = lock->HeldByCurrentThread();
          lock->Unlock();
          delete ContainerOf(k, &Object::kref);
        },
        m);
  });
  EXPECT_FALSE(r.failed()) << scheduler.FormatReport(r.failure);
  EXPECT_TRUE(held_in_release);
}

// The classic lookup-vs-release race (what the dma-heap review is about): a lookup that
// does kref_get() instead of kref_get_unless_zero() on an object whose last reference is
// being dropped increments from zero. Exploration must find it.
TEST(KRefTest, ExplorationFindsGetAfterLastPut) {
  ExploreOptions options;
  options.strategy = ExploreStrategy::kPct;
  options.executions = 500;
  ExploreResult result = Explore(options, [] {
    Refcount count(1);
    ThreadId putter = SpawnThread([&] { count.DecAndTest(); }, "putter");
    count.Inc();  // should be IncNotZero
    JoinThread(putter);
  });
  ASSERT_TRUE(result.failed());
  EXPECT_EQ(result.failure.kind, FailureKind::kRefcount);
  EXPECT_THAT(result.report, HasSubstr("refcount_inc"));
  EXPECT_THAT(result.report, HasSubstr("putter"));
}

TEST(KRefTest, WorksOnRealThreadsOutsideAnExecution) {
  g_released = 0;
  auto* obj = new Object;
  obj->kref.Get();
  std::thread other([obj] { obj->kref.Put(&ReleaseObject); });
  other.join();
  obj->kref.Put(&ReleaseObject);
  EXPECT_EQ(g_released, 1);
}

}  // namespace
}  // namespace racefuzz
