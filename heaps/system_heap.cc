// drivers/dma-buf/heaps/system_heap.c: allocate and release flows, and the registration
// (module init) and removal (the producer dropping its kref) of one heap per slot.
#include <cstdio>

#include "harness/yield.h"
#include "heaps/kernel_state.h"
#include "heaps/policy.h"
#include "heaps/producers.h"

namespace racefuzz::heaps {
namespace {

// The system heap refuses absurd sizes the way its page-allocation loop would run out.
constexpr uint64_t kSystemHeapMaxBytes = uint64_t{1} << 30;

system_heap_module* ThisModule(dma_heap* heap) {
  return ContainerOf(const_cast<dma_heap_ops*>(heap->ops), &system_heap_module::system_heap_ops);
}

void system_heap_dma_buf_release(Kernel& k, dma_buf* dmabuf) {
  auto* buffer = static_cast<system_heap_buffer*>(dmabuf->priv);
  Yield("__free_pages");
  if (BufferHoldsHeapReference(k.variant)) dma_heap_put(k, buffer->heap);
  kfree(k.slab, buffer, "kfree(buffer)");
}

dma_buf* system_heap_allocate(Kernel& k, dma_heap* heap, uint64_t len, uint32_t fd_flags,
                              uint64_t heap_flags) {
  system_heap_module* mod = ThisModule(heap);
  auto* buffer = kzalloc<system_heap_buffer>(k.slab, "kzalloc(buffer)");
  buffer->heap = heap;
  buffer->len = len;
  Yield("alloc_largest_available");
  if (len > kSystemHeapMaxBytes) {
    kfree(k.slab, buffer, "kfree(buffer)");
    return ERR_PTR<dma_buf>(-ENOMEM);
  }
  if (BufferHoldsHeapReference(k.variant)) dma_heap_get(k, heap);
  dma_buf_export_info exp_info;
  exp_info.exp_name = "system_heap";
  exp_info.owner = &mod->this_module;
  exp_info.ops = &mod->system_heap_buf_ops;
  exp_info.size = len;
  exp_info.flags = fd_flags;
  exp_info.priv = buffer;
  dma_buf* dmabuf = dma_buf_export(k, &exp_info);
  if (IS_ERR(dmabuf)) {
    if (BufferHoldsHeapReference(k.variant)) dma_heap_put(k, heap);
    kfree(k.slab, buffer, "kfree(buffer)");
  }
  return dmabuf;
}

void system_heap_exit(Kernel& k, module* m) {
  system_heap_module* mod = ContainerOf(m, &system_heap_module::this_module);
  for (int slot = 0; slot < kMaxHeaps; ++slot) system_heap_remove(k, mod, slot);
}

}  // namespace

system_heap_module* system_heap_module_load(Kernel& k) {
  auto* mod = kzalloc<system_heap_module>(k.slab, "load_module(system_heap)");
  mod->this_module.name = "system_heap";
  mod->this_module.exit = HeapModulesCanUnload(k.variant) ? system_heap_exit : nullptr;
  mod->system_heap_ops.allocate = system_heap_allocate;
  mod->system_heap_buf_ops.release = system_heap_dma_buf_release;
  for (int slot = 0; slot < kMaxHeaps; ++slot) {
    std::snprintf(mod->names[slot], sizeof(mod->names[slot]), "system-%d", slot);
  }
  return mod;
}

int system_heap_create(Kernel& k, system_heap_module* mod, int slot) {
  dma_heap_export_info exp_info;
  exp_info.name = mod->names[slot];
  exp_info.ops = &mod->system_heap_ops;
  exp_info.priv = nullptr;
  exp_info.owner = &mod->this_module;
  dma_heap* heap = dma_heap_add(k, &exp_info);
  if (IS_ERR(heap)) return PTR_ERR(heap);
  dma_heap* expected = nullptr;
  if (!mod->heaps[slot].CompareExchange(expected, heap)) {
    ReportBug(FailureKind::kInvariant, "system heap registered twice under one name");
  }
  return 0;
}

// A producer teardown: it drops the reference dma_heap_add() gave it.
int system_heap_remove(Kernel& k, system_heap_module* mod, int slot) {
  dma_heap* heap = mod->heaps[slot].Exchange(nullptr);
  if (heap == nullptr) return -ENOENT;
  dma_heap_put(k, heap);
  return 0;
}

}  // namespace racefuzz::heaps
