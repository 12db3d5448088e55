// The small part of the kernel's vocabulary the model needs: errno values, ERR_PTR,
// page alignment, dev_t, the ioctl number encoding and an intrusive list_head.
// Sources: include/linux/err.h, include/linux/mm.h (PAGE_ALIGN), include/linux/kdev_t.h,
// include/uapi/asm-generic/ioctl.h, include/linux/list.h.
#ifndef RACEFUZZ_HEAPS_KERNEL_H_
#define RACEFUZZ_HEAPS_KERNEL_H_

#include <cerrno>
#include <cstdint>

#include "harness/mutex.h"
#include "harness/refcount.h"
#include "harness/source_location.h"

namespace racefuzz::heaps {

// --- include/linux/err.h: an error code travels in a pointer. ---
inline constexpr intptr_t kMaxErrno = 4095;
template <typename T>
T* ERR_PTR(int error) {
  return reinterpret_cast<T*>(static_cast<intptr_t>(error));
}
inline bool IS_ERR(const void* pointer) {
  return reinterpret_cast<uintptr_t>(pointer) >= static_cast<uintptr_t>(-kMaxErrno);
}
inline int PTR_ERR(const void* pointer) {
  return static_cast<int>(reinterpret_cast<intptr_t>(pointer));
}

// --- include/linux/mm.h ---
inline constexpr uint64_t PAGE_SIZE = 4096;
// PAGE_ALIGN on a 64-bit size_t: lengths within a page of SIZE_MAX wrap to 0.
inline uint64_t PAGE_ALIGN(uint64_t len) { return (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }

// --- include/linux/kdev_t.h ---
using dev_t = uint32_t;
inline constexpr dev_t MKDEV(uint32_t major, uint32_t minor) { return (major << 20) | minor; }
inline constexpr uint32_t MINOR(dev_t dev) { return dev & ((1u << 20) - 1); }
inline constexpr uint32_t MAJOR(dev_t dev) { return dev >> 20; }

// --- include/uapi/asm-generic/ioctl.h ---
inline constexpr uint32_t _IOC_NR(uint32_t cmd) { return cmd & 0xff; }
inline constexpr uint32_t _IOC_SIZE(uint32_t cmd) { return (cmd >> 16) & 0x3fff; }
inline constexpr uint32_t IOC_IN = 1u << 30;   // _IOC_WRITE << _IOC_DIRSHIFT: user -> kernel
inline constexpr uint32_t IOC_OUT = 2u << 30;  // _IOC_READ << _IOC_DIRSHIFT: kernel -> user

// --- include/uapi/asm-generic/fcntl.h ---
inline constexpr uint32_t O_ACCMODE = 00000003;
inline constexpr uint32_t O_RDONLY = 00000000;
inline constexpr uint32_t O_CLOEXEC = 02000000;

// A mutex held in a scope, with explicit mutex_lock()/mutex_unlock() inside it for code
// that drops and retakes the lock. Whatever is still held when the scope ends is unlocked,
// so an execution that a failure unwinds leaves no lock held by a thread that is gone (the
// World that owns the mutex is destroyed later). The kernel's guard(mutex) with extras.
class MutexGuard {
 public:
  enum class State { kUnlocked, kLock, kAdopt };
  explicit MutexGuard(Mutex& mutex, State state = State::kLock,
                      SourceLocation location = SourceLocation::Current())
      : mutex_(mutex) {
    if (state == State::kLock) Lock(location);
    held_ = state != State::kUnlocked;
  }
  // noexcept(false), as harness MutexLock: mutex_unlock() is a scheduling point, where a
  // failure (a recovered sanitizer report, lock misuse, the step budget) stops the execution
  // by unwinding it with an exception.
  ~MutexGuard() noexcept(false) {
    if (held_) mutex_.Unlock();
  }
  MutexGuard(const MutexGuard&) = delete;
  MutexGuard& operator=(const MutexGuard&) = delete;

  void Lock(SourceLocation location = SourceLocation::Current()) {
    mutex_.Lock(location);
    held_ = true;
  }
  void Unlock(SourceLocation location = SourceLocation::Current()) {
    held_ = false;
    mutex_.Unlock(location);
  }

 private:
  Mutex& mutex_;
  bool held_ = false;
};

// --- include/linux/list.h: intrusive doubly linked list. list_del poisons the entry, so
// a second list_del or a walk through a deleted entry faults, as in the kernel. ---
struct list_head {
  list_head* next = this;
  list_head* prev = this;
};
inline void INIT_LIST_HEAD(list_head* list) { list->next = list->prev = list; }
inline bool list_empty(const list_head* head) { return head->next == head; }
inline void list_add(list_head* entry, list_head* head) {
  entry->next = head->next;
  entry->prev = head;
  head->next->prev = entry;
  head->next = entry;
}
inline void __list_del_entry(list_head* entry) {
  entry->next->prev = entry->prev;
  entry->prev->next = entry->next;
}
inline void list_del(list_head* entry) {
  __list_del_entry(entry);
  entry->next = nullptr;  // LIST_POISON1
  entry->prev = nullptr;  // LIST_POISON2
}
inline void list_del_init(list_head* entry) {
  __list_del_entry(entry);
  INIT_LIST_HEAD(entry);
}
// list_for_each_entry(pos, head, member); the body must not delete `pos`.
#define heaps_list_for_each_entry(pos, head, Type, member)                                 \
  for (pos = ::racefuzz::ContainerOf((head)->next, &Type::member); &pos->member != (head); \
       pos = ::racefuzz::ContainerOf(pos->member.next, &Type::member))

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_KERNEL_H_
