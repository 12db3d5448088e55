// FNV-1a, 64 bits (Fowler, Noll, Vo): a byte-at-a-time hash. It names saved crash inputs
// (fuzz/crash_directory.h) and seeds the random tail of a schedule (fuzz/program.h:
// TailSeed); both values are kept in corpora and tests, so this function must never change.
//
// Calls chain: Fnv1a64(b, Fnv1a64(a)) is the hash of a followed by b.
//
// The trace hash (harness/trace.cc) is not this: it starts from the same offset basis but
// mixes whole 64-bit words, which is much faster for the volume it hashes.
#ifndef RACEFUZZ_HARNESS_FNV1A_H_
#define RACEFUZZ_HARNESS_FNV1A_H_

#include <cstdint>
#include <span>
#include <string_view>

namespace racefuzz {

inline constexpr uint64_t kFnv1a64Offset = 0xcbf29ce484222325ULL;
inline constexpr uint64_t kFnv1a64Prime = 0x100000001b3ULL;

namespace fnv1a_internal {
// Any contiguous range of one-byte elements (uint8_t or char).
template <typename Bytes>
constexpr uint64_t Hash(const Bytes& bytes, uint64_t hash) {
  for (const auto b : bytes) hash = (hash ^ static_cast<uint8_t>(b)) * kFnv1a64Prime;
  return hash;
}
}  // namespace fnv1a_internal

constexpr uint64_t Fnv1a64(std::span<const uint8_t> bytes, uint64_t hash = kFnv1a64Offset) {
  return fnv1a_internal::Hash(bytes, hash);
}

constexpr uint64_t Fnv1a64(std::string_view bytes, uint64_t hash = kFnv1a64Offset) {
  return fnv1a_internal::Hash(bytes, hash);
}

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_FNV1A_H_
