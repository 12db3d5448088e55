// ABBA: two threads take two mutexes in opposite orders. One preemption deadlocks them: the
// first holds A and is preempted before taking B; the second takes B and blocks on A; the
// first blocks on B. The harness reports the wait-for cycle.
#include "bench/bug_shapes/bug_shapes.h"
#include "harness/mutex.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz::bench {
namespace {

void TakeBoth(Mutex& first, Mutex& second) {
  MutexLock outer(first);
  Yield("work under the first lock");
  MutexLock inner(second);
  Yield("work under both locks");
}

}  // namespace

void LockOrderInversion() {
  Mutex a("lock_a");
  Mutex b("lock_b");
  const ThreadId forward = SpawnThread([&] { TakeBoth(a, b); }, "a_then_b");
  const ThreadId backward = SpawnThread([&] { TakeBoth(b, a); }, "b_then_a");
  JoinThread(forward);
  JoinThread(backward);
}

}  // namespace racefuzz::bench
