// World::CheckInvariants: the model's invariants at quiescence (every logical thread has
// finished), from the spec's summary: reference counts equal the live references, nothing
// leaked, names unique, minors and heaps consistent, the fd table consistent. A failed check
// is a ReportBug(kInvariant).
//
// Pointers are only compared here, never followed, unless the object they point to is known
// to be alive (in the slab registry): after a lifetime bug a dangling pointer is the finding.
#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/str_format.h"
#include "harness/yield.h"
#include "heaps/live_objects.h"
#include "heaps/policy.h"
#include "heaps/world_impl.h"

namespace racefuzz::heaps {
namespace {

template <typename Objects>  // a LiveRange or a vector of pointers
bool Contains(const Objects& objects, const void* p) {
  return std::find(objects.begin(), objects.end(), p) != objects.end();
}

template <typename Objects, typename Pred>
int CountIf(const Objects& objects, Pred pred) {
  return static_cast<int>(std::count_if(objects.begin(), objects.end(), pred));
}

[[noreturn]] void Violation(std::string what) {
  ReportBug(FailureKind::kInvariant, "invariant violated at quiescence: " + what);
}

class InvariantChecker {
 public:
  InvariantChecker(Kernel& k, const ConsumerSlot (&consumers)[kConsumerSlots])
      : consumers_(consumers),
        k_(k),
        live_(k_.slab.Snapshot()),
        heaps_(live_.Take<dma_heap>()),
        files_(live_.Take<file>()),
        inodes_(live_.Take<inode>()),
        devices_(live_.Take<device>()),
        cdevs_(live_.Take<cdev>()),
        dmabufs_(live_.Take<dma_buf>()),
        system_buffers_(live_.Take<system_heap_buffer>()),
        cma_buffers_(live_.Take<cma_heap_buffer>()),
        cma_privs_(live_.Take<cma_heap>()),
        tee_heaps_(live_.Take<tee_dma_heap>()),
        tee_buffers_(live_.Take<tee_heap_buffer>()),
        tee_devices_(live_.Take<tee_device>()),
        tee_pools_(live_.Take<tee_shm_pool>()) {}

  void Run() {
    CheckFdTable();
    CheckFiles();
    CheckHeapProducers();
    CheckHeapList();
    CheckHeapFiles();
    CheckHeapRefcounts();
    CheckCdevsAndInodes();
    CheckDmaBufs();
    CheckModules();
    CheckTee();
    CheckCma();
  }

 private:
  bool IsHeapFile(const file* f) const {
    return f->f_inode != nullptr && f->f_op != nullptr && f->f_op->open == dma_heap_open;
  }

  void CheckFdTable() {
    for (int fd = 0; fd < kNrOpen; ++fd) {
      file* f = k_.vfs.fd[fd];
      if (k_.vfs.open_fds[fd] != (f != nullptr)) {
        Violation(absl::StrFormat("fd %d is reserved but not installed (or the reverse)", fd));
      }
      if (f != nullptr && !Contains(files_, f)) {
        Violation(absl::StrFormat("fd %d refers to a freed struct file", fd));
      }
    }
  }

  void CheckFiles() {
    for (file* f : files_) {
      int in_table = 0;
      for (file* entry : k_.vfs.fd) in_table += entry == f;
      if (f->f_count.Peek() != in_table) {
        Violation(absl::StrFormat("a struct file has f_count %d but %d fd table entries",
                                  f->f_count.Peek(), in_table));
      }
    }
  }

  // Review item 3: a heap's ops and name live in its producer module, which must be loaded
  // for as long as the heap can be reached (B13).
  void CheckHeapProducers() {
    for (dma_heap* h : heaps_) {
      const bool loaded = h->ops == LoadedOps(HeapKind::kSystem) ||
                          h->ops == LoadedOps(HeapKind::kCma) ||
                          h->ops == LoadedOps(HeapKind::kTee);
      if (!loaded) {
        Violation(absl::StrFormat(
            "the heap at minor %d outlives its producer module: its ops and name dangle",
            MINOR(h->heap_devt)));
      }
    }
  }

