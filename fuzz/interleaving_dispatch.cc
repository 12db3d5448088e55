// The interleaving feedback as real coverage edges: one distinct, never-inlined function per
// bucket, so every SanitizerCoverage-based engine (AFL++ included, which ignores libFuzzer's
// extra counters) sees a new edge when an input reaches a new reads-from bucket. This file
// is the only framework code compiled with coverage instrumentation (fuzz/CMakeLists.txt).
#include <array>
#include <utility>

#include "fuzz/interleaving_feedback.h"

namespace racefuzz::fuzz {
namespace {

template <uint32_t kBucket>
[[gnu::noinline]] void InterleavingEdge() {
  // Distinct bodies keep identical-code folding from merging the functions.
  asm volatile("" : : "i"(kBucket) : "memory");
}

template <uint32_t... kBuckets>
constexpr std::array<void (*)(), sizeof...(kBuckets)> EdgeTable(
    std::integer_sequence<uint32_t, kBuckets...>) {
  return {&InterleavingEdge<kBuckets>...};
}

constexpr auto kEdges = EdgeTable(std::make_integer_sequence<uint32_t, kInterleavingBuckets>{});

}  // namespace

void RecordInterleavingBucket(uint32_t bucket) { kEdges[bucket % kInterleavingBuckets](); }

}  // namespace racefuzz::fuzz
