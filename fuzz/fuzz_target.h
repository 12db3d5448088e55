// What the standalone driver tells the fuzz target (fuzz_target.cc).
#ifndef RACEFUZZ_FUZZ_FUZZ_TARGET_H_
#define RACEFUZZ_FUZZ_FUZZ_TARGET_H_

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace racefuzz::fuzz {
// The file being replayed, for the reproduce line of reports (engines do not tell).
void SetCurrentInputFile(std::string file);
}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_FUZZ_TARGET_H_
