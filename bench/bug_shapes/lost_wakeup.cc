// Lost wake-up: the sleeper checks for work and, finding none, announces that it sleeps and
// sleeps until woken; the waker queues work and wakes the sleeper only if it has announced
// itself. The check and the announcement are two steps (the kernel's classic: testing the
// condition before set_current_state()/prepare_to_wait()), so a waker that runs between them
// sees no sleeper and wakes nobody, and the sleeper then sleeps for good: a deadlock, with
// one preemption (the sleeper between check and announcement).
#include "bench/bug_shapes/bug_shapes.h"
#include "harness/atomic.h"
#include "harness/thread.h"
#include "harness/wait_queue.h"
#include "harness/yield.h"

namespace racefuzz::bench {

void LostWakeUp() {
  WaitQueue queue("work_wait");
  Atomic<bool> work(false);
  Atomic<bool> sleeping(false);
  Atomic<bool> woken(false);  // the wake-up itself: what schedule() returns on
  const ThreadId sleeper = SpawnThread(
      [&] {
        if (work.Load()) return;
        sleeping.Store(true);
        // Sleeps until a waker wakes it; the work is not looked at again.
        queue.WaitEvent([&] { return woken.Peek(); });
      },
      "sleeper");
  const ThreadId waker = SpawnThread(
      [&] {
        work.Store(true);
        if (sleeping.Load()) {
          woken.Store(true);
          queue.WakeUpAll();
        }
      },
      "waker");
  JoinThread(sleeper);
  JoinThread(waker);
}

}  // namespace racefuzz::bench
