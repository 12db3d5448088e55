// A user's own concurrent code checked with racefuzz::Explore from outside racefuzz's build
// (tests/consumer/CMakeLists.txt): a queue whose Pop checks and pops in two critical
// sections, the same queue fixed, and in sanitizer builds a data race and a use-after-free
// between logical threads.
#include <deque>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/explore.h"
#include "harness/mutex.h"
#include "harness/thread.h"
#include "harness/yield.h"

// The harness's sanitizer defines must reach code that includes its headers.
#if defined(CONSUMER_SANITIZER_address)
static_assert(RACEFUZZ_ASAN == 1, "racefuzz_harness did not pass RACEFUZZ_ASAN on");
#elif defined(CONSUMER_SANITIZER_thread)
static_assert(RACEFUZZ_TSAN == 1, "racefuzz_harness did not pass RACEFUZZ_TSAN on");
extern "C" const char* __tsan_default_options() { return "halt_on_error=1"; }
#elif defined(CONSUMER_SANITIZER_none)
#if defined(RACEFUZZ_ASAN) || defined(RACEFUZZ_TSAN) || defined(RACEFUZZ_UBSAN)
#error "a build without sanitizers must not define RACEFUZZ_ASAN, _TSAN or _UBSAN"
#endif
#endif

namespace {

using ::testing::HasSubstr;

class Queue {
 public:
  explicit Queue(bool check_then_pop) : check_then_pop_(check_then_pop) {}

  void Push(int v) {
    racefuzz::MutexLock lock(mutex_);
    items_.push_back(v);
  }

  // Returns false when the queue is empty. With check_then_pop (the bug) it checks under the
  // lock, drops it, and takes it again to pop: two poppers of one item can both see it.
  bool Pop(int* out) {
    if (check_then_pop_) {
      racefuzz::MutexLock lock(mutex_);
      if (items_.empty()) return false;
    }
    racefuzz::MutexLock lock(mutex_);
    if (items_.empty()) {
      RACEFUZZ_CHECK(!check_then_pop_, "Pop found the queue it had checked emptied");
      return false;
    }
    *out = items_.front();
    items_.pop_front();
    return true;
  }

 private:
  const bool check_then_pop_;
  racefuzz::Mutex mutex_{"queue_lock"};
  std::deque<int> items_;
};

// Two logical threads pop the queue's one item.
void TwoPoppers(bool fixed) {
  Queue q(/*check_then_pop=*/!fixed);
  q.Push(1);
  int a = 0;
  int b = 0;
  const racefuzz::ThreadId t = racefuzz::SpawnThread([&] { q.Pop(&a); }, "popper");
  q.Pop(&b);
  racefuzz::JoinThread(t);
  RACEFUZZ_CHECK(a + b == 1, "the one item was popped once");
}

TEST(ConsumerQueue, CheckThenPopRaceIsFoundAndReplays) {
  racefuzz::ExploreOptions options;
  options.strategy = racefuzz::ExploreStrategy::kPct;
  options.executions = 1000;
  const racefuzz::ExploreResult found = racefuzz::Explore(options, [] { TwoPoppers(false); });
  ASSERT_TRUE(found.failed()) << "1000 PCT schedules did not find the check-then-pop race";
  EXPECT_THAT(found.report, HasSubstr("Pop found the queue it had checked emptied"));
  EXPECT_THAT(found.report, HasSubstr("Race diagram"));
  EXPECT_THAT(found.report, HasSubstr("queue_test.cc"));

  racefuzz::ExploreOptions replay;
  replay.strategy = racefuzz::ExploreStrategy::kReplay;
  replay.replay = found.decisions;
  const racefuzz::ExploreResult again = racefuzz::Explore(replay, [] { TwoPoppers(false); });
  ASSERT_TRUE(again.failed());
  // The same interleaving: the same trace and failure (the report names the strategy, so
  // it differs in that one line).
  EXPECT_EQ(again.trace_hash, found.trace_hash);
  EXPECT_EQ(again.failure.title, found.failure.title);
  EXPECT_EQ(again.failure.location.line, found.failure.location.line);
}

TEST(ConsumerQueue, PopUnderOneLockIsClean) {
  racefuzz::ExploreOptions options;
  options.strategy = racefuzz::ExploreStrategy::kPct;
  options.executions = 1000;
  const racefuzz::ExploreResult result = racefuzz::Explore(options, [] { TwoPoppers(true); });
  EXPECT_FALSE(result.failed()) << result.report;
  EXPECT_EQ(result.executions_run, 1000u);
}

// A counter both logical threads increment, with or without the queue's kind of mutex.
racefuzz::ExploreResult SharedCounter(bool locked) {
  racefuzz::ExploreOptions options;
  options.executions = 20;
  return racefuzz::Explore(options, [locked] {
    racefuzz::Mutex mutex("counter_lock");
    auto counter = std::make_unique<int>(0);
    auto increment = [&] {
      if (locked) mutex.Lock();
      ++*counter;
      if (locked) mutex.Unlock();
    };
    const racefuzz::ThreadId t = racefuzz::SpawnThread(increment, "incrementer");
    racefuzz::Yield("before_increment");
    increment();
    racefuzz::JoinThread(t);
  });
}

TEST(ConsumerSanitizers, MutexProtectedCounterIsClean) {
  // Under TSan a report would stop the process (halt_on_error) and fail this test.
  const racefuzz::ExploreResult result = SharedCounter(true);
  EXPECT_FALSE(result.failed()) << result.report;
  EXPECT_EQ(result.executions_run, 20u);
}

TEST(ConsumerSanitizers, UnsynchronisedCounterIsADataRace) {
#if !defined(CONSUMER_SANITIZER_thread)
  GTEST_SKIP() << "needs a build configured with RACEFUZZ_SANITIZER=thread";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(SharedCounter(false), "ThreadSanitizer: data race.*Race diagram.*FAILED HERE");
#endif
}

TEST(ConsumerSanitizers, UseAfterFreeBetweenThreadsIsReported) {
#if !defined(CONSUMER_SANITIZER_address)
  GTEST_SKIP() << "needs a build configured with RACEFUZZ_SANITIZER=address";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        racefuzz::ExploreOptions options;
        options.executions = 100;
        racefuzz::Explore(options, [] {
          int* shared = new int(7);
          const racefuzz::ThreadId t = racefuzz::SpawnThread([&] { delete shared; }, "freer");
          racefuzz::Yield("before_read");
          volatile int v = *shared;
          (void)v;
          racefuzz::JoinThread(t);
        });
      },
      "heap-use-after-free.*Race diagram.*FAILED HERE");
#endif
}

}  // namespace
