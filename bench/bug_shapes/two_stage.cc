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
  for (int i = 0; i < kTwoStageThreads - 1; ++i) {
    spawned.push_back(SpawnThread([&] {
      int published;
      {
        MutexLock lock(m1);
        data1 = 1;
        published = data1;
      }
      MutexLock lock(m2);
      data2 = published + 1;
    }));
  }
  spawned.push_back(SpawnThread(
      [&] {
        int seen1;
        {
          MutexLock lock(m1);
          seen1 = data1;
        }
        if (seen1 != 1) return;
        MutexLock lock(m2);
        RACEFUZZ_CHECK(data2 == seen1 + 1, "reader saw stage one without stage two");
      },
      "reader"));
  for (ThreadId t : spawned) JoinThread(t);
}

}  // namespace racefuzz::bench
