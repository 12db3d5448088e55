// World: the entry points through which racefuzz drives the model (heaps/world.h). Each
// one validates its arguments like a system call or a producer would, annotates the trace,
// and calls the modelled kernel function.
#include "heaps/world.h"

#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/yield.h"
#include "heaps/policy.h"
#include "heaps/world_impl.h"

namespace racefuzz::heaps {
namespace {

bool ValidSlot(int slot, int count) { return slot >= 0 && slot < count; }
bool ValidKind(HeapKind kind) { return static_cast<int>(kind) < kNumProducerKinds; }

const char* KindName(HeapKind kind) {
  switch (kind) {
    case HeapKind::kSystem:
      return "system";
    case HeapKind::kCma:
      return "cma";
    case HeapKind::kTee:
      return "tee";
  }
  return "?";
}

// request_module() of a producer, returned pinned: the producer's code runs while the
// caller holds the pin (as the module loader and driver core guarantee for init and probe).
module* LoadProducerModule(Kernel& k, HeapKind kind) {
  MutexLock lock(k.module_mutex);
  module*& mod = k.modules[static_cast<int>(kind)];
  if (mod == nullptr) {
    switch (kind) {
      case HeapKind::kSystem:
        mod = &system_heap_module_load(k)->this_module;
        break;
      case HeapKind::kCma:
        mod = &cma_heap_module_load(k)->this_module;
        break;
      case HeapKind::kTee:
        mod = &tee_module_load(k)->this_module;
        break;
    }
  }
  __module_get(mod);
  return mod;
}

// The loaded module of `kind`, pinned, or nullptr when it is not loaded (or going away).
module* PinLoadedModule(Kernel& k, HeapKind kind) {
  MutexLock lock(k.module_mutex);
  module* mod = k.modules[static_cast<int>(kind)];
  if (mod == nullptr || !try_module_get(mod)) return nullptr;
  return mod;
}

void FreeModuleImage(Kernel& k, HeapKind kind, module* mod) {
  switch (kind) {
    case HeapKind::kSystem:
      kfree(k.slab, ContainerOf(mod, &system_heap_module::this_module),
            "free_module(system_heap)");
      break;
    case HeapKind::kCma:
      kfree(k.slab, ContainerOf(mod, &cma_heap_module::this_module),
            "free_module(cma_heap)");
      break;
    case HeapKind::kTee:
      kfree(k.slab, ContainerOf(mod, &tee_module::this_module), "free_module(tee)");
      break;
  }
}

uint32_t TeeHeapId(int slot) { return static_cast<uint32_t>(slot) + 1; }

}  // namespace

bool HeapName(HeapKind kind, int slot, char* out, size_t size) {
  static constexpr const char* kTeeNames[] = {"protected,secure-video", "protected,trusted-ui",
                                              "protected,secure-video-record"};
  switch (kind) {
    case HeapKind::kSystem:
      return std::snprintf(out, size, "system-%d", slot) > 0;
    case HeapKind::kCma:
      return std::snprintf(out, size, "cma-%d", slot) > 0;
    case HeapKind::kTee:
      if (slot < 0 || slot >= 3) return false;
      return std::snprintf(out, size, "%s", kTeeNames[slot]) > 0;
  }
  return false;
}

World::World(const Variant& variant) : impl_(std::make_unique<Impl>(variant)) {}
World::~World() = default;

const Variant& World::variant() const { return impl_->kernel.variant; }

// The annotations below run in every execution: StrCat, not StrFormat (several times cheaper).
int World::AddHeap(HeapKind kind, int heap) {
  Annotate(AnnotationText("AddHeap(", KindName(kind), ", heap=", heap, ")"));
  if (!ValidKind(kind) || !ValidSlot(heap, kMaxHeaps)) return -EINVAL;
  Kernel& k = impl_->kernel;
  int rc = 0;
  if (kind == HeapKind::kTee) {
    // OP-TEE probe: a tee device for this slot, then tee_device_register_dma_heap().
    MutexLock device_lock(k.optee_device_lock);
    module* mod = LoadProducerModule(k, kind);
    tee_device* teedev = k.optee_teedevs[heap].Load();
    if (teedev == nullptr) {
      teedev = tee_device_alloc(k);
      k.optee_teedevs[heap].Store(teedev);
    }
    tee_shm_pool* pool = tee_shm_pool_alloc(k);
    rc = tee_device_register_dma_heap(k, ContainerOf(mod, &tee_module::this_module), teedev,
                                      TeeHeapId(heap), pool);
    if (rc != 0) tee_shm_pool_destroy(k, pool);
    module_put(mod);
  } else {
    module* mod = LoadProducerModule(k, kind);
    rc = kind == HeapKind::kSystem
             ? system_heap_create(k, ContainerOf(mod, &system_heap_module::this_module), heap)
             : cma_heap_create(k, ContainerOf(mod, &cma_heap_module::this_module), heap);
    module_put(mod);
  }
  if (rc == 0) impl_->slot_kind[heap].store(static_cast<int>(kind), std::memory_order_release);
  return rc;
}

int World::RemoveHeap(int heap) {
  Annotate(AnnotationText("RemoveHeap(heap=", heap, ")"));
  Kernel& k = impl_->kernel;
  if (!HeapHasKref(k.variant)) return -EOPNOTSUPP;
  if (!ValidSlot(heap, kMaxHeaps)) return -EINVAL;
  const int kind_index = impl_->slot_kind[heap].load(std::memory_order_acquire);
  if (kind_index < 0) return -ENOENT;
  const auto kind = static_cast<HeapKind>(kind_index);
  if (kind == HeapKind::kTee) return -EINVAL;  // tee heaps go with their tee device
  module* mod = PinLoadedModule(k, kind);
  if (mod == nullptr) return -ENOENT;
  const int rc =
      kind == HeapKind::kSystem
          ? system_heap_remove(k, ContainerOf(mod, &system_heap_module::this_module), heap)
          : cma_heap_remove(k, ContainerOf(mod, &cma_heap_module::this_module), heap);
  module_put(mod);
  return rc;
}

int World::TeeUnregister(int heap) {
  Annotate(AnnotationText("TeeUnregister(heap=", heap, ")"));
  if (!ValidSlot(heap, kMaxHeaps)) return -EINVAL;
  Kernel& k = impl_->kernel;
  MutexLock device_lock(k.optee_device_lock);  // OP-TEE remove
  tee_device* teedev = k.optee_teedevs[heap].Exchange(nullptr);
  if (teedev == nullptr) return -ENODEV;
  // A tee device exists only while tee.ko is loaded: unloading it removes them all under
  // the same device lock.
  module* mod = PinLoadedModule(k, HeapKind::kTee);
  RACEFUZZ_CHECK(mod != nullptr, "a tee device outlived tee.ko");
  tee_device_unregister(k, ContainerOf(mod, &tee_module::this_module), teedev);
  module_put(mod);
  return 0;
}

int World::UnloadModule(HeapKind kind) {
  Annotate(AnnotationText("UnloadModule(", KindName(kind), ")"));
  if (!ValidKind(kind)) return -EINVAL;
  Kernel& k = impl_->kernel;
  // Unloading the tee module first unbinds the OP-TEE devices: serialise with probe/remove.
  const bool tee = kind == HeapKind::kTee;
  MutexGuard device_lock(k.optee_device_lock,
                         tee ? MutexGuard::State::kLock : MutexGuard::State::kUnlocked);
  module* mod = nullptr;
  int rc = 0;
  {
    MutexLock lock(k.module_mutex);  // delete_module()
    mod = k.modules[static_cast<int>(kind)];
    int base = 1;
    if (mod == nullptr) {
      rc = -ENOENT;
    } else if (mod->exit == nullptr) {
      rc = -EBUSY;  // no module_exit: "can't be unloaded"
    } else if (!mod->refcnt.CompareExchange(base, 0)) {
      rc = -EBUSY;  // try_stop_module(): still in use
    } else {
      mod->state.Store(MODULE_STATE_GOING);
      k.modules[static_cast<int>(kind)] = nullptr;
    }
  }
  if (rc == 0) {
    mod->exit(k, mod);
    FreeModuleImage(k, kind, mod);  // its ops tables and name strings go with it
  }
  return rc;
}

int World::FindHeap(int heap, int slot) {
  Annotate(AnnotationText("dma_heap_find(heap=", heap, ") -> consumer slot ", slot));
  Kernel& k = impl_->kernel;
  if (!HeapHasKref(k.variant)) return -ENOSYS;
  if (!ValidSlot(heap, kMaxHeaps) || !ValidSlot(slot, kConsumerSlots)) return -EINVAL;
  const int kind_index = impl_->slot_kind[heap].load(std::memory_order_acquire);
  char name[64];
  if (kind_index < 0 || !HeapName(static_cast<HeapKind>(kind_index), heap, name, sizeof(name))) {
    return -ENOENT;
  }
  dma_heap* found = dma_heap_find(k, name);
  if (found == nullptr) return -ENOENT;
  const uintptr_t old =
      impl_->consumers[slot].value.exchange(ConsumerSlot::Owning(found), std::memory_order_acq_rel);
  if (ConsumerSlot::OwnsRef(old)) dma_heap_put(k, ConsumerSlot::Heap(old));
  return 0;
}

int World::PutHeap(int slot) {
  Annotate(AnnotationText("dma_heap_put(consumer slot ", slot, ")"));
  Kernel& k = impl_->kernel;
  if (!HeapHasKref(k.variant)) return -ENOSYS;
  if (!ValidSlot(slot, kConsumerSlots)) return -EINVAL;
  const uintptr_t old = impl_->consumers[slot].value.exchange(0, std::memory_order_acq_rel);
  dma_heap_put(k, ConsumerSlot::Heap(old));  // an empty slot puts NULL (B9)
  return 0;
}

int World::PutHeapKeepSlot(int slot) {
  Annotate(AnnotationText("dma_heap_put(consumer slot ", slot, "), pointer kept"));
  Kernel& k = impl_->kernel;
  if (!HeapHasKref(k.variant)) return -ENOSYS;
  if (!ValidSlot(slot, kConsumerSlots)) return -EINVAL;
  // The pointer stays; it no longer owns a reference, so a second put is unbalanced (B8).
  const uintptr_t old =
      impl_->consumers[slot].value.fetch_and(~ConsumerSlot::kOwnsRef, std::memory_order_acq_rel);
  dma_heap_put(k, ConsumerSlot::Heap(old));
  return 0;
}

int World::OpenHeap(int heap) {
  Annotate(AnnotationText("open(/dev/dma_heap/<heap ", heap, ">)"));
  if (!ValidSlot(heap, kMaxHeaps)) return -ENOENT;
  const int kind_index = impl_->slot_kind[heap].load(std::memory_order_acquire);
  char name[64];
  if (kind_index < 0 || !HeapName(static_cast<HeapKind>(kind_index), heap, name, sizeof(name))) {
    return -ENOENT;
  }
  return sys_open_dma_heap(impl_->kernel, name);
}

int World::Alloc(int fd, uint64_t len, uint32_t fd_flags, uint64_t heap_flags, uint32_t cmd) {
  Annotate(AnnotationFormat("ioctl(fd=%d, %s, len=%d)", fd, IoctlCommandName(cmd).text, len));
  // (The command by name if it is DMA_HEAP_IOCTL_ALLOC, else in hex: formatted in a fixed
  // buffer, since every Alloc of every execution is annotated.)
  // The caller's struct dma_heap_allocation_data at the start of one mapped user page.
  uint8_t user_page[PAGE_SIZE] = {};
  const dma_heap_allocation_data data{len, 0, fd_flags, heap_flags};
  std::memcpy(user_page, &data, sizeof(data));
  const long ret = sys_ioctl(impl_->kernel, fd, cmd, UserPtr{user_page, sizeof(user_page)});
  if (ret < 0) return static_cast<int>(ret);
  dma_heap_allocation_data out;
  std::memcpy(&out, user_page, sizeof(out));
  return static_cast<int>(out.fd);
}

int World::Close(int fd) {
  Annotate(AnnotationText("close(fd=", fd, ")"));
  return sys_close(impl_->kernel, fd);
}

int World::Dup(int fd) {
  Annotate(AnnotationText("dup(fd=", fd, ")"));
  return sys_dup(impl_->kernel, fd);
}

int World::CloseAll() {
  Annotate("exit_files()");
  int closed = 0;
  for (int fd = 0; fd < kNrOpen; ++fd) closed += sys_close(impl_->kernel, fd) == 0;
  return closed;
}

namespace {
std::atomic<void*> spare_world_storage{nullptr};  // see World::Impl::operator new
}  // namespace

void* World::Impl::operator new(size_t size) {
  if (!sanitizer::kTsan) {
    if (void* storage = spare_world_storage.exchange(nullptr, std::memory_order_acquire)) {
      sanitizer::Unpoison(storage, size);
      return storage;
    }
  }
  return ::operator new(size);
}

void World::Impl::operator delete(void* storage, size_t size) {
  if (!sanitizer::kTsan) {
    sanitizer::Poison(storage, size);
    void* expected = nullptr;
    if (spare_world_storage.compare_exchange_strong(expected, storage, std::memory_order_release)) {
      return;
    }
    sanitizer::Unpoison(storage, size);
  }
  ::operator delete(storage);
}

}  // namespace racefuzz::heaps