  // The dma_heap_ops of the loaded module of `kind`, or nullptr.
  const dma_heap_ops* LoadedOps(HeapKind kind) const {
    module* mod = k_.modules[static_cast<int>(kind)];
    if (mod == nullptr) return nullptr;
    switch (kind) {
      case HeapKind::kSystem:
        return &ContainerOf(mod, &system_heap_module::this_module)->system_heap_ops;
      case HeapKind::kCma:
        return &ContainerOf(mod, &cma_heap_module::this_module)->cma_heap_ops;
      case HeapKind::kTee:
        return &ContainerOf(mod, &tee_module::this_module)->tee_dma_heap_ops;
    }
    return nullptr;
  }

  void CheckHeapList() {
    std::vector<dma_heap*> listed;
    listed.reserve(heaps_.size());  // a consistent list links only live heaps
    for (list_head* pos = k_.core.heap_list.next; pos != &k_.core.heap_list; pos = pos->next) {
      dma_heap* h = ContainerOf(pos, &dma_heap::list);
      if (!Contains(heaps_, h)) Violation("heap_list links a freed dma_heap");
      listed.push_back(h);
    }
    for (size_t i = 0; i < listed.size(); ++i) {
      for (size_t j = i + 1; j < listed.size(); ++j) {
        if (std::strcmp(listed[i]->name, listed[j]->name) == 0) {
          Violation(absl::StrFormat("two heaps named '%s' in heap_list", listed[i]->name));
        }
      }
    }
    for (dma_heap* h : heaps_) {
      if (!Contains(listed, h)) Violation("a live dma_heap is not in heap_list (leaked)");
      const uint32_t minor = MINOR(h->heap_devt);
      if (minor >= kNumHeapMinors || k_.core.dma_heap_minors.slots[minor].Peek() != h) {
        Violation(
            absl::StrFormat("heap '%s': dma_heap_minors[%d] is not the heap", h->name, minor));
      }
    }
    for (int minor = 0; minor < kNumHeapMinors; ++minor) {
      dma_heap* h = k_.core.dma_heap_minors.slots[minor].Peek();
      if (h != nullptr && !Contains(listed, h)) {
        Violation(absl::StrFormat("dma_heap_minors[%d] maps a heap that is not registered", minor));
      }
    }
  }

  // Spec invariant 3: an open heap fd refers to a live heap that owns the inode's cdev.
  void CheckHeapFiles() {
    for (file* f : files_) {
      if (!IsHeapFile(f)) continue;
      auto* h = static_cast<dma_heap*>(f->private_data);
      if (!Contains(heaps_, h)) {
        Violation("an open heap fd refers to a freed dma_heap (file->private_data dangles)");
      }
      if (f->f_inode->i_cdev != h->chrdev) {
        Violation(absl::StrFormat(
            "an open fd of heap '%s' holds the cdev of another heap (minor reused)", h->name));
      }
    }
  }

  int ProducerReferences(const dma_heap* h) const {
    int refs = 0;
    for (int kind = 0; kind < kNumProducerKinds; ++kind) {
      module* mod = k_.modules[kind];
      if (mod == nullptr) continue;
      for (int slot = 0; slot < kMaxHeaps; ++slot) {
        if (kind == static_cast<int>(HeapKind::kSystem)) {
          refs += ContainerOf(mod, &system_heap_module::this_module)->heaps[slot].Peek() == h;
        } else if (kind == static_cast<int>(HeapKind::kCma)) {
          refs += ContainerOf(mod, &cma_heap_module::this_module)->heaps[slot].Peek() == h;
        }
      }
    }
    tee_module* tee = TeeModule();
    for (tee_dma_heap* th : tee_heaps_) {
      if (th->heap != h) continue;
      // Mainline never drops the dma_heap_add() reference of a tee heap; tee fixed drops it
      // when it forgets the tee_dma_heap on unregister.
      if (!TeeRemovesHeapOnUnregister(k_.variant) ||
          (tee != nullptr && Contains(TeeRegistered(tee), th))) {
        ++refs;
      }
    }
    return refs;
  }

