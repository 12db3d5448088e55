#include "heaps/slab_slots.h"

namespace racefuzz::heaps {

SlabSlots::Entry& SlabSlots::Add() {
  ++in_use_;
  if (free_slots_ > 0) {
    for (Chunk* chunk = &first_; chunk != nullptr; chunk = chunk->next.get()) {
      for (int i = 0; i < chunk->used; ++i) {
        if (chunk->slots[i].object == nullptr) {
          --free_slots_;
          return chunk->slots[i];
        }
      }
    }
  }
  if (last_->used == kChunkSlots) {
    if (last_->next == nullptr) last_->next = std::make_unique<Chunk>();
    last_ = last_->next.get();
  }
  return last_->slots[last_->used++];
}

SlabSlots::Entry* SlabSlots::FindHeld(const void* object) {
  if (object == nullptr) return nullptr;  // a free slot's mark, never an object
  for (Chunk* chunk = &first_; chunk != nullptr; chunk = chunk->next.get()) {
    for (int i = 0; i < chunk->used; ++i) {
      Entry& entry = chunk->slots[i];
      if (entry.object == object && !entry.retired) return &entry;
    }
  }
  return nullptr;
}

void SlabSlots::Free(Entry& entry) {
  entry.object = nullptr;
  ++free_slots_;
  --in_use_;
}

void SlabSlots::Clear() {
  for (Chunk* chunk = &first_; chunk != nullptr; chunk = chunk->next.get()) chunk->used = 0;
  last_ = &first_;
  free_slots_ = 0;
  in_use_ = 0;
}

}  // namespace racefuzz::heaps
