// drivers/tee/tee_heap.c and the parts of drivers/tee/tee_core.c it relies on: the
// tee_dma_heap with its kref, mutex and shutting_down flag; registration by a tee device
// and tee_device_unregister(), which waits until every user of the device is gone.
//
// Mainline never removes the dma_heap: after unregister it stays registered with ops and
// name inside tee.ko, which can then be unloaded (B13). The tee-fixed variant keeps tee.ko
// pinned while the dma_heap exists and, with the fixed core, removes the dma_heap on
// unregister and frees the tee_dma_heap from the heap's release (heaps/policy.h).
#include <cstring>

#include "harness/yield.h"
#include "heaps/kernel_state.h"
#include "heaps/policy.h"
#include "heaps/producers.h"

namespace racefuzz::heaps {
namespace {

tee_module* ThisModule(dma_heap* heap) {
  return ContainerOf(const_cast<dma_heap_ops*>(heap->ops), &tee_module::tee_dma_heap_ops);
}

// put_device(&teedev->dev): the last reference frees it (tee_release_device()).
void put_tee_device(Kernel& k, tee_device* teedev) {
  if (teedev->dev_refcount.DecAndTest()) kfree(k.slab, teedev, "tee_release_device");
}

bool tee_device_get(tee_device* teedev) {
  MutexLock lock(teedev->mutex);
  if (!teedev->desc) return false;
  teedev->num_users++;
  return true;
}

void tee_device_put(Kernel& k, tee_device* teedev) {
  // tee fixed: get_device() first, so neither the unlock nor complete() itself can touch a
  // teedev that tee_device_unregister() freed as soon as its wait returned.
  const bool pin = TeeDevicePutPinsDevice(k.variant);
  if (pin) teedev->dev_refcount.Inc();
  {
    MutexLock lock(teedev->mutex);
    // "Shouldn't put in this state": WARN_ON(!teedev->desc)
    RACEFUZZ_CHECK(teedev->desc, "tee_device_put() of a device without users");
    if (--teedev->num_users == 0) {
      teedev->desc = false;
      teedev->c_no_users.Complete();
    }
  }
  if (pin) put_tee_device(k, teedev);
}

// The tee kref release, called with h->mu held.
void tee_heap_release(KRef* kref) {
  tee_dma_heap* h = ContainerOf(kref, &tee_dma_heap::kref);
  Kernel& k = *h->kernel;
  Yield("tee_heap_release");
  tee_shm_pool_destroy(k, h->pool);  // h->pool->ops->destroy_pool(h->pool)
  tee_device_put(k, h->teedev);
  h->pool = nullptr;
  h->teedev = nullptr;
}

void put_tee_heap(tee_dma_heap* h) { h->kref.Put(tee_heap_release); }

void tee_heap_buf_free(Kernel& k, dma_buf* dmabuf) {
  auto* buf = static_cast<tee_heap_buffer*>(dmabuf->priv);
  tee_dma_heap* h = buf->heap;
  Yield("pool->ops->free");
  {
    MutexLock lock(h->pool->lock);  // buf->heap->pool->ops->free(), without h->mu
    h->pool->used -= buf->size;
  }
  {
    MutexLock lock(h->mu);
    put_tee_heap(h);
  }
  if (BufferHoldsHeapReference(k.variant)) dma_heap_put(k, buf->dma_heap);
  kfree(k.slab, buf, "kfree(buf)");
}

dma_buf* tee_dma_heap_alloc(Kernel& k, dma_heap* heap, uint64_t len, uint32_t fd_flags,
                            uint64_t heap_flags) {
  tee_module* mod = ThisModule(heap);
  auto* h = static_cast<tee_dma_heap*>(dma_heap_get_drvdata(heap));
  tee_shm_pool* pool = nullptr;
  tee_device* teedev = nullptr;
  {
    MutexLock lock(h->mu);
    if (h->teedev != nullptr) {
      teedev = h->teedev;
      pool = h->pool;
      h->kref.Get();
    }
  }
  if (teedev == nullptr) return ERR_PTR<dma_buf>(-EINVAL);

  auto* buf = kzalloc<tee_heap_buffer>(k.slab, "kzalloc(buf)");
  buf->heap = h;
  buf->size = len;
  dma_buf* dmabuf = nullptr;
  Yield("pool->ops->alloc");
  {
    MutexLock lock(pool->lock);
    if (len > pool->capacity - pool->used) {
      dmabuf = ERR_PTR<dma_buf>(-ENOMEM);
    } else {
      pool->used += len;
    }
  }
  if (!IS_ERR(dmabuf)) {
    if (BufferHoldsHeapReference(k.variant)) buf->dma_heap = dma_heap_get(k, heap);
    dma_buf_export_info exp_info;
    exp_info.exp_name = "tee";
    exp_info.owner = &mod->this_module;
    exp_info.ops = &mod->tee_heap_buf_ops;
    exp_info.size = len;
    exp_info.flags = fd_flags;
    exp_info.priv = buf;
    dmabuf = dma_buf_export(k, &exp_info);
    if (!IS_ERR(dmabuf)) return dmabuf;
    if (BufferHoldsHeapReference(k.variant)) dma_heap_put(k, heap);
    MutexLock lock(pool->lock);
    pool->used -= len;
  }
  kfree(k.slab, buf, "kfree(buf)");
  MutexLock lock(h->mu);
  put_tee_heap(h);
  return dmabuf;
}

// tee fixed with the fixed core: the dma_heap's release frees the tee_dma_heap and drops
// the module reference it held.
void tee_dma_heap_release_priv(Kernel& k, void* priv) {
  auto* h = static_cast<tee_dma_heap*>(priv);
  module* pinned = h->pinned;
  kfree(k.slab, h, "kfree(tee_dma_heap)");
  module_put(pinned);
}

const char* heap_id_2_name(tee_module* mod, uint32_t id) {
  if (id >= kMaxTeeHeapIds || mod->names[id][0] == '\0') return nullptr;
  return mod->names[id];
}

int alloc_dma_heap(Kernel& k, tee_module* mod, tee_device* teedev, uint32_t id,
                   tee_shm_pool* pool) {
  const char* name = heap_id_2_name(mod, id);
  if (name == nullptr) return -EINVAL;
  // xa_reserve(&tee_dma_heap, id) cannot fail here: the model's xarray has every slot.
  auto* h = kzalloc<tee_dma_heap>(k.slab, "kzalloc(tee_dma_heap)");
  h->kernel = &k;
  h->id = id;
  h->kref.Init();
  h->teedev = teedev;
  h->pool = pool;
  dma_heap_export_info exp_info;
  exp_info.ops = &mod->tee_dma_heap_ops;
  exp_info.name = name;
  exp_info.priv = h;
  exp_info.owner = &mod->this_module;
  if (TeeRemovesHeapOnUnregister(k.variant)) exp_info.release_priv = tee_dma_heap_release_priv;
  if (TeeHeapPinsModule(k.variant)) {
    __module_get(&mod->this_module);  // we run inside tee.ko
    h->pinned = &mod->this_module;
  }
  h->heap = dma_heap_add(k, &exp_info);
  if (IS_ERR(h->heap)) {
    const int rc = PTR_ERR(h->heap);
    module_put(h->pinned);
    kfree(k.slab, h, "kfree(tee_dma_heap)");
    return rc;
  }
  mod->tee_dma_heap[id].Store(h);  // xa_store(): "can't fail" thanks to xa_reserve()
  return 0;
}

void tee_exit(Kernel& k, module* m) {
  // rmmod optee first: every tee device still registered goes (driver unregistration).
  tee_module* mod = ContainerOf(m, &tee_module::this_module);
  for (int slot = 0; slot < kMaxHeaps; ++slot) {
    tee_device* teedev = k.optee_teedevs[slot].Exchange(nullptr);
    if (teedev != nullptr) tee_device_unregister(k, mod, teedev);
  }
}

}  // namespace

tee_module* tee_module_load(Kernel& k) {
  auto* mod = kzalloc<tee_module>(k.slab, "load_module(tee)");
  mod->this_module.name = "tee";
  mod->this_module.exit = tee_exit;  // tee_core.c has module_exit(tee_exit)
  mod->tee_dma_heap_ops.allocate = tee_dma_heap_alloc;
  mod->tee_heap_buf_ops.release = tee_heap_buf_free;
  std::strcpy(mod->names[1], "protected,secure-video");         // TEE_DMA_HEAP_SECURE_VIDEO_PLAY
  std::strcpy(mod->names[2], "protected,trusted-ui");           // TEE_DMA_HEAP_TRUSTED_UI
  std::strcpy(mod->names[3], "protected,secure-video-record");  // ..._SECURE_VIDEO_RECORD
  return mod;
}

tee_device* tee_device_alloc(Kernel& k) { return kzalloc<tee_device>(k.slab, "kzalloc(teedev)"); }

tee_shm_pool* tee_shm_pool_alloc(Kernel& k) {
  return kzalloc<tee_shm_pool>(k.slab, "kzalloc(pool)");
}

void tee_shm_pool_destroy(Kernel& k, tee_shm_pool* pool) { kfree(k.slab, pool, "destroy_pool"); }

int tee_device_register_dma_heap(Kernel& k, tee_module* mod, tee_device* teedev, uint32_t id,
                                 tee_shm_pool* pool) {
  if (!tee_device_get(teedev)) return -EINVAL;
  int rc = 0;
  tee_dma_heap* h = id < kMaxTeeHeapIds ? mod->tee_dma_heap[id].Load() : nullptr;
  if (h != nullptr) {
    MutexLock lock(h->mu);
    if (h->teedev != nullptr) {
      rc = -EBUSY;
    } else {
      h->kref.Init();
      h->shutting_down = false;
      h->teedev = teedev;
      h->pool = pool;
    }
  } else {
    rc = alloc_dma_heap(k, mod, teedev, id, pool);
  }
  if (rc != 0) tee_device_put(k, teedev);  // dev_err("can't register DMA heap id %d (%s)")
  return rc;
}

void tee_device_unregister(Kernel& k, tee_module* mod, tee_device* teedev) {
  // tee_device_put_all_dma_heaps()
  for (uint32_t id = 0; id < kMaxTeeHeapIds; ++id) {
    tee_dma_heap* h = mod->tee_dma_heap[id].Load();  // xa_for_each
    if (h == nullptr) continue;
    MutexGuard lock(h->mu);
    const bool ours = h->teedev == teedev && !h->shutting_down;
    const bool remove = ours && TeeRemovesHeapOnUnregister(k.variant);
    if (ours) {
      h->shutting_down = true;
      put_tee_heap(h);
    }
    // tee fixed: forget h while still under h->mu, so a re-registration of this id can
    // only find it before it was shut down (and then gets -EBUSY) or not at all.
    if (remove) mod->tee_dma_heap[id].Store(nullptr);
    dma_heap* heap = h->heap;
    lock.Unlock();
    // The producer's dma_heap reference goes; the heap's release frees h later.
    if (remove) dma_heap_put(k, heap);
  }
  tee_device_put(k, teedev);
  teedev->c_no_users.Wait();  // while any tee-heap dma-buf of this device is alive
  put_tee_device(k, teedev);
}

}  // namespace racefuzz::heaps
