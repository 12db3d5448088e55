// World: one dma-buf heap universe for one execution — the heap core (dma-heap.c) with its
// globals, the char-device/VFS objects it depends on, one process with its fd table, the
// producer modules (system, CMA, tee) and every object they create. Created and destroyed
// per execution; destroying it frees everything that is still alive.
//
// This is the interface the rest of racefuzz drives the model through. Every operation is
// safe to call from any logical thread at any time, with any arguments: a bad argument gives
// the kernel's error code (negative errno), never a crash of the model itself. Crashes,
// use-after-free and refcount misuse that the *modelled kernel code* commits are the bugs
// racefuzz exists to find.
//
// CONTRACT (fixed early so fuzz/ and heaps/ can be written in parallel; extend, don't break).
#ifndef RACEFUZZ_HEAPS_WORLD_H_
#define RACEFUZZ_HEAPS_WORLD_H_

#include <cstdint>
#include <memory>
#include <string>

#include "heaps/variant.h"

namespace racefuzz::heaps {

// Which heap producer a heap comes from.
enum class HeapKind : uint8_t { kSystem = 0, kCma = 1, kTee = 2 };

class World {
 public:
  explicit World(const Variant& variant);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  const Variant& variant() const;

  // --- Producers (kernel-side actors) ---
  // Registers heap number `heap` (0..3) of `kind`: loads the producer module if needed and
  // calls dma_heap_add() (tee: tee_device_register_dma_heap()). Returns 0 or -errno.
  int AddHeap(HeapKind kind, int heap);
  // The producer of heap `heap` tears it down: dma_heap_put() of its initial reference
  // (kref_v1, fixed). upstream has no removal and returns -EOPNOTSUPP.
  int RemoveHeap(int heap);
  // tee_device_unregister() of the tee device that registered heap `heap`.
  int TeeUnregister(int heap);
  // Unloads the producer module of `kind` (rmmod); fails with -EBUSY while pinned.
  // Its ops tables and name strings become inaccessible memory.
  int UnloadModule(HeapKind kind);

  // --- In-kernel consumers (patch 2/8 API) ---
  // dma_heap_find(name of heap `heap`); keeps the reference in consumer slot `slot` (0..3).
  // Returns 0, -ENOENT if not found, -ENOSYS on upstream (no dma_heap_find there).
  int FindHeap(int heap, int slot);
  // dma_heap_put() of the reference in consumer slot `slot`. An empty slot puts NULL (B9),
  // which is exactly what a caller that skipped the NULL check does.
  int PutHeap(int slot);
  // Puts the reference in `slot` without clearing it, so a second put is unbalanced (B8).
  int PutHeapKeepSlot(int slot);

  // --- Userspace (one process; all logical threads share its fd table) ---
  // open("/dev/dma_heap/<name of heap `heap`>", O_RDONLY | O_CLOEXEC) through chrdev_open.
  // Returns the fd or -errno.
  int OpenHeap(int heap);
  // ioctl(fd, DMA_HEAP_IOCTL_ALLOC, {len, fd = 0, fd_flags, heap_flags}); returns the new
  // dma-buf fd or -errno. `cmd` is the raw ioctl command (normally kDmaHeapIoctlAlloc).
  int Alloc(int fd, uint64_t len, uint32_t fd_flags, uint64_t heap_flags, uint32_t cmd);
  // close(fd) / dup(fd) for any fd (heap fd or dma-buf fd).
  int Close(int fd);
  int Dup(int fd);
  // exit_files(): closes every fd of the process, lowest first; returns how many it closed.
  // (A tee unregister waits, as in the kernel, until every dma-buf of its device is closed,
  // so a program that unregisters while its fds stay open forever deadlocks.)
  int CloseAll();

  // Checks the model's invariants; call when every logical thread has finished. A
  // violation is reported through racefuzz::ReportBug (FailureKind::kInvariant).
  void CheckInvariants();

  // Where this World's state lives, for tests of its storage reuse (world_impl.h).
  const void* state_address() const { return impl_.get(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// _IOWR('H', 0x0, struct dma_heap_allocation_data) = 0xC0184800.
inline constexpr uint32_t kDmaHeapIoctlAlloc = 0xC0184800u;

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_WORLD_H_
