// StructuredMutator: mutates fuzz inputs as programs and schedules, not as bytes.
//
// A byte-level mutation of the byte form (fuzz/README.md) mostly breaks what a race needs:
// flipping an opcode byte turns an `open` into a `dup` of nothing, inserting a byte shifts
// every later operation, and a random schedule byte is a countdown of up to 255 yield
// points, past the end of most executions. The races of the dma-heap model need a few
// operations that fit together (a heap, an fd on it, a buffer, the removal, in two lanes)
// and a preemption or two inside a narrow window. This mutator keeps inputs well formed and
// makes the likely moves cheap:
//
//   * insert, delete, move (to another lane) or change one operation, with arguments that
//     name what the program already has (heaps it adds, fds it opens, slots it fills), and
//     fd references renumbered so that they keep naming the same operation;
//   * insert the whole lifetime of a heap (added, used, torn down, with the steps spread over
//     the lanes so that the teardown races the uses), or copy an operation into another
//     lane (a double close, put or removal);
//   * replace the program by one fresh lifetime (a short program again, from any input);
//   * add or drop a racing thread;
//   * a fresh short schedule (a few preemptions a few yield points apart, which is what
//     random and PCT schedules that find these bugs look like, half of the time with a
//     random tail: fuzz/program.h), one decision changed, added or dropped, or the random
//     tail switched.
//
// Every result encodes (Encode succeeds), so a crash file still is one input that replays
// the same interleaving, every time: the mutator only chooses which inputs are tried. The
// moves are chosen by a Prng seeded by the caller (libFuzzer's seed), so the same seed and
// input give the same result. Structure-aware fuzzing in the sense of libFuzzer's
// LLVMFuzzerCustomMutator interface (llvm.org/docs/LibFuzzer.html, "Structure-aware
// fuzzing"); the hook is fuzz/custom_mutator.cc.
#ifndef RACEFUZZ_FUZZ_MUTATOR_H_
#define RACEFUZZ_FUZZ_MUTATOR_H_

#include <cstdint>

#include "fuzz/program.h"
#include "harness/prng.h"

namespace racefuzz::fuzz {

class StructuredMutator {
 public:
  explicit StructuredMutator(uint64_t seed) : rng_(seed) {}

  // Applies one to three moves to `input`. The result always encodes, and its byte form is
  // never longer than `max_bytes` when the input's is not (schedule decisions are dropped
  // first, then operations).
  void Mutate(Input& input, size_t max_bytes);

  // Inserts one new operation (the move the others are built around; for tests), when the
  // lane chosen has room.
  void InsertOperation(Input& input, size_t max_bytes);

  // Inserts the whole lifetime of one heap: added (or one the program adds), used by
  // userspace or an in-kernel consumer, and torn down again, its steps spread over the
  // setup lane and the racing threads (a move of Mutate; for tests). Does nothing when
  // it does not fit.
  void InsertLifetime(Input& input, size_t max_bytes);

  // A program made of lanes of `a` and `b` (each lane taken from one of them) and the
  // schedule of one of them, fd references repaired.
  Input CrossOver(const Input& a, const Input& b, size_t max_bytes);

 private:
  Prng rng_;
};

// The byte length of `input`'s byte form (header, operations, schedule).
size_t EncodedSize(const Input& input);

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_MUTATOR_H_
