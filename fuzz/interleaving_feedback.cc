#include "fuzz/interleaving_feedback.h"

#include "fuzz/env.h"

namespace racefuzz::fuzz {
namespace {

// libFuzzer finds this array through the linker-made __start_/__stop_ symbols of the
// section and zeroes it before every input. Other engines ignore it.
__attribute__((used, section("__libfuzzer_extra_counters")))
uint8_t interleaving_counters[kInterleavingBuckets];

uint32_t Bucket(uint32_t writer_site, uint32_t reader_site) {
  // A multiplicative mix of both sites; sites are already hashes of file and line.
  uint64_t x = (uint64_t{writer_site} << 32) | reader_site;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return static_cast<uint32_t>(x % kInterleavingBuckets);
}

}  // namespace

void InterleavingFeedback::OnReadsFrom(uint32_t writer_site, uint32_t reader_site) {
  const uint32_t bucket = Bucket(writer_site, reader_site);
  if (hit_.test(bucket)) return;
  hit_.set(bucket);
  interleaving_counters[bucket] = 1;
  RecordInterleavingBucket(bucket);
}

std::span<uint8_t> InterleavingCounters() { return interleaving_counters; }

InterleavingObserver* TargetInterleavingFeedback() {
  static InterleavingObserver* const observer = []() -> InterleavingObserver* {
    // Off only for exactly "0" (fuzz/interleaving_feedback.h), not as EnvFlag reads a switch.
    if (EnvValue("RACEFUZZ_FEEDBACK") == "0") return nullptr;
    return new InterleavingFeedback();
  }();
  return observer;
}

}  // namespace racefuzz::fuzz
