// Kernel: every global of the modelled kernel for one World (what would be static data in
// dma-heap.c, char_dev.c, the module loader, the producers and one process). All model
// objects are allocated through `slab`, which frees whatever is left when the Kernel goes.
#ifndef RACEFUZZ_HEAPS_KERNEL_STATE_H_
#define RACEFUZZ_HEAPS_KERNEL_STATE_H_

#include "harness/atomic.h"
#include "harness/mutex.h"
#include "heaps/dma_heap.h"
#include "heaps/producers.h"
#include "heaps/slab.h"
#include "heaps/variant.h"
#include "heaps/vfs.h"
#include "heaps/world.h"

namespace racefuzz::heaps {

inline constexpr int kNumProducerKinds = 3;

struct Kernel {
  explicit Kernel(const Variant& v) : variant(v) {}
  ~Kernel() { slab.FreeAll(); }

  const Variant variant;
  SlabRegistry slab;
  DmaHeapCore core;
  Vfs vfs;
  // kernel/module: the loaded producer modules by HeapKind, nullptr when not loaded.
  Mutex module_mutex{"module_mutex"};
  module* modules[kNumProducerKinds] = {};
  cma default_cma_area;
  // The OP-TEE driver: its tee devices by heap slot, and the device lock that serialises
  // its probe, remove and driver unregistration.
  Mutex optee_device_lock{"device_lock(optee)"};
  Atomic<tee_device*> optee_teedevs[kMaxHeaps];
};

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_KERNEL_STATE_H_
