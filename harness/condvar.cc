#include "harness/condvar.h"

#include "absl/strings/str_format.h"
#include "harness/sanitizer_hooks.h"
#include "harness/scheduler.h"

namespace racefuzz {

void CondVar::Wait(Mutex& mutex, SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  // The preemption point before the wait begins; the caller still holds the mutex here.
  Scheduler* s = SyncAccess(site_, Access::kRead, "cond_wait", name_, location);
  if (s == nullptr) {
    real_.wait(mutex.real_);
    return;
  }
  const ThreadId me = s->CurrentThread();
  if (mutex.owner_ != me) {
    s->Fail(FailureKind::kLockMisuse,
            absl::StrFormat("cond_wait on '%s' without holding '%s'", name_, mutex.name()), "",
            location);
  }
  // From here to Block no scheduling point: joining the waiters and releasing the mutex is
  // one step, so a signal sent after the mutex is free always finds this thread waiting.
  waiters_.Insert(me);
  mutex.ReleaseForWait(*s, location);
  // If a failure stops the execution while this thread waits, Block throws and nothing here
  // is touched again (the objects may be gone); the caller's guard then unlocks a mutex
  // this thread does not hold, which Mutex::Unlock lets pass while unwinding.
  s->Block(WaitTarget{"condvar", name_, kNoThread}, location);
  sanitizer::Acquire(this);  // ordered after the signal that woke us
  mutex.Lock(location);
}

void CondVar::Signal(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  Scheduler* s = SyncAccess(site_, Access::kWrite, "cond_signal", name_, location);
  if (s == nullptr) {
    real_.notify_one();
    return;
  }
  const ThreadId waiter = waiters_.TakeFirst();
  if (waiter == kNoThread) return;  // nobody waits: the signal is lost, as with pthreads
  sanitizer::Release(this);
  s->Wake(waiter);
}

void CondVar::Broadcast(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  Scheduler* s = SyncAccess(site_, Access::kWrite, "cond_broadcast", name_, location);
  if (s == nullptr) {
    real_.notify_all();
    return;
  }
  if (waiters_.empty()) return;
  sanitizer::Release(this);
  s->WakeAll(waiters_);
}

}  // namespace racefuzz
