// CondVar: a pthread condition variable (pthread_cond_wait/_signal/_broadcast) over
// racefuzz::Mutex, for code under test written against pthreads or std::condition_variable.
//
// Inside an execution it is modelled:
//  - Wait(mutex) is a yield point, then one atomic step that puts the thread among the
//    waiters and releases the mutex (as glibc registers the waiter under the condvar's
//    internal lock before it lets the mutex go), then the thread blocks; once woken it
//    takes the mutex again through Mutex::Lock, with that lock's own yield point and
//    contention, which is where another thread can barge in before the woken one.
//  - Signal() wakes one waiter, the lowest thread id (so schedules are deterministic);
//    Broadcast() wakes them all. Both are yield points first. A signal with no waiter is
//    lost, as with pthreads; a waiter wakes only by a signal (no spurious wake-ups), so a
//    missing predicate loop shows up only when the schedule makes it matter.
//  - TSan: a signal that wakes someone releases, and a woken waiter acquires, as the
//    futex word both touch orders them; the mutex adds its own unlock/lock order.
//  - A wait nobody will ever signal is a deadlock whose wait-for chain names the condvar.
// Waiting on a mutex the thread does not hold is reported as a bug (POSIX: undefined,
// EPERM with error-checking mutexes). Outside an execution it is a
// std::condition_variable_any over the Mutex's real std::mutex (which, as pthreads may,
// can wake spuriously).
#ifndef RACEFUZZ_HARNESS_CONDVAR_H_
#define RACEFUZZ_HARNESS_CONDVAR_H_

#include <condition_variable>

#include "harness/mutex.h"
#include "harness/source_location.h"
#include "harness/sync_access.h"
#include "harness/thread_set.h"

namespace racefuzz {

class CondVar {
 public:
  explicit CondVar(const char* name = "condvar") : name_(name) {}
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // pthread_cond_wait: the caller holds `mutex`; returns holding it again, after a Signal
  // or Broadcast that came while it waited.
  void Wait(Mutex& mutex, SourceLocation location = SourceLocation::Current());
  // pthread_cond_signal: wakes the waiter with the lowest thread id, if any.
  void Signal(SourceLocation location = SourceLocation::Current());
  // pthread_cond_broadcast: wakes every waiter.
  void Broadcast(SourceLocation location = SourceLocation::Current());
  const char* name() const { return name_; }

 private:
  const char* name_;
  ThreadSet waiters_;
  SyncSite site_;
  std::condition_variable_any real_;  // used only outside an execution
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_CONDVAR_H_
