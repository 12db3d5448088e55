// twostage_N (SCTBench CS/twostage_N's shape): publishers update shared state in two stages,
// each under its own mutex: data1 = 1 under m1, then data2 = data1 + 1 under m2. A reader
// that sees data1 == 1 under m1 expects data2 == data1 + 1 under m2. One preemption exposes
// it: a publisher between its two stages, with the reader running then. With many
// publishers the window is one of many short ones.
//
// kTwoStageThreads publishers-and-reader plus T0: more than the engine's 64 logical threads
// until that limit is raised; the suite then reports this program as skipped.
#include <vector>

#include "bench/bug_shapes/bug_shapes.h"
#include "harness/mutex.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz::bench {

void TwoStage100() {
  Mutex m1("m1");
  Mutex m2("m2");
  int data1 = 0;  // guarded by m1
  int data2 = 0;  // guarded by m2
  std::vector<ThreadId> spawned;
  // Lock() and Unlock(), not MutexLock: when the check fails, the harness unwinds T0, which
  // owns the mutexes, before the publishers (Scheduler::UnwindNextThread goes by thread id
  // after the failing thread), and a MutexLock destructor in a publisher would then unlock a
  // destroyed mutex.
  for (int i = 0; i < kTwoStageThreads - 1; ++i) {
    spawned.push_back(SpawnThread([&] {
      m1.Lock();
      data1 = 1;
      const int published = data1;
      m1.Unlock();
      m2.Lock();
      data2 = published + 1;
      m2.Unlock();
    }));
  }
  spawned.push_back(SpawnThread(
      [&] {
        m1.Lock();
        const int seen1 = data1;
        m1.Unlock();
        if (seen1 != 1) return;
        m2.Lock();
        const int seen2 = data2;
        m2.Unlock();
        RACEFUZZ_CHECK(seen2 == seen1 + 1, "reader saw stage one without stage two");
      },
      "reader"));
  for (ThreadId t : spawned) JoinThread(t);
}

}  // namespace racefuzz::bench
