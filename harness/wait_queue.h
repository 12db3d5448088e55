// WaitQueue and Completion: the kernel's wait_queue_head_t with wait_event()/wake_up_all(),
// and struct completion (kernel/sched/completion.c), for code under test.
//
// Waiting blocks the logical thread, so a wait nobody will ever satisfy shows up as a
// deadlock with its wait-for chain. Waking releases and a woken waiter acquires (TSan), as
// the kernel's wake-up implies a full barrier for a task it wakes. Outside an execution they
// use a condition variable.
#ifndef RACEFUZZ_HARNESS_WAIT_QUEUE_H_
#define RACEFUZZ_HARNESS_WAIT_QUEUE_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "absl/functional/function_ref.h"
#include "harness/source_location.h"
#include "harness/sync_access.h"
#include "harness/thread_set.h"

namespace racefuzz {

class Scheduler;

class WaitQueue {
 public:
  explicit WaitQueue(const char* name = "wait_queue") : name_(name) {}
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;

  // wait_event(wq, condition): returns once `condition` holds. The condition is evaluated
  // by the waiter, so it may read state other threads change before they wake the queue.
  void WaitEvent(absl::FunctionRef<bool()> condition,
                 SourceLocation location = SourceLocation::Current());
  // wake_up_all(wq).
  void WakeUpAll(SourceLocation location = SourceLocation::Current());
  const char* name() const { return name_; }

 private:
  friend class Completion;
  // The wake-up itself, without a preemption point (the caller had one).
  void WakeWaiters(Scheduler& s);

  const char* name_;
  ThreadSet waiters_;
  SyncSite site_;
  std::mutex real_mutex_;
  std::condition_variable real_cv_;
};

class Completion {
 public:
  explicit Completion(const char* name = "completion") : queue_(name) {}

  void Complete(SourceLocation location = SourceLocation::Current());     // complete()
  void CompleteAll(SourceLocation location = SourceLocation::Current());  // complete_all()
  void Wait(SourceLocation location = SourceLocation::Current());  // wait_for_completion()
  bool TryWait(SourceLocation location = SourceLocation::Current());  // try_wait_for_completion
  void Reinit() { done_ = 0; }                                        // reinit_completion()

 private:
  static constexpr unsigned kAll = UINT32_MAX;
  void Signal(bool all, SourceLocation location);

  WaitQueue queue_;
  SyncSite site_;
  unsigned done_ = 0;
  std::mutex real_mutex_;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_WAIT_QUEUE_H_
