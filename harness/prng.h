// Prng: a small deterministic generator (SplitMix64, Steele, Lea, Flood, OOPSLA 2014).
// Its output is fixed by the seed on every platform and library version, which the C++
// standard distributions do not promise; determinism is the product.
#ifndef RACEFUZZ_HARNESS_PRNG_H_
#define RACEFUZZ_HARNESS_PRNG_H_

#include <cstdint>

namespace racefuzz {

class Prng {
 public:
  explicit Prng(uint64_t seed = 0) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound), bound > 0 (Lemire's multiply-shift; the tiny bias is irrelevant).
  uint64_t Below(uint64_t bound) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * bound) >> 64);
  }

 private:
  uint64_t state_;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_PRNG_H_
