// Heap producers: the system heap (drivers/dma-buf/heaps/system_heap.c), the CMA heap
// (drivers/dma-buf/heaps/cma_heap.c) and the tee heap (drivers/tee/tee_heap.c with the
// parts of tee_core.c it relies on). Only the allocate and release flows and the
// registration and removal that matter for lifetimes are modelled.
//
// Each producer is a loadable module: its image (struct module, ops tables, the name
// strings it passes to dma_heap_add(), and its static data) is one allocation that
// UnloadModule frees.
#ifndef RACEFUZZ_HEAPS_PRODUCERS_H_
#define RACEFUZZ_HEAPS_PRODUCERS_H_

#include <cstdint>

#include "harness/atomic.h"
#include "harness/mutex.h"
#include "harness/refcount.h"
#include "harness/wait_queue.h"
#include "heaps/dma_buf.h"
#include "heaps/dma_heap.h"
#include "heaps/module.h"

namespace racefuzz::heaps {

struct Kernel;

inline constexpr int kMaxHeaps = 4;  // heap slots a World drives (World::AddHeap's `heap`)

// --- system heap ---
struct system_heap_module {
  static constexpr const char* kSlabName = "system_heap.ko";
  module this_module;
  dma_heap_ops system_heap_ops;
  dma_buf_ops system_heap_buf_ops;
  char names[kMaxHeaps][16];
  Atomic<dma_heap*> heaps[kMaxHeaps];  // what the producer registered (it owns the kref)
};

struct system_heap_buffer {
  static constexpr const char* kSlabName = "system_heap_buffer";
  dma_heap* heap = nullptr;  // not a reference, except in the fixed core
  uint64_t len = 0;
};

system_heap_module* system_heap_module_load(Kernel& k);
int system_heap_create(Kernel& k, system_heap_module* mod, int slot);
int system_heap_remove(Kernel& k, system_heap_module* mod, int slot);

// --- CMA heap ---
// The CMA area: a bounded pool of pages reserved at boot (it outlives every module).
struct cma {
  Mutex lock{"cma->lock"};
  uint64_t free_pages = 256;
};

struct cma_heap {  // the heap's priv
  static constexpr const char* kSlabName = "cma_heap";
  dma_heap* heap = nullptr;
  struct cma* cma = nullptr;
};

struct cma_heap_buffer {
  static constexpr const char* kSlabName = "cma_heap_buffer";
  cma_heap* heap = nullptr;             // priv, read again at release (B6)
  struct dma_heap* dma_heap = nullptr;  // a heap reference, fixed core only
  uint64_t len = 0;
  uint64_t pagecount = 0;
};

struct cma_heap_module {
  static constexpr const char* kSlabName = "cma_heap.ko";
  module this_module;
  dma_heap_ops cma_heap_ops;
  dma_buf_ops cma_heap_buf_ops;
  char names[kMaxHeaps][16];
  Atomic<dma_heap*> heaps[kMaxHeaps];
};

cma_heap_module* cma_heap_module_load(Kernel& k);
int cma_heap_create(Kernel& k, cma_heap_module* mod, int slot);
int cma_heap_remove(Kernel& k, cma_heap_module* mod, int slot);

// --- tee heap ---
struct tee_shm_pool {
  static constexpr const char* kSlabName = "tee_shm_pool";
  Mutex lock{"tee_shm_pool"};
  uint64_t used = 0;
  uint64_t capacity = 1 << 20;
};

struct tee_device {
  static constexpr const char* kSlabName = "tee_device";
  Mutex mutex{"teedev->mutex"};
  bool desc = true;   // cleared when the last user goes
  int num_users = 1;  // tee_device_alloc()'s, dropped by tee_device_unregister()
  Completion c_no_users{"teedev->c_no_users"};
  // teedev->dev's kobject refcount: put_device() of the last reference frees the teedev
  // (tee_release_device()).
  Refcount dev_refcount{1};
};

struct tee_dma_heap {
  static constexpr const char* kSlabName = "tee_dma_heap";
  dma_heap* heap = nullptr;
  uint32_t id = 0;
  KRef kref;
  tee_shm_pool* pool = nullptr;
  tee_device* teedev = nullptr;
  bool shutting_down = false;
  Mutex mu{"h->mu"};
  Kernel* kernel = nullptr;  // model plumbing for the kref release
  module* pinned = nullptr;  // tee fixed: the tee module reference this heap holds
};

struct tee_heap_buffer {
  static constexpr const char* kSlabName = "tee_heap_buffer";
  tee_dma_heap* heap = nullptr;
  struct dma_heap* dma_heap = nullptr;  // a heap reference, fixed core only
  uint64_t size = 0;
};

inline constexpr uint32_t kMaxTeeHeapIds = 5;  // ids 1..3 are named; 0 and 4 are not

struct tee_module {
  static constexpr const char* kSlabName = "tee.ko";
  module this_module;
  dma_heap_ops tee_dma_heap_ops;
  dma_buf_ops tee_heap_buf_ops;
  char names[kMaxTeeHeapIds][32];  // heap_id_2_name(); empty when the id has no name
  Atomic<struct tee_dma_heap*> tee_dma_heap[kMaxTeeHeapIds];  // static DEFINE_XARRAY(tee_dma_heap)
};

tee_module* tee_module_load(Kernel& k);
// tee_device_alloc() + tee_device_register() of the OP-TEE driver (probe).
tee_device* tee_device_alloc(Kernel& k);
tee_shm_pool* tee_shm_pool_alloc(Kernel& k);
void tee_shm_pool_destroy(Kernel& k, tee_shm_pool* pool);
int tee_device_register_dma_heap(Kernel& k, tee_module* mod, tee_device* teedev, uint32_t id,
                                 tee_shm_pool* pool);
void tee_device_unregister(Kernel& k, tee_module* mod, tee_device* teedev);

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_PRODUCERS_H_
