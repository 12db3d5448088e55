// The dma-buf heap core: drivers/dma-buf/dma-heap.c (mainline), with the kref of
// "[PATCH 1/8] dma-heap: Add proper kref handling on dma-buf heaps" and the dma_heap_find()/
// dma_heap_put()/dma_heap_buffer_alloc() exports of [PATCH 2/8], and the fixed design (see
// heaps/README.md). Which of the three runs is decided at run time by the predicates of
// heaps/policy.h; there is one copy of every function.
#ifndef RACEFUZZ_HEAPS_DMA_HEAP_H_
#define RACEFUZZ_HEAPS_DMA_HEAP_H_

#include <cstdint>

#include "harness/atomic.h"
#include "harness/mutex.h"
#include "harness/refcount.h"
#include "heaps/kernel.h"
#include "heaps/vfs.h"

namespace racefuzz::heaps {

struct Kernel;
struct dma_buf;
struct dma_heap;
struct module;

// include/uapi/linux/dma-heap.h
inline constexpr uint32_t DMA_HEAP_VALID_FD_FLAGS = O_CLOEXEC | O_ACCMODE;
inline constexpr uint64_t DMA_HEAP_VALID_HEAP_FLAGS = 0;
inline constexpr uint32_t DMA_HEAP_IOCTL_ALLOC = 0xC0184800u;
struct dma_heap_allocation_data {
  uint64_t len;
  uint32_t fd;
  uint32_t fd_flags;
  uint64_t heap_flags;
};
static_assert(sizeof(dma_heap_allocation_data) == 24);

struct dma_heap_ops {
  dma_buf* (*allocate)(Kernel& k, dma_heap* heap, uint64_t len, uint32_t fd_flags,
                       uint64_t heap_flags) = nullptr;
};

struct dma_heap_export_info {
  const char* name = nullptr;
  const dma_heap_ops* ops = nullptr;
  void* priv = nullptr;
  // Used by the fixed core only (review item 3): the producer module the heap pins, and the
  // producer's release of priv, which runs when the last heap reference goes.
  module* owner = nullptr;
  void (*release_priv)(Kernel& k, void* priv) = nullptr;
};

struct dma_heap {
  static constexpr const char* kSlabName = "dma_heap";
  const char* name = nullptr;         // borrowed from the producer (module memory)
  const dma_heap_ops* ops = nullptr;  // borrowed from the producer (module memory)
  void* priv = nullptr;
  dev_t heap_devt = 0;
  list_head list;
  cdev heap_cdev;  // embedded, with its own kobject refcount
  KRef refcount;   // [PATCH 1/8]
  // The cdev the heap's device node opens: &heap_cdev, or in the fixed core a cdev_alloc()'ed
  // one, whose memory lives as long as any chrdev_open() or open file holds it.
  cdev* chrdev = nullptr;
  module* owner = nullptr;                                // fixed core only
  void (*release_priv)(Kernel& k, void* priv) = nullptr;  // fixed core only
  // Model plumbing: the kernel's globals live in Kernel, which kref release callbacks (that
  // only get the kref) reach through this pointer.
  Kernel* kernel = nullptr;
};

// The allocating xarray dma_heap_minors: xa_alloc gives the lowest free index, so a freed
// minor is reused at once. xa_load is lock-free (RCU); alloc and erase take xa_lock.
struct dma_heap_minors_xarray {
  Mutex xa_lock{"xa_lock(dma_heap_minors)"};
  Atomic<dma_heap*> slots[kNumHeapMinors];
};

// dma-heap.c's globals.
struct DmaHeapCore {
  list_head heap_list;
  Mutex heap_list_lock{"heap_list_lock"};
  dma_heap_minors_xarray dma_heap_minors;
  uint32_t dma_heap_major = 240;  // MAJOR(dma_heap_devt)
};

dma_heap* dma_heap_add(Kernel& k, const dma_heap_export_info* exp_info);
void* dma_heap_get_drvdata(dma_heap* heap);
const char* dma_heap_get_name(dma_heap* heap);
// [PATCH 2/8] exports (not in mainline).
dma_heap* dma_heap_find(Kernel& k, const char* name);
void dma_heap_put(Kernel& k, dma_heap* heap);
dma_buf* dma_heap_buffer_alloc(Kernel& k, dma_heap* heap, uint64_t len, uint32_t fd_flags,
                               uint64_t heap_flags);
// Fixed core only: a new reference for a holder that already has one (a dma-buf).
dma_heap* dma_heap_get(Kernel& k, dma_heap* heap);

int dma_heap_open(Kernel& k, inode* inode, file* filp);
int dma_heap_close(Kernel& k, inode* inode, file* filp);
long dma_heap_ioctl(Kernel& k, file* filp, uint32_t ucmd, UserPtr arg);
// The file_operations of the heap char devices for the running variant.
const file_operations* dma_heap_fops(Kernel& k);

// dma_heap_minors
int xa_alloc_minor(Kernel& k, uint32_t* minor, dma_heap* heap);
dma_heap* xa_load_minor(Kernel& k, uint32_t minor);
dma_heap* xa_erase_minor(Kernel& k, uint32_t minor);

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_DMA_HEAP_H_
