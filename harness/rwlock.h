// RwLock: a kernel rw_semaphore for code under test: many readers or one writer.
// Inside an execution, contended acquisition blocks the logical thread. Recursive write locking and unbalanced unlocks are
// reported. TSan gets release on unlock and acquire on lock, as for Mutex. Outside an
// execution it is a std::shared_mutex.
#ifndef RACEFUZZ_HARNESS_RWLOCK_H_
#define RACEFUZZ_HARNESS_RWLOCK_H_

#include <shared_mutex>

#include "harness/source_location.h"
#include "harness/strategy.h"
#include "harness/sync_access.h"
#include "harness/thread_set.h"

namespace racefuzz {

class RwLock {
 public:
  explicit RwLock(const char* name = "rwsem");
  RwLock(const RwLock&) = delete;
  RwLock& operator=(const RwLock&) = delete;

  void ReadLock(SourceLocation location = SourceLocation::Current());     // down_read
  void ReadUnlock(SourceLocation location = SourceLocation::Current());   // up_read
  void WriteLock(SourceLocation location = SourceLocation::Current());    // down_write
  void WriteUnlock(SourceLocation location = SourceLocation::Current());  // up_write

 private:
  const char* name_;
  ThreadId writer_ = kNoThread;
  ThreadSet readers_;
  ThreadSet waiters_;
  SyncSite site_;
  std::shared_mutex real_;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_RWLOCK_H_
