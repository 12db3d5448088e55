// Mutex: a kernel `struct mutex` for code under test (sleeping, non-recursive, owned).
//
// Inside an execution it is modelled: lock is a yield point, a contended lock blocks the
// logical thread (so deadlocks become wait-for chains), and TSan is told exactly the
// happens-before a mutex creates: unlock releases, lock acquires. (Not TSan's mutex
// annotations: racefuzz tracks ownership itself, and TSan's own lock-state checks would
// misfire when a failed execution is unwound or its objects are destroyed afterwards.) Recursive locking (an AA deadlock), unlock
// of a mutex not held, and unlock by a thread that is not the owner are reported as bugs,
// as lockdep and CONFIG_DEBUG_MUTEXES would. Outside an execution it is a std::mutex.
#ifndef RACEFUZZ_HARNESS_MUTEX_H_
#define RACEFUZZ_HARNESS_MUTEX_H_

#include <mutex>

#include "harness/source_location.h"
#include "harness/strategy.h"
#include "harness/sync_access.h"
#include "harness/thread_set.h"

namespace racefuzz {

class Scheduler;

class Mutex {
 public:
  explicit Mutex(const char* name = "mutex");
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock(SourceLocation location = SourceLocation::Current());
  bool TryLock(SourceLocation location = SourceLocation::Current());
  void Unlock(SourceLocation location = SourceLocation::Current());
  // mutex_is_locked() / lockdep_assert_held(): true if the running logical thread owns it.
  bool HeldByCurrentThread() const;
  bool IsLocked() const { return owner_ != kNoThread; }
  const char* name() const { return name_; }

 private:
  friend class CondVar;
  void Acquired(SourceLocation location);
  // The unlock itself, after the yield point and the owner check.
  void Release(Scheduler& s);
  // CondVar::Wait: the unlock as part of its atomic step, without a yield point of its own.
  void ReleaseForWait(Scheduler& s, SourceLocation location);

  const char* name_;
  ThreadId owner_ = kNoThread;
  ThreadSet waiters_;
  SyncSite site_;
  std::mutex real_;  // used only outside an execution
};

// std::lock_guard-style scope for Mutex.
class MutexLock {
 public:
  explicit MutexLock(Mutex& mutex, SourceLocation location = SourceLocation::Current())
      : mutex_(mutex), location_(location) {
    mutex_.Lock(location);
  }
  ~MutexLock() noexcept(false) { mutex_.Unlock(location_); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
  SourceLocation location_;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_MUTEX_H_
