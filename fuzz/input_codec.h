// The byte form of an Input: what fuzzing engines mutate and what crash files contain.
//
// Layout (fuzz/README.md has the full table):
//   [threads] [op count N] N x [opcode a0 a1 a2] ... schedule bytes, stored back to front
// The program is read from the front and has a length of its own (the header's N), the
// schedule is whatever follows, read from the last byte backwards. So a mutation inside one
// part leaves the other part as it was: an overwrite changes only its own part, an
// insertion or deletion in the program moves bytes only at the far end of the schedule (the
// decisions consumed last), and one in the schedule never touches the program.
//
// Every byte string decodes (arguments are reduced modulo their range, missing bytes end
// the program early), and Encode(Decode(x)) decodes to the same Input.
#ifndef RACEFUZZ_FUZZ_INPUT_CODEC_H_
#define RACEFUZZ_FUZZ_INPUT_CODEC_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "fuzz/program.h"

namespace racefuzz::fuzz {

inline constexpr size_t kHeaderBytes = 2;
inline constexpr size_t kOpBytes = 4;

Input Decode(std::span<const uint8_t> bytes);

// Fails only for an Input that no byte string decodes to (too many ops, a lane above
// num_threads, an alloc argument outside the choices, a dangling fd reference).
absl::StatusOr<std::vector<uint8_t>> Encode(const Input& input);

// The one-byte length code: mode (2 bits) and exponent e (6 bits) give 2^e, 2^e - 1,
// 2^e + 1 or 2^64 - 2^e, so page boundaries, zero and wrapping lengths are each one byte.
uint64_t DecodeLen(uint8_t code);
std::optional<uint8_t> EncodeLen(uint64_t len);

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_INPUT_CODEC_H_
