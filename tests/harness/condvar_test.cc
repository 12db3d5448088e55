#include "harness/condvar.h"

#include <algorithm>
#include <cstddef>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/explore.h"
#include "harness/mutex.h"
#include "harness/scheduler.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz {
namespace {

using ::testing::HasSubstr;

enum class ConsumerBug {
  kNone,
  kIfInsteadOfWhile,  // re-checks nothing after waking: another consumer may have barged in
};

// The textbook bounded buffer: one mutex, a condvar per condition.
class BoundedQueue {
 public:
  static constexpr size_t kCapacity = 2;

  void Push(int value) {
    MutexLock lock(mutex_);
    while (items_.size() == kCapacity) not_full_.Wait(mutex_);
    items_.push_back(value);
    not_empty_.Signal();
  }
  // No more pushes: wakes every consumer so that each sees the end.
  void Close() {
    MutexLock lock(mutex_);
    closed_ = true;
    not_empty_.Broadcast();
  }
  // False once the queue is closed and drained.
  bool Pop(int& value, ConsumerBug bug) {
    MutexLock lock(mutex_);
    if (bug == ConsumerBug::kIfInsteadOfWhile) {
      if (items_.empty() && !closed_) not_empty_.Wait(mutex_);
    } else {
      while (items_.empty() && !closed_) not_empty_.Wait(mutex_);
    }
    if (items_.empty()) {
      RACEFUZZ_CHECK(closed_, "consumer woke to an empty queue that is not closed");
      return false;
    }
    value = items_.front();
    items_.pop_front();
    not_full_.Signal();
    return true;
  }

