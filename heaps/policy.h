// The small, named places where the variants differ (heaps/variant.h). Every function of
// the model exists once; it asks one of these questions where the variants part ways.
// heaps/README.md explains why the fixed core needs each point.
#ifndef RACEFUZZ_HEAPS_POLICY_H_
#define RACEFUZZ_HEAPS_POLICY_H_

#include "heaps/variant.h"

namespace racefuzz::heaps {

// [PATCH 1/8]: struct dma_heap has a kref; heaps can be released (dma_heap_put exists), and
// [PATCH 2/8] exports dma_heap_find(). Mainline has neither: heaps live forever.
inline bool HeapHasKref(const Variant& v) { return v.core != CoreVariant::kUpstream; }

// Review item 1: dma_heap_open() takes kref_get_unless_zero() under heap_list_lock, which
// also covers xa_erase(), and checks that the heap found owns the inode's cdev.
inline bool HeapOpenTakesReference(const Variant& v) { return v.core == CoreVariant::kFixed; }

// Review item 2: the heap fops get .release = dma_heap_close, which puts that reference.
inline bool HeapFdReleasePutsHeap(const Variant& v) { return v.core == CoreVariant::kFixed; }

// Christian König's advice: kref_put_mutex(), so that release runs with heap_list_lock held
// and list_del + xa_erase are atomic with respect to open and find.
inline bool ReleaseUnderKrefPutMutex(const Variant& v) { return v.core == CoreVariant::kFixed; }

// dma_heap_add() holds heap_list_lock from xa_alloc to list_add, so no open or find can see
// a heap that add may still free on an error path.
inline bool AddHoldsHeapListLock(const Variant& v) { return v.core == CoreVariant::kFixed; }

// dma_heap_find() of [PATCH 2/8] takes a reference on every heap it walks and puts the
// ones that do not match while holding heap_list_lock; the fixed find compares first.
inline bool FindGetsEveryHeap(const Variant& v) { return v.core == CoreVariant::kKrefV1; }

// Boris's nit: dma_heap_put(NULL) is a no-op.
inline bool PutToleratesNull(const Variant& v) { return v.core == CoreVariant::kFixed; }

// The heap's cdev comes from cdev_alloc(), so a chrdev_open() or open file that still holds
// the cdev never touches freed dma_heap memory (B2, B3).
inline bool HeapCdevIsDynamic(const Variant& v) { return v.core == CoreVariant::kFixed; }

// Boris: "live dmabufs allocated on this heap have to retain the heap and its
// implementation": each buffer holds a heap reference (B6).
inline bool BufferHoldsHeapReference(const Variant& v) { return v.core == CoreVariant::kFixed; }

// Review item 3: ops, name and priv stay valid until the last reference is dropped. The heap
// pins its producer module, and the producer's priv is released from dma_heap_release().
inline bool HeapPinsProducer(const Variant& v) { return v.core == CoreVariant::kFixed; }

// Heap producers that are modules with a module_exit (the commit message's "heaps loaded
// from modules"). Mainline's system and CMA heap modules have none and never unload.
inline bool HeapModulesCanUnload(const Variant& v) { return v.core != CoreVariant::kUpstream; }

// tee fixed: a registered tee heap pins tee.ko for as long as its dma_heap can be used...
inline bool TeeHeapPinsModule(const Variant& v) { return v.tee == TeeVariant::kFixed; }
// ...tee_device_put() holds a device reference around its complete(): mainline completes
// c_no_users and then unlocks teedev->mutex, while tee_device_unregister() may already have
// returned from wait_for_completion() and freed the teedev...
inline bool TeeDevicePutPinsDevice(const Variant& v) { return v.tee == TeeVariant::kFixed; }
// ...and, where the core can release heaps safely, unregistering the tee device removes the
// dma_heap, whose release frees the tee_dma_heap.
inline bool TeeRemovesHeapOnUnregister(const Variant& v) {
  return v.tee == TeeVariant::kFixed && v.core == CoreVariant::kFixed;
}

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_POLICY_H_