  void CheckHeapRefcounts() {
    if (!HeapHasKref(k_.variant)) return;
    for (dma_heap* h : heaps_) {
      int expected = ProducerReferences(h);
      for (const ConsumerSlot& slot : consumers_) {
        const uintptr_t v = slot.value.load(std::memory_order_acquire);
        expected += ConsumerSlot::OwnsRef(v) && ConsumerSlot::Heap(v) == h;
      }
      if (HeapOpenTakesReference(k_.variant)) {
        expected += CountIf(files_, [&](file* f) { return IsHeapFile(f) && f->private_data == h; });
      }
      if (BufferHoldsHeapReference(k_.variant)) {
        expected += CountIf(system_buffers_, [&](auto* b) { return b->heap == h; });
        expected += CountIf(cma_buffers_, [&](auto* b) { return b->dma_heap == h; });
        expected += CountIf(tee_buffers_, [&](auto* b) { return b->dma_heap == h; });
      }
      if (h->refcount.Peek() != expected) {
        Violation(absl::StrFormat("heap '%s' has refcount %d but %d live references", h->name,
                                  h->refcount.Peek(), expected));
      }
    }
  }

  void CheckCdevsAndInodes() {
    for (dma_heap* h : heaps_) {
      int expected = 1;  // cdev_add()'s, until cdev_del()
      for (file* f : files_) expected += IsHeapFile(f) && f->f_inode->i_cdev == h->chrdev;
      if (h->chrdev->kobj.kref.Peek() != expected) {
        Violation(absl::StrFormat("heap '%s': cdev kobject refcount %d, %d holders", h->name,
                                  h->chrdev->kobj.kref.Peek(), expected));
      }
    }
    for (cdev* c : cdevs_) {
      if (CountIf(heaps_, [&](dma_heap* h) { return h->chrdev == c; }) != 1) {
        Violation("a cdev_alloc()'ed cdev outlives its heap (leaked)");
      }
    }
    for (inode* node : inodes_) {
      int expected = CountIf(devices_, [&](device* d) { return d->node == node; });
      expected += CountIf(files_, [&](file* f) { return f->f_inode == node; });
      if (node->i_count.Peek() != expected) {
        Violation(absl::StrFormat("an inode has i_count %d but %d holders", node->i_count.Peek(),
                                  expected));
      }
    }
  }

  void CheckDmaBufs() {
    for (dma_buf* b : dmabufs_) {
      if (!Contains(files_, b->file) || b->file->private_data != b) {
        Violation("a dma_buf without its file");
      }
    }
    const int dmabuf_files = CountIf(files_, [](file* f) { return f->f_op == dma_buf_fops(); });
    if (dmabuf_files != static_cast<int>(dmabufs_.size())) {
      Violation(absl::StrFormat("%d dma-buf files but %d dma_bufs", dmabuf_files, dmabufs_.size()));
    }
    const size_t buffers = system_buffers_.size() + cma_buffers_.size() + tee_buffers_.size();
    if (buffers != dmabufs_.size()) {
      Violation(absl::StrFormat("%d heap buffers but %d dma_bufs (ops->release not run once)",
                                buffers, dmabufs_.size()));
    }
  }

  void CheckModules() {
    for (int kind = 0; kind < kNumProducerKinds; ++kind) {
      module* mod = k_.modules[kind];
      if (mod == nullptr) continue;
      int expected = 1;  // MODULE_REF_BASE
      expected += CountIf(dmabufs_, [&](dma_buf* b) { return b->owner == mod; });
      if (HeapPinsProducer(k_.variant)) {
        expected += CountIf(heaps_, [&](dma_heap* h) { return h->owner == mod; });
      }
      expected += CountIf(tee_heaps_, [&](tee_dma_heap* th) { return th->pinned == mod; });
      if (mod->refcnt.Peek() != expected) {
        Violation(absl::StrFormat("module %s has refcnt %d but %d holders", mod->name,
                                  mod->refcnt.Peek(), expected));
      }
    }
    const size_t images = live_.Count<system_heap_module>() + live_.Count<cma_heap_module>() +
                          live_.Count<tee_module>();
    const size_t loaded = std::count_if(std::begin(k_.modules), std::end(k_.modules),
                                        [](module* m) { return m != nullptr; });
    if (images != loaded) Violation("a module image outlives its unload (leaked)");
  }

