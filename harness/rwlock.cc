#include "harness/rwlock.h"

#include "absl/strings/str_format.h"
#include "harness/sanitizer_hooks.h"
#include "harness/scheduler.h"

namespace racefuzz {

RwLock::RwLock(const char* name) : name_(name) {}

void RwLock::ReadLock(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  Scheduler* s = SyncAccess(site_, Access::kRead, "down_read", name_, location);
  if (s == nullptr) {
    real_.lock_shared();
    return;
  }
  const ThreadId me = s->CurrentThread();
  if (writer_ == me) {
    s->Fail(FailureKind::kDeadlock, absl::StrFormat("AA deadlock: down_read of '%s' held for write", name_),
            "", location);
  }
  while (writer_ != kNoThread) {
    waiters_.Insert(me);
    s->Block(WaitTarget{"rwsem (read)", name_, writer_}, location);
  }
  readers_.Insert(me);
  sanitizer::Acquire(this);  // after the last writer's unlock
}

void RwLock::ReadUnlock(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  Scheduler* s = SyncAccess(site_, Access::kWrite, "up_read", name_, location);
  if (s == nullptr) {
    real_.unlock_shared();
    return;
  }
  const ThreadId me = s->CurrentThread();
  if (!readers_.Contains(me)) {
    s->Fail(FailureKind::kLockMisuse, absl::StrFormat("up_read of '%s' not held for read", name_),
            "", location);
  }
  sanitizer::Release(this);  // merges: the next writer is ordered after every reader
  readers_.Erase(me);
  if (readers_.empty()) s->WakeAll(waiters_);
}

void RwLock::WriteLock(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  Scheduler* s = SyncAccess(site_, Access::kReadWrite, "down_write", name_, location);
  if (s == nullptr) {
    real_.lock();
    return;
  }
  const ThreadId me = s->CurrentThread();
  if (writer_ == me || readers_.Contains(me)) {
    s->Fail(FailureKind::kDeadlock,
            absl::StrFormat("AA deadlock: down_write of '%s' already held by this thread", name_),
            "", location);
  }
  while (writer_ != kNoThread || !readers_.empty()) {
    waiters_.Insert(me);
    const ThreadId holder = writer_ != kNoThread ? writer_ : readers_.First();
    s->Block(WaitTarget{"rwsem (write)", name_, holder}, location);
  }
  writer_ = me;
  sanitizer::Acquire(this);
}

void RwLock::WriteUnlock(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  Scheduler* s = SyncAccess(site_, Access::kWrite, "up_write", name_, location);
  if (s == nullptr) {
    real_.unlock();
    return;
  }
  if (writer_ != s->CurrentThread()) {
    s->Fail(FailureKind::kLockMisuse, absl::StrFormat("up_write of '%s' not held for write", name_),
            "", location);
  }
  sanitizer::Release(this);
  writer_ = kNoThread;
  s->WakeAll(waiters_);
}

}  // namespace racefuzz
