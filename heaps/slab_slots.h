// The slab registry's table (heaps/slab.h): one slot per model object that kzalloc handed
// out and kfree has not taken back, with what the registry needs to check and free it.
//
// Slots live in chunks of 64, the first one inside the table (so inside the World, whose
// storage the next World reuses), more only when a program keeps more objects alive: no
// allocation per kzalloc or kfree, where a std::map node was one more ASan malloc and free
// (each with its stack trace) per model object. A slot is found by scanning: a World holds
// a few dozen objects. Nothing here calls memmove or memset on slots (no vector growth, no
// zeroing): TSan intercepts those even in this uninstrumented bookkeeping and would report
// the fibers that allocate and free as racing.
//
// Not thread-safe: SlabRegistry holds its lock around every call.
#ifndef RACEFUZZ_HEAPS_SLAB_SLOTS_H_
#define RACEFUZZ_HEAPS_SLAB_SLOTS_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace racefuzz::heaps {

class SlabSlots {
 public:
  struct Entry {
    void* object;  // nullptr: the slot is free
    const void* type_tag;
    void (*deleter)(void*);
    uint64_t id;   // allocation order within the registry
    bool retired;  // freed for every check, deleted only when the registry is cleared
  };

  SlabSlots() = default;
  SlabSlots(const SlabSlots&) = delete;
  SlabSlots& operator=(const SlabSlots&) = delete;

  // A free slot for the caller to fill (with a non-null object).
  Entry& Add();
  // The slot of `object` if it is held and not retired, else nullptr.
  Entry* FindHeld(const void* object);
  void Free(Entry& entry);
  // Calls f(const Entry&) for every slot in use (live or retired), in slot order.
  template <typename F>
  void ForEachInUse(F&& f) const {
    for (const Chunk* chunk = &first_; chunk != nullptr; chunk = chunk->next.get()) {
      for (int i = 0; i < chunk->used; ++i) {
        if (chunk->slots[i].object != nullptr) f(chunk->slots[i]);
      }
    }
  }
  // Every slot free again; the chunks stay for the next objects.
  void Clear();
  // Slots in use (live or retired).
  size_t InUse() const { return in_use_; }

 private:
  static constexpr int kChunkSlots = 64;
  struct Chunk {
    Entry slots[kChunkSlots];  // uninitialised above `used`
    int used = 0;              // slots [0, used) were handed out at least once
    std::unique_ptr<Chunk> next;
  };

  Chunk first_;
  Chunk* last_ = &first_;  // the chunk Add appends to once no slot is free
  int free_slots_ = 0;     // free slots below the `used` marks
  size_t in_use_ = 0;
};

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_SLAB_SLOTS_H_
