// drivers/dma-buf/heaps/cma_heap.c: allocate and release flows over a bounded CMA area.
// Its priv (struct cma_heap) is read again when a buffer is released (B6) and during a slow
// allocation (B7).
#include <cstdio>

#include "harness/yield.h"
#include "heaps/kernel_state.h"
#include "heaps/policy.h"
#include "heaps/producers.h"

namespace racefuzz::heaps {
namespace {

cma_heap_module* ThisModule(dma_heap* heap) {
  return ContainerOf(const_cast<dma_heap_ops*>(heap->ops), &cma_heap_module::cma_heap_ops);
}

// mm/cma.c: cma_alloc()/cma_release() on the area's page budget.
bool cma_alloc(cma* area, uint64_t count) {
  MutexLock lock(area->lock);
  if (count > area->free_pages) return false;
  area->free_pages -= count;
  return true;
}
void cma_release(cma* area, uint64_t count) {
  MutexLock lock(area->lock);
  area->free_pages += count;
}

void cma_heap_dma_buf_release(Kernel& k, dma_buf* dmabuf) {
  auto* buffer = static_cast<cma_heap_buffer*>(dmabuf->priv);
  cma_heap* heap = buffer->heap;
  Yield("kfree(pages)");
  cma_release(heap->cma, buffer->pagecount);  // reads priv
  if (BufferHoldsHeapReference(k.variant)) dma_heap_put(k, buffer->dma_heap);
  kfree(k.slab, buffer, "kfree(buffer)");
}

dma_buf* cma_heap_allocate(Kernel& k, dma_heap* heap, uint64_t len, uint32_t fd_flags,
                           uint64_t heap_flags) {
  cma_heap_module* mod = ThisModule(heap);
  auto* cma_heap_priv = static_cast<cma_heap*>(dma_heap_get_drvdata(heap));
  auto* buffer = kzalloc<cma_heap_buffer>(k.slab, "kzalloc(buffer)");
  buffer->len = len;
  buffer->pagecount = len / PAGE_SIZE;
  Yield("cma_alloc");
  if (!cma_alloc(cma_heap_priv->cma, buffer->pagecount)) {
    kfree(k.slab, buffer, "kfree(buffer)");
    return ERR_PTR<dma_buf>(-ENOMEM);
  }
  Yield("clear_highpage");
  buffer->heap = cma_heap_priv;
  if (BufferHoldsHeapReference(k.variant)) buffer->dma_heap = dma_heap_get(k, heap);
  dma_buf_export_info exp_info;
  exp_info.exp_name = "cma_heap";
  exp_info.owner = &mod->this_module;
  exp_info.ops = &mod->cma_heap_buf_ops;
  exp_info.size = buffer->len;
  exp_info.flags = fd_flags;
  exp_info.priv = buffer;
  dma_buf* dmabuf = dma_buf_export(k, &exp_info);
  if (IS_ERR(dmabuf)) {
    cma_release(cma_heap_priv->cma, buffer->pagecount);
    if (BufferHoldsHeapReference(k.variant)) dma_heap_put(k, heap);
    kfree(k.slab, buffer, "kfree(buffer)");
  }
  return dmabuf;
}

// Fixed core: the priv goes with the last heap reference (dma_heap_release()).
void cma_heap_release_priv(Kernel& k, void* priv) {
  kfree(k.slab, static_cast<cma_heap*>(priv), "kfree(cma_heap)");
}

void cma_heap_exit(Kernel& k, module* m) {
  cma_heap_module* mod = ContainerOf(m, &cma_heap_module::this_module);
  for (int slot = 0; slot < kMaxHeaps; ++slot) cma_heap_remove(k, mod, slot);
}

}  // namespace

cma_heap_module* cma_heap_module_load(Kernel& k) {
  auto* mod = kzalloc<cma_heap_module>(k.slab, "load_module(cma_heap)");
  mod->this_module.name = "cma_heap";
  mod->this_module.exit = HeapModulesCanUnload(k.variant) ? cma_heap_exit : nullptr;
  mod->cma_heap_ops.allocate = cma_heap_allocate;
  mod->cma_heap_buf_ops.release = cma_heap_dma_buf_release;
  for (int slot = 0; slot < kMaxHeaps; ++slot) {
    std::snprintf(mod->names[slot], sizeof(mod->names[slot]), "cma-%d", slot);
  }
  return mod;
}

// __add_cma_heap()
int cma_heap_create(Kernel& k, cma_heap_module* mod, int slot) {
  auto* priv = kzalloc<cma_heap>(k.slab, "kzalloc(cma_heap)");
  priv->cma = &k.default_cma_area;
  dma_heap_export_info exp_info;
  exp_info.name = mod->names[slot];
  exp_info.ops = &mod->cma_heap_ops;
  exp_info.priv = priv;
  exp_info.owner = &mod->this_module;
  exp_info.release_priv = cma_heap_release_priv;
  dma_heap* heap = dma_heap_add(k, &exp_info);
  if (IS_ERR(heap)) {
    kfree(k.slab, priv, "kfree(cma_heap)");
    return PTR_ERR(heap);
  }
  priv->heap = heap;
  dma_heap* expected = nullptr;
  if (!mod->heaps[slot].CompareExchange(expected, heap)) {
    ReportBug(FailureKind::kInvariant, "cma heap registered twice under one name");
  }
  return 0;
}

// A producer teardown: drop the dma_heap_add() reference. Without a core that releases
// priv with the heap, the producer frees its priv itself, right after its put; that is the
// B6/B7 window (a buffer or an in-flight allocation still uses priv).
int cma_heap_remove(Kernel& k, cma_heap_module* mod, int slot) {
  dma_heap* heap = mod->heaps[slot].Exchange(nullptr);
  if (heap == nullptr) return -ENOENT;
  auto* priv = static_cast<cma_heap*>(dma_heap_get_drvdata(heap));
  dma_heap_put(k, heap);
  if (!HeapPinsProducer(k.variant)) kfree(k.slab, priv, "kfree(cma_heap)");
  return 0;
}

}  // namespace racefuzz::heaps
