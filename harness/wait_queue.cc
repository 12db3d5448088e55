#include "harness/wait_queue.h"

#include <chrono>

#include "harness/sanitizer_hooks.h"
#include "harness/scheduler.h"

namespace racefuzz {

void WaitQueue::WaitEvent(absl::FunctionRef<bool()> condition, SourceLocation location) {
  Scheduler* s;
  {
    sanitizer::HarnessScope harness_scope;
    s = SyncAccess(site_, Access::kRead, "wait_event", name_, location);
  }
  if (s == nullptr) {
    // Real threads: the condition's state is not protected by our mutex, so poll with a
    // short timeout instead of trusting every wake-up to be seen.
    std::unique_lock<std::mutex> lock(real_mutex_);
    while (!condition()) real_cv_.wait_for(lock, std::chrono::milliseconds(1));
    return;
  }
  // The condition is code under test: evaluated outside the harness scope.
  while (!condition()) {
    sanitizer::HarnessScope harness_scope;
    waiters_.Insert(s->CurrentThread());
    s->Block(WaitTarget{"wait queue", name_, kNoThread}, location);
    sanitizer::Acquire(this);
    s->YieldPoint("wait_event recheck", location, name_);
  }
}

void WaitQueue::WakeUpAll(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  Scheduler* s = SyncAccess(site_, Access::kWrite, "wake_up_all", name_, location);
  if (s == nullptr) {
    std::lock_guard<std::mutex> lock(real_mutex_);
    real_cv_.notify_all();
    return;
  }
  WakeWaiters(*s);
}

void WaitQueue::WakeWaiters(Scheduler& s) {
  sanitizer::Release(this);
  s.WakeAll(waiters_);
}

void Completion::Complete(SourceLocation location) { Signal(/*all=*/false, location); }

void Completion::CompleteAll(SourceLocation location) { Signal(/*all=*/true, location); }

// complete() is one atomic step under the wait queue's lock, and a waiter may free the
// completion as soon as it sees `done`. So the preemption point comes first, and nothing
// touches the object after `done` changes and the waiters are woken.
void Completion::Signal(bool all, SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  Scheduler* s = SyncAccess(site_, Access::kWrite, all ? "complete_all" : "complete",
                            queue_.name(), location);
  if (s == nullptr) {
    std::lock_guard<std::mutex> lock(real_mutex_);
    done_ = all ? kAll : (done_ == kAll ? kAll : done_ + 1);
    queue_.real_cv_.notify_all();
    return;
  }
  // Outside an execution `done_` is guarded by a real mutex; inside one, only one logical
  // thread runs at a time, and a real mutex would give TSan happens-before that the
  // annotations below already state exactly.
  done_ = all ? kAll : (done_ == kAll ? kAll : done_ + 1);
  sanitizer::Release(&done_);  // complete() takes the wait queue lock
  queue_.WakeWaiters(*s);
}

bool Completion::TryWait(SourceLocation) {
  sanitizer::HarnessScope harness_scope;
  std::unique_lock<std::mutex> lock(real_mutex_, std::defer_lock);
  if (Scheduler::Active() == nullptr) lock.lock();
  if (done_ == 0) return false;
  if (done_ != kAll) --done_;
  sanitizer::Acquire(&done_);  // the waiter takes the same lock
  return true;
}

void Completion::Wait(SourceLocation location) {
  queue_.WaitEvent([this, location] { return TryWait(location); }, location);
}

}  // namespace racefuzz
