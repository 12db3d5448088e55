// InterleavingFeedback: turns the harness's reads-from pairs into coverage the fuzzing
// engines reward, so an input that makes a synchronisation object be read from a new
// writer site is kept in the corpus even when it covers no new line of the model (RFF,
// ASPLOS'24; XNU unit-test fibers feed the same pairs into coverage).
//
// Each pair (writer site, reader site) is hashed to one of kBuckets buckets, and the first
// time a bucket is hit in an execution it is marked twice over:
//   - in a `__libfuzzer_extra_counters` array, which libFuzzer clears before every input;
//   - as a call to one of kBuckets distinct functions in interleaving_dispatch.cc, the only
//     framework file compiled with coverage, so AFL++ (and any SanitizerCoverage engine)
//     sees one edge per bucket.
// Once, not once per occurrence: the engines would turn counts into hit-count features, and
// a longer program repeats the same pairs more often, so every new count made the corpus
// grow with programs that show no new interleaving (bench/README.md measures the cost on
// the bugs whose difficulty is the program).
#ifndef RACEFUZZ_FUZZ_INTERLEAVING_FEEDBACK_H_
#define RACEFUZZ_FUZZ_INTERLEAVING_FEEDBACK_H_

#include <bitset>
#include <cstdint>
#include <span>

#include "harness/interleaving_observer.h"

namespace racefuzz::fuzz {

inline constexpr uint32_t kInterleavingBuckets = 1024;

class InterleavingFeedback : public InterleavingObserver {
 public:
  void OnExecutionStart() override { hit_.reset(); }
  void OnReadsFrom(uint32_t writer_site, uint32_t reader_site) override;

 private:
  std::bitset<kInterleavingBuckets> hit_;  // buckets hit in this execution
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
