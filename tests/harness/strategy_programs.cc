#include "tests/harness/strategy_programs.h"

#include "harness/atomic.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz::testing {

void PublishBeforeInit(bool& observed_uninitialised) {
  // Relaxed atomics: TSan sees no data race, the ordering bug stays.
  Atomic<int> data(0);
  Atomic<bool> ready(false);
  ThreadId reader = SpawnThread(
      [&] {
        Yield("load_ready");
        if (ready.Load(std::memory_order_relaxed)) {
          Yield("load_data");
          if (data.Load(std::memory_order_relaxed) == 0) observed_uninitialised = true;
        }
      },
      "reader");
  for (int i = 0; i < 5; ++i) Yield("prepare");
  Yield("store_ready");
  ready.Store(true, std::memory_order_relaxed);
  Yield("store_data");
  data.Store(1, std::memory_order_relaxed);
  JoinThread(reader);
}

void HandBackAfterTwoPreemptions(bool& bug) {
  Atomic<int> flag(0);
  bool seen = false;  // T1's own state
  ThreadId t1 = SpawnThread(
      [&] {
        Yield("t1_start");
        if (flag.Load(std::memory_order_relaxed) == 1) seen = true;
        Yield("t1_middle");
        if (seen && flag.Load(std::memory_order_relaxed) == 2) bug = true;
      },
      "T1");
  flag.Store(1, std::memory_order_relaxed);
  Yield("t0_middle");
  flag.Store(2, std::memory_order_relaxed);
  JoinThread(t1);
}

void WaitForFlag(bool say_spin) {
  Atomic<bool> flag(false);
  const ThreadId setter = SpawnThread(
      [&] {
        for (int i = 0; i < 3; ++i) Yield("work");
        flag.Store(true);
      },
      "setter");
  while (!flag.Load()) {
    if (say_spin) {
      Spin("flag");
    } else {
      Yield("retry");
    }
  }
  JoinThread(setter);
}

}  // namespace racefuzz::testing
