// The fuzz target: one executable per model variant (<variant>_fuzzer), the same source for
// libFuzzer, AFL++ (libAFLDriver), OSS-Fuzz engines and the standalone replay driver.
// RACEFUZZ_TARGET_VARIANT is the variant's canonical name, set by fuzz/CMakeLists.txt.
//
// A bug found by the harness prints its report (race diagram, decoded program, reproduce
// command) and aborts, which every engine records as a crash; sanitizer reports end the
// process the same way. The target itself always returns 0.
#include "fuzz/fuzz_target.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/execute.h"
#include "fuzz/input_codec.h"
#include "fuzz/interleaving_feedback.h"
#include "heaps/variant.h"

#ifndef RACEFUZZ_TARGET_VARIANT
#error "RACEFUZZ_TARGET_VARIANT must name the model variant of this fuzz target"
#endif

namespace racefuzz::fuzz {
namespace {

std::string current_file;

const heaps::Variant& TargetVariant() {
  static const heaps::Variant variant = [] {
    auto v = heaps::Variant::FromName(RACEFUZZ_TARGET_VARIANT);
    if (!v) {
      std::fprintf(stderr, "racefuzz: unknown variant %s\n", RACEFUZZ_TARGET_VARIANT);
      std::abort();
    }
    return *v;
  }();
  return variant;
}

}  // namespace

void SetCurrentInputFile(std::string file) { current_file = std::move(file); }

}  // namespace racefuzz::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace racefuzz::fuzz;
  const Input input = Decode({data, size});
  ExecuteOptions options;
  options.on_failure = racefuzz::FailurePolicy::kAbort;
  options.observer = TargetInterleavingFeedback();
  options.report_footer = [&input] { return ReportFooter(input, TargetVariant(), current_file); };
  Execute(input, TargetVariant(), options);
  return 0;
}
