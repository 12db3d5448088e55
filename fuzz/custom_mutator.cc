// libFuzzer's structure-aware hooks for the dma-heap targets (llvm.org/docs/LibFuzzer.html,
// "Structure-aware fuzzing"): most mutations go through StructuredMutator (fuzz/mutator.h),
// which edits the program and the schedule as such; one in four is libFuzzer's own byte
// mutation (with the -dict tokens), which keeps the odd inputs a structured edit would never
// make within reach.
//
// RACEFUZZ_STRUCTURED_MUTATOR=0 hands every mutation and cross-over to libFuzzer's byte
// mutators, as if these hooks were absent (for measuring their worth: scripts/fuzz.sh
// --byte-mutator, the time-to-bug benchmark).
//
// Engines without LLVMFuzzerMutate (AFL++'s libAFLDriver, which does not call these hooks
// either) still link: the declaration is weak, and without it every mutation is structured.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz/env.h"
#include "fuzz/input_codec.h"
#include "fuzz/mutator.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size)
    __attribute__((weak));

namespace racefuzz::fuzz {
namespace {

bool StructuredMutationsOn() {
  static const bool on = EnvFlag("RACEFUZZ_STRUCTURED_MUTATOR", /*if_unset=*/true);
  return on;
}

// Writes `input` into data[0, max_size) and returns its size, or 0 when it does not fit
// (which the mutator prevents; then the caller falls back).
size_t Store(const Input& input, uint8_t* data, size_t max_size) {
  auto bytes = Encode(input);
  if (!bytes.ok() || bytes->empty() || bytes->size() > max_size) return 0;
  std::memcpy(data, bytes->data(), bytes->size());
  return bytes->size();
}

}  // namespace
}  // namespace racefuzz::fuzz

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  using namespace racefuzz::fuzz;
  const bool byte_mutator_available = LLVMFuzzerMutate != nullptr;
  if (byte_mutator_available && (!StructuredMutationsOn() || seed % 4 == 0)) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  Input input = Decode({data, size});
  StructuredMutator(seed).Mutate(input, max_size);
  const size_t stored = Store(input, data, max_size);
  if (stored != 0) return stored;
  return byte_mutator_available ? LLVMFuzzerMutate(data, size, max_size) : size;
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* data1, size_t size1,
                                            const uint8_t* data2, size_t size2, uint8_t* out,
                                            size_t max_out_size, unsigned int seed) {
  using namespace racefuzz::fuzz;
  // 0 = no cross-over from this hook: libFuzzer then picks another mutation, and its own
  // cross-over is among the byte mutations LLVMFuzzerMutate applies.
  if (!StructuredMutationsOn()) return 0;
  const Input mixed =
      StructuredMutator(seed).CrossOver(Decode({data1, size1}), Decode({data2, size2}),
                                        max_out_size);
  return Store(mixed, out, max_out_size);
}
