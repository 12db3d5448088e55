#include "harness/mutex.h"

#include "absl/strings/str_format.h"
#include "harness/sanitizer_hooks.h"
#include "harness/scheduler.h"

namespace racefuzz {

Mutex::Mutex(const char* name) : name_(name) {}

bool Mutex::HeldByCurrentThread() const {
  sanitizer::HarnessScope harness_scope;
  const Scheduler* s = Scheduler::Active();
  return s != nullptr && owner_ != kNoThread && owner_ == s->CurrentThread();
}

void Mutex::Acquired(SourceLocation location) {
  owner_ = Scheduler::Active()->CurrentThread();
  sanitizer::Acquire(this);  // ordered after the previous owner's unlock
}

void Mutex::Lock(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  Scheduler* s = SyncAccess(site_, Access::kReadWrite, "mutex_lock", name_, location);
  if (s == nullptr) {
    real_.lock();
    return;
  }
  const ThreadId me = s->CurrentThread();
  if (owner_ == me) {
    s->Fail(FailureKind::kDeadlock, absl::StrFormat("AA deadlock: recursive mutex_lock of '%s'", name_),
            absl::StrFormat("%s already holds '%s' and tries to take it again.", s->ThreadName(me),
                            name_),
            location);
  }
  while (owner_ != kNoThread) {
    waiters_.Insert(me);
    s->Block(WaitTarget{"mutex", name_, owner_}, location);
  }
  Acquired(location);
}

bool Mutex::TryLock(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  Scheduler* s = SyncAccess(site_, Access::kReadWrite, "mutex_trylock", name_, location);
  if (s == nullptr) return real_.try_lock();
  if (owner_ != kNoThread) return false;
  Acquired(location);
  return true;
}

void Mutex::Unlock(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  Scheduler* s = SyncAccess(site_, Access::kWrite, "mutex_unlock", name_, location);
  if (s == nullptr) {
    real_.unlock();
    return;
  }
  const ThreadId me = s->CurrentThread();
  if (owner_ != me) {
    // While a failure unwinds the execution, a guard may let go of a mutex its thread does
    // not hold: one unwound from CondVar::Wait gave it up to wait. That is the unwinding's
    // doing, and the first failure is the report anyway; unwinding goes on.
    if (s->unwinding()) return;
    s->Fail(FailureKind::kLockMisuse,
            owner_ == kNoThread
                ? absl::StrFormat("mutex_unlock of '%s', which is not locked", name_)
                : absl::StrFormat("mutex_unlock of '%s' by %s, but %s owns it", name_,
                                  s->ThreadName(me), s->ThreadName(owner_)),
            "", location);
  }
  Release(*s);
}

void Mutex::Release(Scheduler& s) {
  sanitizer::Release(this);
  owner_ = kNoThread;
  // Every waiter competes again; the strategy decides who gets it.
  s.WakeAll(waiters_);
}

void Mutex::ReleaseForWait(Scheduler& s, SourceLocation location) {
  site_.last_writer = location.SiteId();  // what SyncAccess records for an unlock
  Release(s);
}

}  // namespace racefuzz
