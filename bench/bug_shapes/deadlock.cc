// ABBA: two threads take two mutexes in opposite orders. One preemption deadlocks them: the
// first holds A and is preempted before taking B; the second takes B and blocks on A; the
// first blocks on B. The harness reports the wait-for cycle.
#include "bench/bug_shapes/bug_shapes.h"
#include "harness/mutex.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz::bench {
namespace {

// Lock() and Unlock(), not MutexLock: when the deadlock stops the execution, the harness
// unwinds T0, which owns the mutexes, before these threads (Scheduler::UnwindNextThread goes
// by thread id after the failing thread), and a MutexLock destructor here would then unlock
// a destroyed mutex.
void TakeBoth(Mutex& first, Mutex& second) {
  first.Lock();
  Yield("work under the first lock");
  second.Lock();
  Yield("work under both locks");
  second.Unlock();
  first.Unlock();
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
