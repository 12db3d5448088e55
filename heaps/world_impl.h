// World::Impl: the Kernel plus the state of the actors outside it that a World drives (the
// in-kernel consumer's heap pointers, and which producer last added each heap slot).
#ifndef RACEFUZZ_HEAPS_WORLD_IMPL_H_
#define RACEFUZZ_HEAPS_WORLD_IMPL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "harness/sanitizer_hooks.h"
#include "heaps/kernel_state.h"
#include "heaps/world.h"

namespace racefuzz::heaps {

inline constexpr int kConsumerSlots = 4;

// A consumer's `struct dma_heap *` variable, with a tag saying whether it still owns the
// reference dma_heap_find() gave it (PutHeapKeepSlot leaves a stale pointer behind).
class ConsumerSlot {
 public:
  static constexpr uintptr_t kOwnsRef = 1;
  static dma_heap* Heap(uintptr_t v) { return reinterpret_cast<dma_heap*>(v & ~kOwnsRef); }
  static bool OwnsRef(uintptr_t v) { return (v & kOwnsRef) != 0; }
  static uintptr_t Owning(dma_heap* heap) { return reinterpret_cast<uintptr_t>(heap) | kOwnsRef; }

  std::atomic<uintptr_t> value{0};
};

struct World::Impl {
  // The storage of the last World destroyed is kept (poisoned for ASan until reused) for
  // the next one: a fuzz target creates a World per execution, and a fresh 6 KB allocation
  // each time cost ASan's malloc fill and new pages while its quarantine fills. These are
  // the kernel's globals, not kzalloc'd model objects: nothing can use them across
  // executions. Not in TSan builds, which would see the next World's accesses unordered
  // with the last one's.
  static void* operator new(size_t size);
  static void operator delete(void* storage, size_t size);

  explicit Impl(const Variant& v) : kernel(v) {
    for (auto& kind : slot_kind) kind.store(-1, std::memory_order_relaxed);
  }

  Kernel kernel;
  ConsumerSlot consumers[kConsumerSlots];
  // The HeapKind last registered successfully in each heap slot, or -1: names the device
  // node OpenHeap/FindHeap look for, and the producer RemoveHeap asks.
  std::atomic<int> slot_kind[kMaxHeaps];
};

// The device name of heap `slot` from producer `kind` (what dma_heap_add() is given).
// Returns false when that producer has no name for the slot.
bool HeapName(HeapKind kind, int slot, char* out, size_t size);

// An ioctl command as World::Alloc annotates it: "DMA_HEAP_IOCTL_ALLOC", or the number in
// hex. A fixed buffer (use .text within the expression): no string per annotation.
struct IoctlCommandText {
  char text[24];
};
inline IoctlCommandText IoctlCommandName(uint32_t cmd) {
  IoctlCommandText name;
  if (cmd == kDmaHeapIoctlAlloc) {
    std::snprintf(name.text, sizeof(name.text), "DMA_HEAP_IOCTL_ALLOC");
  } else {
    std::snprintf(name.text, sizeof(name.text), "0x%08x", cmd);
  }
  return name;
}

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_WORLD_IMPL_H_
