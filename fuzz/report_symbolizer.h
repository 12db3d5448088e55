// SymbolizeReport: names the functions in a sanitizer report printed without symbols.
//
// Why: a campaign skips bugs it already has (fuzz/skip_seen.h), but ASan still prints each
// recovered report, and symbolising its 30-odd frames costs a round trip to the
// llvm-symbolizer process per frame: about 4 ms, against 80 us for the execution itself.
// On kref_v1, where most mutated programs hit a known use-after-free, that made the
// campaign ~20 times slower. So campaigns run ASan with symbolize=0 (scripts/fuzz.sh), and
// the signature, which needs function names, gets them here, from a cache keyed by
// (module, offset): a known bug's frames are symbolised once per process, not once per
// report.
//
// A frame "    #3 0x55d2c1e3f303  (/path/kref_v1_fuzzer+0x20b303) (BuildId: ...)" becomes
// one line per function inlined at that address, innermost first, numbered on, exactly as
// ASan prints a symbolised stack:
//     #3 0x55d2c1e3f303 in racefuzz::heaps::dma_heap_ioctl(...) /src/heaps/dma_heap_ioctl.cc:95:13
// Lines that are not unsymbolised frames are kept as they are. The symbolizer is the one
// ASan itself would run ($ASAN_SYMBOLIZER_PATH, else llvm-symbolizer on $PATH), with the
// same "CODE module offset" protocol; without one, frames stay as they were.
#ifndef RACEFUZZ_FUZZ_REPORT_SYMBOLIZER_H_
#define RACEFUZZ_FUZZ_REPORT_SYMBOLIZER_H_

#include <string>

#include "absl/strings/string_view.h"

namespace racefuzz::fuzz {

std::string SymbolizeReport(absl::string_view report);

// Whether `report` has a frame that SymbolizeReport would name ("(module+0x...)" without
// " in ").
bool HasUnsymbolizedFrames(absl::string_view report);

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_REPORT_SYMBOLIZER_H_
