#include "tests/harness/determinism_workload.h"

#include "harness/atomic.h"
#include "harness/mutex.h"
#include "harness/refcount.h"
#include "harness/rwlock.h"
#include "harness/thread.h"
#include "harness/wait_queue.h"
#include "harness/yield.h"

namespace racefuzz::testing {

void DeterminismWorkload() {
  Mutex lock("state_lock");
  RwLock rw("table_sem");
  Atomic<int> flag(0);
  Refcount users(1);
  Completion done("done");
  int state = 0;
  auto worker = [&](int id) {
    Annotate(id == 1 ? "worker one" : "worker two");
    users.Inc();
    rw.ReadLock();
    {
      MutexLock guard(lock);
      state += id;
    }
    rw.ReadUnlock();
    flag.FetchAdd(1);
    if (users.DecAndTest()) done.Complete();
  };
  ThreadId a = SpawnThread([&] { worker(1); }, "one");
  ThreadId b = SpawnThread([&] { worker(2); }, "two");
  rw.WriteLock();
  state *= 2;
  rw.WriteUnlock();
  Yield("main_mid");
  if (users.DecAndTest()) done.Complete();
  done.Wait();
  JoinThread(a);
  JoinThread(b);
  RACEFUZZ_CHECK(flag.Load() == 2, "both workers ran");
}

void DeadlockWorkload() {
  Mutex a("lock_a");
  Mutex b("lock_b");
  ThreadId t = SpawnThread([&] {
    MutexLock la(a);
    MutexLock lb(b);
  }, "ab");
  {
    MutexLock lb(b);
    MutexLock la(a);
  }
  JoinThread(t);
}

}  // namespace racefuzz::testing
