// Refcount and KRef: Linux refcount_t (include/linux/refcount.h) and kref
// (include/linux/kref.h) for code under test.
//
// The kernel detects misuse and WARNs: increment from zero ("addition on 0;
// use-after-free"), decrement below zero ("underflow; use-after-free"), and overflow
// ("saturated; leaking memory"). racefuzz reports each as a bug that stops the execution.
// Every operation is a yield point. For TSan, a decrement releases and the decrement that
// reaches zero acquires (refcount_dec_and_test's documented ordering), so a release
// function that frees the object is ordered after every earlier put; increments create no
// ordering, as in the kernel.
#ifndef RACEFUZZ_HARNESS_REFCOUNT_H_
#define RACEFUZZ_HARNESS_REFCOUNT_H_

#include <atomic>

#include "harness/mutex.h"
#include "harness/source_location.h"
#include "harness/sync_access.h"

namespace racefuzz {

class Refcount {
 public:
  explicit Refcount(int initial = 1) : value_(initial) {}

  void Set(int value, SourceLocation location = SourceLocation::Current());  // refcount_set
  int Read(SourceLocation location = SourceLocation::Current());             // refcount_read
  void Inc(SourceLocation location = SourceLocation::Current());             // refcount_inc
  bool IncNotZero(SourceLocation location = SourceLocation::Current());  // refcount_inc_not_zero
  void Dec(SourceLocation location = SourceLocation::Current());             // refcount_dec
  bool DecAndTest(SourceLocation location = SourceLocation::Current());  // refcount_dec_and_test
  // refcount_dec_and_mutex_lock: returns true, with `mutex` held, if the count reached zero.
  bool DecAndMutexLock(Mutex& mutex, SourceLocation location = SourceLocation::Current());

  // The value without a yield point or reads-from record, for invariant checks at
  // quiescence.
  int Peek() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> value_;
  SyncSite site_;
};

class KRef {
 public:
  using Release = void (*)(KRef*);

  KRef() : refcount_(1) {}
  void Init(SourceLocation location = SourceLocation::Current()) { refcount_.Set(1, location); }
  void Get(SourceLocation location = SourceLocation::Current()) { refcount_.Inc(location); }
  // kref_get_unless_zero: false if the object is already on its way to release.
  bool GetUnlessZero(SourceLocation location = SourceLocation::Current()) {
    return refcount_.IncNotZero(location);
  }
  // kref_put: calls release (which typically frees the object) when the count hits zero;
  // returns 1 then, 0 otherwise.
  int Put(Release release, SourceLocation location = SourceLocation::Current());
  // kref_put_mutex: release is called with `mutex` held and must unlock it.
  int PutMutex(Release release, Mutex& mutex,
               SourceLocation location = SourceLocation::Current());
  unsigned Read(SourceLocation location = SourceLocation::Current()) {
    return static_cast<unsigned>(refcount_.Read(location));
  }
  int Peek() const { return refcount_.Peek(); }

 private:
  Refcount refcount_;
};

// container_of: the object of type T whose member `member` is at `pointer`. The offset is
// measured on static storage, never on a null pointer, so UBSan has nothing to object to.
template <typename T, typename M>
T* ContainerOf(M* pointer, M T::*member) {
  alignas(T) static unsigned char probe[sizeof(T)];
  auto* base = reinterpret_cast<T*>(probe);
  const auto offset =
      reinterpret_cast<char*>(&(base->*member)) - reinterpret_cast<char*>(base);
  return reinterpret_cast<T*>(reinterpret_cast<char*>(pointer) - offset);
}

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_REFCOUNT_H_
