// InterleavingFeedback: turns the harness's reads-from pairs into coverage the fuzzing
// engines reward, so an input that makes a synchronisation object be read from a new
// writer site is kept in the corpus even when it covers no new line of the model (RFF,
// ASPLOS'24; XNU unit-test fibers feed the same pairs into coverage).
//
// Each pair (writer site, reader site) is hashed to one of kBuckets buckets and counted
// twice over:
//   - in a `__libfuzzer_extra_counters` array, which libFuzzer clears before every input
//     and reads with its hit-count buckets;
//   - as a call to one of kBuckets distinct functions in interleaving_dispatch.cc, the only
//     framework file compiled with coverage, so AFL++ (and any SanitizerCoverage engine)
//     sees one edge per bucket.
#ifndef RACEFUZZ_FUZZ_INTERLEAVING_FEEDBACK_H_
#define RACEFUZZ_FUZZ_INTERLEAVING_FEEDBACK_H_

#include <cstdint>
#include <span>

#include "harness/interleaving_observer.h"

namespace racefuzz::fuzz {

inline constexpr uint32_t kInterleavingBuckets = 1024;

class InterleavingFeedback : public InterleavingObserver {
 public:
  void OnReadsFrom(uint32_t writer_site, uint32_t reader_site) override;
};

// The process-wide observer for fuzz targets, or nullptr when feedback is off: the
// environment variable RACEFUZZ_FEEDBACK=0 turns it off (to measure what it is worth).
InterleavingObserver* TargetInterleavingFeedback();

// The libFuzzer counters, for tests (libFuzzer itself clears them before every input).
std::span<uint8_t> InterleavingCounters();

// Defined in interleaving_dispatch.cc (coverage-instrumented).
void RecordInterleavingBucket(uint32_t bucket);

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_INTERLEAVING_FEEDBACK_H_