 private:
  Mutex mutex_{"queue_lock"};
  CondVar not_empty_{"not_empty"};
  CondVar not_full_{"not_full"};
  std::deque<int> items_;
  bool closed_ = false;
};

constexpr int kItems = 6;

// One producer and two consumers as logical threads; every item is consumed exactly once.
void ProducerConsumer(ConsumerBug bug) {
  BoundedQueue queue;
  std::vector<int> consumed[2];
  auto consume = [&](int who) {
    int value;
    while (queue.Pop(value, bug)) consumed[who].push_back(value);
  };
  const ThreadId producer = SpawnThread(
      [&] {
        for (int i = 1; i <= kItems; ++i) queue.Push(i);
        queue.Close();
      },
      "producer");
  const ThreadId first = SpawnThread([&] { consume(0); }, "consumer1");
  const ThreadId second = SpawnThread([&] { consume(1); }, "consumer2");
  JoinThread(producer);
  JoinThread(first);
  JoinThread(second);
  std::vector<int> all = consumed[0];
  all.insert(all.end(), consumed[1].begin(), consumed[1].end());
  std::sort(all.begin(), all.end());
  RACEFUZZ_CHECK(all == std::vector<int>({1, 2, 3, 4, 5, 6}), "every item consumed once");
  // Each consumer sees the items in the order they were pushed.
  RACEFUZZ_CHECK(std::is_sorted(consumed[0].begin(), consumed[0].end()), "order of consumer1");
  RACEFUZZ_CHECK(std::is_sorted(consumed[1].begin(), consumed[1].end()), "order of consumer2");
}

TEST(CondVarTest, CorrectBoundedQueuePassesRandomAndPctSchedules) {
  for (ExploreStrategy strategy : {ExploreStrategy::kRandom, ExploreStrategy::kPct}) {
    ExploreOptions options;
    options.strategy = strategy;
    options.executions = 200;
    const ExploreResult result = Explore(options, [] { ProducerConsumer(ConsumerBug::kNone); });
    EXPECT_FALSE(result.failed()) << result.report;
    EXPECT_EQ(result.executions_run, 200u);
  }
}

// Producer signals, a second consumer takes the item before the woken one runs again.
TEST(CondVarTest, IfInsteadOfWhileWithTwoConsumersIsFoundAndReplays) {
  ExploreOptions options;
  options.strategy = ExploreStrategy::kRandom;
  options.executions = 5000;
  const ExploreResult result =
      Explore(options, [] { ProducerConsumer(ConsumerBug::kIfInsteadOfWhile); });
  ASSERT_TRUE(result.failed()) << "not found in " << result.executions_run << " executions";
  EXPECT_EQ(result.failure.kind, FailureKind::kInvariant);
  EXPECT_THAT(result.report, HasSubstr("consumer woke to an empty queue that is not closed"));

  ExploreOptions replay;
  replay.strategy = ExploreStrategy::kReplay;
  replay.replay = result.decisions;
  const ExploreResult again =
      Explore(replay, [] { ProducerConsumer(ConsumerBug::kIfInsteadOfWhile); });
  ASSERT_TRUE(again.failed());
  EXPECT_EQ(again.trace_hash, result.trace_hash);
}

// The consumer waits without looking at the queue: if the producer signals first, the
// signal is lost and the consumer waits for good.
TEST(CondVarTest, SignalBeforeTheWaitWithoutAPredicateIsALostWakeUp) {
  ExploreOptions options;
  options.strategy = ExploreStrategy::kRandom;
  options.executions = 1000;
  const ExploreResult result = Explore(options, [] {
    Mutex mutex("queue_lock");
    CondVar not_empty("not_empty");
    std::deque<int> items;
    const ThreadId consumer = SpawnThread(
        [&] {
          MutexLock lock(mutex);
          not_empty.Wait(mutex);
          items.pop_front();
        },
        "consumer");
    {
      MutexLock lock(mutex);
      items.push_back(1);
      not_empty.Signal();
    }
    JoinThread(consumer);
  });
  ASSERT_TRUE(result.failed());
  EXPECT_EQ(result.failure.kind, FailureKind::kDeadlock);
  EXPECT_THAT(result.report, HasSubstr("consumer waits for condvar 'not_empty'"));
}

TEST(CondVarTest, WaitWithNoSignalIsADeadlockNamingTheCondVar) {
  ExploreOptions options;
  options.strategy = ExploreStrategy::kPct;
  options.executions = 1;
  const ExploreResult result = Explore(options, [] {
    Mutex mutex("state_lock");
    CondVar never("never_signalled");
    MutexLock lock(mutex);
    never.Wait(mutex);
  });
  ASSERT_TRUE(result.failed());
  EXPECT_EQ(result.failure.kind, FailureKind::kDeadlock);
  EXPECT_THAT(result.report, HasSubstr("Wait-for chains:"));
  EXPECT_THAT(result.report, HasSubstr("T0 waits for condvar 'never_signalled' (condvar_test.cc:"));
  EXPECT_THAT(result.report, HasSubstr("which no thread can signal any more"));
}

TEST(CondVarTest, WaitWithoutHoldingTheMutexIsReported) {
  ExploreOptions options;
  options.executions = 1;
  const ExploreResult result = Explore(options, [] {
    Mutex mutex("state_lock");
    CondVar cv("ready");
    cv.Wait(mutex);
  });
  ASSERT_TRUE(result.failed());
  EXPECT_EQ(result.failure.kind, FailureKind::kLockMisuse);
  EXPECT_THAT(result.report, HasSubstr("cond_wait on 'ready' without holding 'state_lock'"));
}

// Three waiters; Signal wakes exactly one, the lowest id, and Broadcast the other two.
// WaitForQuiescence lets every woken thread run as far as it can before T0 looks.
TEST(CondVarTest, SignalWakesExactlyTheLowestWaiterAndBroadcastWakesAll) {
  for (ExploreStrategy strategy : {ExploreStrategy::kRandom, ExploreStrategy::kPct}) {
    int finished = 0;
    ExploreOptions options;
    options.strategy = strategy;
    options.executions = 100;
    const ExploreResult result = Explore(options, [&finished] {
      Mutex mutex("state_lock");
      CondVar cv("wake_me");
      int waiting = 0;
      std::vector<ThreadId> woken;
      auto waiter = [&] {
        MutexLock lock(mutex);
        ++waiting;
        cv.Wait(mutex);
        RACEFUZZ_CHECK(mutex.HeldByCurrentThread(), "Wait returns holding the mutex");
        woken.push_back(Scheduler::Active()->CurrentThread());
      };
      const std::vector<ThreadId> waiters = {SpawnThread(waiter), SpawnThread(waiter),
                                             SpawnThread(waiter)};
      WaitForQuiescence();  // all three wait on cv now
      {
        MutexLock lock(mutex);
        RACEFUZZ_CHECK(waiting == 3 && woken.empty(), "all three wait, none woke by itself");
        cv.Signal();
      }
      WaitForQuiescence();  // the woken one has run to its end, the others still wait
      {
        MutexLock lock(mutex);
        RACEFUZZ_CHECK(woken == std::vector<ThreadId>{waiters[0]}, "Signal woke the lowest only");
        cv.Broadcast();
      }
      for (ThreadId t : waiters) JoinThread(t);
      RACEFUZZ_CHECK(woken.size() == 3, "Broadcast woke the other two");
      ++finished;
    });
    EXPECT_FALSE(result.failed()) << result.report;
    EXPECT_EQ(finished, 100);
  }
}

// A signal nobody waits for wakes nobody later: the next waiter blocks until the next signal.
TEST(CondVarTest, ASignalWithNoWaiterIsNotKept) {
  ExploreOptions options;
  options.executions = 1;
  const ExploreResult result = Explore(options, [] {
    Mutex mutex("state_lock");
    CondVar cv("early");
    cv.Signal();
    cv.Broadcast();
    MutexLock lock(mutex);
    cv.Wait(mutex);
  });
  ASSERT_TRUE(result.failed());
  EXPECT_EQ(result.failure.kind, FailureKind::kDeadlock);
}

// Logs its name when destroyed: only a thread unwound to its first frame logs it.
struct UnwindLog {
  std::vector<std::string>* log;
  std::string name;
  ~UnwindLog() { log->push_back(name); }
};

// A failure in T0 while two threads wait with the mutex's guard on their stacks, with T0
// holding the mutex or not: each waiter unwinds to its first frame (its guard's unlock of a
// mutex it gave up to wait does not stop it), and before T0, whose frames own both objects.
TEST(CondVarTest, AFailureUnwindsEveryWaiterBeforeTheThreadThatOwnsTheObjects) {
  for (bool main_holds_the_mutex : {false, true}) {
    std::vector<std::string> log;
    ExploreOptions options;
    options.executions = 1;
    const ExploreResult result = Explore(options, [&log, main_holds_the_mutex] {
      UnwindLog main_marker{&log, "T0"};
      Mutex mutex("state_lock");
      CondVar cv("never_signalled");
      auto waiter = [&](const char* name) {
        UnwindLog marker{&log, name};  // destroyed after the guard, so not if it fails
        MutexLock lock(mutex);
        cv.Wait(mutex);
      };
      SpawnThread([&] { waiter("T1"); });
      SpawnThread([&] { waiter("T2"); });
      WaitForQuiescence();
      if (main_holds_the_mutex) mutex.Lock();
      ReportBug(FailureKind::kInvariant, "stop while two threads wait");
    });
    ASSERT_TRUE(result.failed());
    EXPECT_EQ(result.failure.title, "stop while two threads wait");
    EXPECT_EQ(log, (std::vector<std::string>{"T2", "T1", "T0"})) << main_holds_the_mutex;
  }
}

// With no execution running, the same queue works across real threads.
TEST(CondVarTest, WorksWithRealThreadsOutsideAnExecution) {
  ASSERT_EQ(Scheduler::Active(), nullptr);
  constexpr int kRealItems = 2000;
  BoundedQueue queue;
  long sums[2] = {0, 0};
  int counts[2] = {0, 0};
  auto consume = [&](int who) {
    int value;
    while (queue.Pop(value, ConsumerBug::kNone)) {
      sums[who] += value;
      ++counts[who];
    }
  };
  std::thread first(consume, 0);
  std::thread second(consume, 1);
  for (int i = 1; i <= kRealItems; ++i) queue.Push(i);
  queue.Close();
  first.join();
  second.join();
  EXPECT_EQ(counts[0] + counts[1], kRealItems);
  EXPECT_EQ(sums[0] + sums[1], long{kRealItems} * (kRealItems + 1) / 2);
}

}  // namespace
}  // namespace racefuzz
