#include "heaps/variant.h"

#include <array>

namespace racefuzz::heaps {
namespace {

struct NamedVariant {
  const char* name;
  CoreVariant core;
  TeeVariant tee;
};

constexpr std::array<NamedVariant, 6> kVariants = {{
    {"upstream", CoreVariant::kUpstream, TeeVariant::kMainline},
    {"kref_v1", CoreVariant::kKrefV1, TeeVariant::kMainline},
    {"fixed", CoreVariant::kFixed, TeeVariant::kFixed},
    {"upstream_tee_fixed", CoreVariant::kUpstream, TeeVariant::kFixed},
    {"kref_v1_tee_fixed", CoreVariant::kKrefV1, TeeVariant::kFixed},
    {"fixed_tee_mainline", CoreVariant::kFixed, TeeVariant::kMainline},
}};

}  // namespace

std::string Variant::Name() const {
  for (const NamedVariant& v : kVariants) {
    if (v.core == core && v.tee == tee) return v.name;
  }
  return "unknown";
}

std::optional<Variant> Variant::FromName(std::string_view name) {
  for (const NamedVariant& v : kVariants) {
    if (name == v.name) return Variant{v.core, v.tee};
  }
  return std::nullopt;
}

}  // namespace racefuzz::heaps
