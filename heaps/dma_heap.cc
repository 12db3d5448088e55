// drivers/dma-buf/dma-heap.c: registration, open/close, find/put and release. The ioctl
// path is in dma_heap_ioctl.cc.
#include "heaps/dma_heap.h"

#include <cstring>

#include "harness/yield.h"
#include "heaps/kernel_state.h"
#include "heaps/module.h"
#include "heaps/policy.h"

namespace racefuzz::heaps {
namespace {

constexpr file_operations kDmaHeapFops = {
    .open = dma_heap_open, .release = nullptr, .unlocked_ioctl = dma_heap_ioctl};
// Fixed core, review item 2: .release = dma_heap_close.
constexpr file_operations kDmaHeapFopsWithRelease = {
    .open = dma_heap_open, .release = dma_heap_close, .unlocked_ioctl = dma_heap_ioctl};

// The end of release that is the same in every variant once the heap is unreachable.
void dma_heap_free(Kernel& k, dma_heap* heap) {
  if (heap->release_priv != nullptr) heap->release_priv(k, heap->priv);
  module_put(heap->owner);
  kfree(k.slab, heap, "kfree(heap)");
}

// [PATCH 1/8] dma_heap_release(), exactly as posted: only list_del is under the lock.
void dma_heap_release(KRef* ref) {
  dma_heap* heap = ContainerOf(ref, &dma_heap::refcount);
  Kernel& k = *heap->kernel;
  Yield("dma_heap_release");
  const uint32_t minor = MINOR(heap->heap_devt);

  {
    MutexGuard lock(k.core.heap_list_lock);
    Yield("list_del");
    list_del(&heap->list);
  }

  device_destroy(k, heap->heap_devt);
  cdev_del(k, heap->chrdev);
  xa_erase_minor(k, minor);

  dma_heap_free(k, heap);
}

// Fixed core: entered from kref_put_mutex() with heap_list_lock held. Unlinking the heap
// from both heap_list and the minors xarray under the lock that open and find take makes
// "refcount is zero" and "unreachable" one atomic step for them.
void dma_heap_release_locked(KRef* ref) {
  dma_heap* heap = ContainerOf(ref, &dma_heap::refcount);
  Kernel& k = *heap->kernel;
  MutexGuard lock(k.core.heap_list_lock, MutexGuard::State::kAdopt);
  Yield("dma_heap_release");
  const uint32_t minor = MINOR(heap->heap_devt);
  Yield("list_del");
  list_del(&heap->list);
  device_destroy(k, heap->heap_devt);
  cdev_del(k, heap->chrdev);
  xa_erase_minor(k, minor);
  lock.Unlock();

  dma_heap_free(k, heap);
}

}  // namespace

const file_operations* dma_heap_fops(Kernel& k) {
  return HeapFdReleasePutsHeap(k.variant) ? &kDmaHeapFopsWithRelease : &kDmaHeapFops;
}

int xa_alloc_minor(Kernel& k, uint32_t* minor, dma_heap* heap) {
  Yield("xa_alloc");
  dma_heap_minors_xarray& xa = k.core.dma_heap_minors;
  MutexLock lock(xa.xa_lock);
  for (uint32_t index = 0; index < kNumHeapMinors; ++index) {
    if (xa.slots[index].Peek() == nullptr) {
      xa.slots[index].Store(heap, std::memory_order_release);  // rcu_assign_pointer
      *minor = index;
      return 0;
    }
  }
  return -EBUSY;
}

dma_heap* xa_load_minor(Kernel& k, uint32_t minor) {
  Yield("xa_load");
  if (minor >= kNumHeapMinors) return nullptr;
  return k.core.dma_heap_minors.slots[minor].Load(std::memory_order_acquire);
}

dma_heap* xa_erase_minor(Kernel& k, uint32_t minor) {
  Yield("xa_erase");
  dma_heap_minors_xarray& xa = k.core.dma_heap_minors;
  MutexLock lock(xa.xa_lock);
  return xa.slots[minor].Exchange(nullptr, std::memory_order_acq_rel);
}

void* dma_heap_get_drvdata(dma_heap* heap) { return heap->priv; }
const char* dma_heap_get_name(dma_heap* heap) { return heap->name; }

dma_heap* dma_heap_add(Kernel& k, const dma_heap_export_info* exp_info) {
  const Variant& v = k.variant;
  if (exp_info->name == nullptr || std::strcmp(exp_info->name, "") == 0) {
    return ERR_PTR<dma_heap>(-EINVAL);  // pr_err("dma_heap: Cannot add heap without a name")
  }
  if (exp_info->ops == nullptr || exp_info->ops->allocate == nullptr) {
    return ERR_PTR<dma_heap>(-EINVAL);
  }
  dma_heap* heap = kzalloc<dma_heap>(k.slab, "kzalloc(heap)");
  heap->kernel = &k;
  if (HeapHasKref(v)) heap->refcount.Init();  // kref_init: the producer's reference
  heap->name = exp_info->name;
  heap->ops = exp_info->ops;
  heap->priv = exp_info->priv;
  if (HeapPinsProducer(v)) {
    if (!try_module_get(exp_info->owner)) {
      kfree(k.slab, heap, "kfree(heap)");
      return ERR_PTR<dma_heap>(-ENODEV);
    }
    heap->owner = exp_info->owner;
    heap->release_priv = exp_info->release_priv;
  }

  const bool serialised = AddHoldsHeapListLock(v);
  MutexGuard list_lock(k.core.heap_list_lock,
                       serialised ? MutexGuard::State::kLock : MutexGuard::State::kUnlocked);
  uint32_t minor = 0;
  int err = xa_alloc_minor(k, &minor, heap);  // from here xa_load(minor) returns heap
  if (err < 0) goto err0;
  heap->heap_devt = MKDEV(k.core.dma_heap_major, minor);
  if (HeapCdevIsDynamic(v)) {
    heap->chrdev = cdev_alloc(k);
    heap->chrdev->ops = dma_heap_fops(k);
  } else {
    cdev_init(&heap->heap_cdev, dma_heap_fops(k));
    heap->chrdev = &heap->heap_cdev;
  }
  err = cdev_add(k, heap->chrdev, heap->heap_devt);  // from here open() can reach the heap
  if (err < 0) goto err1;
  err = device_create(k, heap->heap_devt, heap->name);
  if (err < 0) goto err2;

  if (!serialised) list_lock.Lock();
  {
    dma_heap* h;
    heaps_list_for_each_entry(h, &k.core.heap_list, dma_heap, list) {
      if (std::strcmp(h->name, exp_info->name) == 0) {
        // pr_err("dma_heap: Already registered heap named %s\n", exp_info->name)
        err = -EINVAL;
        goto err3;
      }
    }
  }
  Yield("list_add");
  list_add(&heap->list, &k.core.heap_list);
  list_lock.Unlock();
  return heap;

err3:
  if (!serialised) list_lock.Unlock();
  device_destroy(k, heap->heap_devt);
err2:
  cdev_del(k, heap->chrdev);
err1:
  xa_erase_minor(k, minor);
err0:
  if (serialised) list_lock.Unlock();
  if (HeapPinsProducer(v)) module_put(heap->owner);
  kfree(k.slab, heap, "kfree(heap)");
  return ERR_PTR<dma_heap>(err);
}

int dma_heap_open(Kernel& k, inode* node, file* filp) {
  const uint32_t minor = MINOR(node->i_rdev);
  if (!HeapOpenTakesReference(k.variant)) {
    dma_heap* heap = xa_load_minor(k, minor);  // no lock, no reference
    if (heap == nullptr) return -ENODEV;       // pr_err("dma_heap: minor %d unknown.\n")
    filp->private_data = heap;
    return 0;  // nonseekable_open()
  }
  // Fixed: the heap found must be alive (kref_get_unless_zero under the lock that also
  // covers xa_erase) and must be the one whose cdev this inode opened: a minor can have been
  // reused by a newer heap since chrdev_open() looked the cdev up.
  MutexLock lock(k.core.heap_list_lock);
  dma_heap* heap = xa_load_minor(k, minor);
  if (heap == nullptr || heap->chrdev != node->i_cdev || !heap->refcount.GetUnlessZero()) {
    return -ENODEV;
  }
  filp->private_data = heap;
  return 0;
}

int dma_heap_close(Kernel& k, inode* node, file* filp) {
  dma_heap_put(k, static_cast<dma_heap*>(filp->private_data));
  return 0;
}

void dma_heap_put(Kernel& k, dma_heap* heap) {
  Yield("dma_heap_put");
  if (heap == nullptr) {
    if (PutToleratesNull(k.variant)) return;
    // [PATCH 2/8]'s dma_heap_put() has no NULL check: kref_put(&heap->refcount, ...) reads
    // NULL + offsetof(struct dma_heap, refcount), and the kernel oopses. Reported as the oops
    // instead of letting the process fault: a SIGSEGV would end a fuzzing process, and the
    // campaign could not go on past this shallow bug (B9).
    ReportBug(FailureKind::kInvariant, "BUG: kernel NULL pointer dereference",
              "dma_heap_put(NULL): kref_put(&heap->refcount) with heap == NULL, a consumer "
              "put the result of a failed dma_heap_find() (the kernel oopses: #PF, "
              "supervisor read access in kernel mode)");
  }
  if (ReleaseUnderKrefPutMutex(k.variant)) {
    heap->refcount.PutMutex(dma_heap_release_locked, k.core.heap_list_lock);
  } else {
    heap->refcount.Put(dma_heap_release);
  }
}

dma_heap* dma_heap_get(Kernel& k, dma_heap* heap) {
  heap->refcount.Get();
  return heap;
}

dma_heap* dma_heap_find(Kernel& k, const char* name) {
  MutexLock lock(k.core.heap_list_lock);
  dma_heap* h;
  if (FindGetsEveryHeap(k.variant)) {
    // [PATCH 2/8]: a put under heap_list_lock; if it is the last one, dma_heap_release()
    // takes heap_list_lock again.
    heaps_list_for_each_entry(h, &k.core.heap_list, dma_heap, list) {
      if (!h->refcount.GetUnlessZero()) continue;
      if (std::strcmp(h->name, name) == 0) return h;
      dma_heap_put(k, h);
    }
    return nullptr;
  }
  heaps_list_for_each_entry(h, &k.core.heap_list, dma_heap, list) {
    if (std::strcmp(h->name, name) == 0 && h->refcount.GetUnlessZero()) return h;
  }
  return nullptr;
}

}  // namespace racefuzz::heaps
