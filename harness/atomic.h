// Atomic<T>: an atomic variable of code under test (atomic_t, READ_ONCE/WRITE_ONCE, flags).
//
// Every access is a yield point and a reads-from record. The value is a std::atomic in the
// code under test's own (instrumented) translation unit, so TSan sees real atomic accesses
// with their memory orders and derives exactly the happens-before they create.
#ifndef RACEFUZZ_HARNESS_ATOMIC_H_
#define RACEFUZZ_HARNESS_ATOMIC_H_

#include <atomic>

#include "harness/source_location.h"
#include "harness/sync_access.h"

namespace racefuzz {

template <typename T>
class Atomic {
 public:
  constexpr Atomic() : value_{} {}
  constexpr explicit Atomic(T initial) : value_(initial) {}
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;

  T Load(std::memory_order order = std::memory_order_seq_cst,
         SourceLocation location = SourceLocation::Current()) {
    SyncAccess(site_, Access::kRead, "atomic_read", nullptr, location);
    return value_.load(order);
  }
  void Store(T value, std::memory_order order = std::memory_order_seq_cst,
             SourceLocation location = SourceLocation::Current()) {
    SyncAccess(site_, Access::kWrite, "atomic_set", nullptr, location);
    value_.store(value, order);
  }
  T FetchAdd(T delta, std::memory_order order = std::memory_order_seq_cst,
             SourceLocation location = SourceLocation::Current()) {
    SyncAccess(site_, Access::kReadWrite, "atomic_fetch_add", nullptr, location);
    return value_.fetch_add(delta, order);
  }
  T FetchSub(T delta, std::memory_order order = std::memory_order_seq_cst,
             SourceLocation location = SourceLocation::Current()) {
    SyncAccess(site_, Access::kReadWrite, "atomic_fetch_sub", nullptr, location);
    return value_.fetch_sub(delta, order);
  }
  T Exchange(T value, std::memory_order order = std::memory_order_seq_cst,
             SourceLocation location = SourceLocation::Current()) {
    SyncAccess(site_, Access::kReadWrite, "atomic_xchg", nullptr, location);
    return value_.exchange(value, order);
  }
  bool CompareExchange(T& expected, T desired,
                       std::memory_order order = std::memory_order_seq_cst,
                       SourceLocation location = SourceLocation::Current()) {
    SyncAccess(site_, Access::kReadWrite, "atomic_cmpxchg", nullptr, location);
    return value_.compare_exchange_strong(expected, desired, order);
  }
  // The value without a yield point, for checks at quiescence.
  T Peek() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<T> value_;
  SyncSite site_;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_ATOMIC_H_
