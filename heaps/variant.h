// Variant: which version of the dma-heap core and of the tee heap the model runs. Variants
// differ only in small, named places (see the predicates); there is one copy of the core.
#ifndef RACEFUZZ_HEAPS_VARIANT_H_
#define RACEFUZZ_HEAPS_VARIANT_H_

#include <optional>
#include <string>
#include <string_view>

namespace racefuzz::heaps {

enum class CoreVariant {
  kUpstream,  // current mainline: heaps are never removed, no kref
  kKrefV1,    // "[PATCH 1/8] + [PATCH 2/8] dma-heap: Add proper kref handling" as posted
  kFixed,     // the review's three points done right
};

enum class TeeVariant {
  kMainline,  // tee_heap.c as merged: the tee_dma_heap can vanish before the dma_heap (B13)
  kFixed,     // tee heap lifetime tied to the dma_heap's
};

struct Variant {
  CoreVariant core = CoreVariant::kKrefV1;
  TeeVariant tee = TeeVariant::kMainline;

  // Canonical names: "upstream", "kref_v1", "fixed" (core with tee fixed too), and
  // "upstream_tee_fixed", "kref_v1_tee_fixed", "fixed_tee_mainline" for the other pairs.
  std::string Name() const;
  static std::optional<Variant> FromName(std::string_view name);
};

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_VARIANT_H_
