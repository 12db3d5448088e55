// The model's slab allocator: kzalloc/kfree of model objects as real heap allocations
// (so ASan sees every use-after-free where the kernel would have one), plus a registry of
// what is alive, so a World can free everything at teardown (no LSan leaks, even after an
// execution that a failure abandoned halfway) and check for leaked objects at quiescence.
//
// The registry is bookkeeping, not kernel state: slab.cc is compiled without TSan
// instrumentation, as the kernel's allocator is not part of what we check. The frees
// themselves stay visible to TSan (its free() interceptor reports a free that races with an
// earlier unordered access, which is a real bug in the model).
//
// Like the kernel's allocator, the registry is safe to use from real threads (the stress
// baseline, fuzz::ExecuteOnRealThreads): a spinlock in slab.cc, which TSan does not see,
// so it adds no happens-before edge between the model's threads.
#ifndef RACEFUZZ_HEAPS_SLAB_H_
#define RACEFUZZ_HEAPS_SLAB_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "harness/yield.h"
#include "heaps/slab_slots.h"

namespace racefuzz::heaps {

// A slab's identity: the address of this tag, unique per type in the whole program (an
// inline variable has one address).
template <typename T>
inline constexpr char kSlabTag = 0;

class SlabRegistry {
 public:
  using Deleter = void (*)(void*);

  SlabRegistry() = default;
  ~SlabRegistry();  // frees every object still alive
  SlabRegistry(const SlabRegistry&) = delete;
  SlabRegistry& operator=(const SlabRegistry&) = delete;

  void Insert(void* object, const void* type_tag, Deleter deleter);
  // Forgets `object`; false if it is not a live allocation (a double or wild free).
  bool Erase(void* object);
  // Like Erase (the object is freed for every check), but its memory is deleted only by
  // FreeAll; false if it is not a live allocation.
  bool Retire(void* object);
  // Every live object (type tag, object), in allocation order (deterministic checks).
  using LiveEntry = std::pair<const void*, void*>;
  std::vector<LiveEntry> Snapshot() const;
  size_t LiveCount() const;
  void FreeAll();

 private:
  class Guard;

  // Slots (heaps/slab_slots.h), not a std::map: a map node was one more ASan allocation
  // (two stack traces) per kzalloc and kfree. Not a vector: its erase and growth call
  // memmove, which TSan intercepts even here (slab.cc is not TSan-instrumented) and would
  // report as races between the fibers that allocate and free. Type tags are compared by
  // address: no strcmp (under libFuzzer every strcmp is intercepted and traced) in the
  // invariant checks' 16 scans. Snapshot and FreeAll go by allocation order (entry ids);
  // a retired object keeps its slot until FreeAll deletes it. (Lines below here carry
  // yield points: moving them changes every trace hash.)
  SlabSlots slots_;
  size_t live_count_ = 0;
  uint64_t next_id_ = 0;
  mutable std::atomic_flag lock_ = ATOMIC_FLAG_INIT;
};

// kzalloc(sizeof(T)): T must name its slab with `static constexpr const char* kSlabName`.
// Allocation is a point where the kernel can sleep, hence the yield.
template <typename T>
T* kzalloc(SlabRegistry& slab, const char* label) {
  Yield(label);
  T* object = new T();
  slab.Insert(object, &kSlabTag<T>, [](void* p) { delete static_cast<T*>(p); });
  return object;
}

// kfree(object). A free of something that is not allocated is a double free: ASan reports
// it itself (so we let the delete happen); other builds get a harness report.
template <typename T>
void kfree(SlabRegistry& slab, T* object, const char* label) {
  Yield(label);
  if (object == nullptr) return;
#if defined(RACEFUZZ_ASAN)
  slab.Erase(object);
  delete object;
#else
  // Without ASan nothing reports a use after this free, and such a use must not reach memory
  // the allocator has handed out again since: B2's write after the free landed in the
  // harness's trace buffers and crashed Trace::Hash in the libfuzzer-tsan build, and what a
  // read saw differed between builds (B13's call into an unloaded module image too). So the
  // object is retired: freed for every check, deleted with the registry. TSan still sees the free as a write of the
  // whole object, as its free() interceptor makes it, so a use racing with it is reported.
  if (!slab.Retire(object)) {
    ReportBug(FailureKind::kInvariant, std::string("double kfree of a ") + T::kSlabName);
  }
  sanitizer::WriteRange(object, sizeof(T));
#endif
}

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_SLAB_H_
