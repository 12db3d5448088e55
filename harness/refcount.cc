#include "harness/refcount.h"

#include <climits>

#include "harness/sanitizer_hooks.h"
#include "harness/scheduler.h"
#include "harness/yield.h"

namespace racefuzz {
namespace {

// The kernel's messages (lib/refcount.c, refcount_warn_saturate).
void ReportMisuse(const char* what, SourceLocation location) {
  ReportBug(FailureKind::kRefcount, std::string("refcount_t: ") + what, "", location);
}

}  // namespace

void Refcount::Set(int value, SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  SyncAccess(site_, Access::kWrite, "refcount_set", nullptr, location);
  value_.store(value, std::memory_order_relaxed);
}

int Refcount::Read(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  SyncAccess(site_, Access::kRead, "refcount_read", nullptr, location);
  return value_.load(std::memory_order_relaxed);
}

void Refcount::Inc(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  SyncAccess(site_, Access::kReadWrite, "refcount_inc", nullptr, location);
  const int old = value_.fetch_add(1, std::memory_order_relaxed);
  if (old == 0) ReportMisuse("addition on 0; use-after-free", location);
  if (old < 0 || old == INT_MAX) ReportMisuse("saturated; leaking memory", location);
}

bool Refcount::IncNotZero(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  SyncAccess(site_, Access::kReadWrite, "refcount_inc_not_zero", nullptr, location);
  int old = value_.load(std::memory_order_relaxed);
  do {
    if (old == 0) return false;
  } while (!value_.compare_exchange_weak(old, old + 1, std::memory_order_relaxed));
  if (old < 0 || old == INT_MAX) ReportMisuse("saturated; leaking memory", location);
  return true;
}

bool Refcount::DecAndTest(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  SyncAccess(site_, Access::kReadWrite, "refcount_dec_and_test", nullptr, location);
  sanitizer::Release(this);
  const int old = value_.fetch_sub(1, std::memory_order_release);
  if (old == 1) {
    std::atomic_thread_fence(std::memory_order_acquire);
    sanitizer::Acquire(this);
    return true;
  }
  if (old <= 0) ReportMisuse("underflow; use-after-free", location);
  return false;
}

void Refcount::Dec(SourceLocation location) {
  if (DecAndTest(location)) ReportMisuse("decrement hit 0; leaking memory", location);
}

bool Refcount::DecAndMutexLock(Mutex& mutex, SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  // Fast path of the kernel's refcount_dec_and_mutex_lock: drop a reference that is not
  // the last without taking the mutex.
  SyncAccess(site_, Access::kReadWrite, "refcount_dec_not_one", nullptr, location);
  int old = value_.load(std::memory_order_relaxed);
  while (old != 1) {
    if (old <= 0) {
      ReportMisuse("underflow; use-after-free", location);
    }
    sanitizer::Release(this);
    if (value_.compare_exchange_weak(old, old - 1, std::memory_order_release)) return false;
  }
  mutex.Lock(location);
  if (!DecAndTest(location)) {
    mutex.Unlock(location);
    return false;
  }
  return true;
}

int KRef::Put(Release release, SourceLocation location) {
  if (refcount_.DecAndTest(location)) {
    release(this);
    return 1;
  }
  return 0;
}

int KRef::PutMutex(Release release, Mutex& mutex, SourceLocation location) {
  if (refcount_.DecAndMutexLock(mutex, location)) {
    release(this);
    return 1;
  }
  return 0;
}

}  // namespace racefuzz