  tee_module* TeeModule() const {
    module* mod = k_.modules[static_cast<int>(HeapKind::kTee)];
    return mod == nullptr ? nullptr : ContainerOf(mod, &tee_module::this_module);
  }

  std::vector<tee_dma_heap*> TeeRegistered(tee_module* tee) const {
    std::vector<tee_dma_heap*> out;
    for (const auto& slot : tee->tee_dma_heap) {
      if (slot.Peek() != nullptr) out.push_back(slot.Peek());
    }
    return out;
  }

  void CheckTee() {
    for (tee_dma_heap* th : tee_heaps_) {
      const int buffers = CountIf(tee_buffers_, [&](tee_heap_buffer* b) { return b->heap == th; });
      const int expected = th->teedev == nullptr ? 0 : (th->shutting_down ? 0 : 1) + buffers;
      if (th->kref.Peek() != expected || (th->teedev == nullptr && buffers != 0)) {
        Violation(absl::StrFormat("tee_dma_heap %d has kref %d, %d buffers", th->id,
                                  th->kref.Peek(), buffers));
      }
      if (th->pool != nullptr && !Contains(tee_pools_, th->pool)) {
        Violation("a tee_dma_heap uses a destroyed pool");
      }
    }
    for (tee_device* teedev : tee_devices_) {
      int expected = CountIf(tee_heaps_, [&](tee_dma_heap* th) { return th->teedev == teedev; });
      for (const auto& slot : k_.optee_teedevs) expected += slot.Peek() == teedev;
      if (teedev->dev_refcount.Peek() != 1) {
        Violation(absl::StrFormat("a registered tee device has %d device references",
                                  teedev->dev_refcount.Peek()));
      }
      if (teedev->num_users != expected) {
        Violation(absl::StrFormat("a tee device has %d users but %d holders", teedev->num_users,
                                  expected));
      }
    }
    for (tee_shm_pool* pool : tee_pools_) {
      if (CountIf(tee_heaps_, [&](tee_dma_heap* th) { return th->pool == pool; }) != 1) {
        Violation("a tee pool is owned by no tee heap (leaked)");
      }
      uint64_t used = 0;
      for (tee_heap_buffer* b : tee_buffers_) used += b->heap->pool == pool ? b->size : 0;
      if (pool->used != used) Violation("a tee pool's usage does not match its buffers");
    }
  }

  void CheckCma() {
    for (cma_heap_buffer* b : cma_buffers_) {
      if (!Contains(cma_privs_, b->heap)) {
        Violation(
            "a CMA buffer outlives its heap's priv (struct cma_heap), which its release reads");
      }
    }
    uint64_t used = 0;
    for (cma_heap_buffer* b : cma_buffers_) used += b->pagecount;
    if (k_.default_cma_area.free_pages + used != cma().free_pages) {
      Violation(absl::StrFormat("CMA area has %d free pages, buffers hold %d",
                                k_.default_cma_area.free_pages, used));
    }
  }

  static const struct cma& cma() {
    static const struct cma pristine;
    return pristine;
  }

  const ConsumerSlot (&consumers_)[kConsumerSlots];
  Kernel& k_;
  LiveObjectGroups live_;  // one snapshot for every type below
  const LiveRange<dma_heap> heaps_;
  const LiveRange<file> files_;
  const LiveRange<inode> inodes_;
  const LiveRange<device> devices_;
  const LiveRange<cdev> cdevs_;
  const LiveRange<dma_buf> dmabufs_;
  const LiveRange<system_heap_buffer> system_buffers_;
  const LiveRange<cma_heap_buffer> cma_buffers_;
  const LiveRange<cma_heap> cma_privs_;
  const LiveRange<tee_dma_heap> tee_heaps_;
  const LiveRange<tee_heap_buffer> tee_buffers_;
  const LiveRange<tee_device> tee_devices_;
  const LiveRange<tee_shm_pool> tee_pools_;
};

}  // namespace

void World::CheckInvariants() { InvariantChecker(impl_->kernel, impl_->consumers).Run(); }

}  // namespace racefuzz::heaps
