// The fuzz target: one executable per model variant (<variant>_fuzzer), the same source for
// libFuzzer, AFL++ (libAFLDriver), OSS-Fuzz engines and the standalone replay driver.
// RACEFUZZ_TARGET_VARIANT is the variant's canonical name, set by fuzz/CMakeLists.txt.
//
// A bug found by the harness prints its report (race diagram, decoded program, reproduce
// command) and aborts, which every engine records as a crash; sanitizer reports end the
// process the same way. The target itself always returns 0.
//
// RACEFUZZ_SEEN_DIR (set by scripts/fuzz.sh) reports each bug signature only the first time
// the campaign sees it and treats later inputs with it as clean (fuzz/skip_seen.h), so the
// engine keeps exploring instead of restarting on the same shallow bug. With
// RACEFUZZ_CRASH_DIR as well (scripts/fuzz.sh: the campaign's artifacts/), a new bug's input
// is saved there by the target and the process goes on (fuzz/crash_directory.h).
//
// Two environment variables serve the reliability checks (scripts/check-determinism.sh):
//   RACEFUZZ_PRINT_TRACE_HASH=1   print "racefuzz: trace hash H (N scheduling points)" after
//                                 each clean execution (a report carries its own hash).
//   RACEFUZZ_CHECK_DETERMINISM=1  run each input twice and compare (harness/
//                                 determinism_check.h); a divergence prints "racefuzz error:
//                                 nondeterminism ..." and exits with kNondeterminismExitCode.
#include "fuzz/fuzz_target.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/crash_directory.h"
#include "fuzz/death_exit.h"
#include "fuzz/env.h"
#include "fuzz/execute.h"
#include "fuzz/input_codec.h"
#include "fuzz/interleaving_feedback.h"
#include "fuzz/skip_seen.h"
#include "harness/determinism_check.h"
#include "heaps/variant.h"

#ifndef RACEFUZZ_TARGET_VARIANT
#error "RACEFUZZ_TARGET_VARIANT must name the model variant of this fuzz target"
#endif

namespace racefuzz::fuzz {
namespace {

std::string current_file;

// The campaign's store of reported signatures (RACEFUZZ_SEEN_DIR), or nullptr.
SeenSignatures* CampaignSeenSignatures() {
  static SeenSignatures* const seen = [] {
    const std::optional<std::string_view> dir = EnvValue("RACEFUZZ_SEEN_DIR");
    return dir.has_value() ? new SeenSignatures(std::string(*dir)) : nullptr;
  }();
  return seen;
}

// Where the campaign saves new bugs in-process (RACEFUZZ_CRASH_DIR), or nullptr.
const CrashDirectory* CampaignCrashDirectory() {
  static const CrashDirectory* const crash_dir = [] {
    const std::optional<std::string_view> dir = EnvValue("RACEFUZZ_CRASH_DIR");
    return dir.has_value() ? new CrashDirectory(std::string(*dir)) : nullptr;
  }();
  return crash_dir;
}

// Exit status of a nondeterminism error: distinct from a bug (abort) and a usage error (2).
constexpr int kNondeterminismExitCode = 3;

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
  static const bool print_trace_hash = EnvFlag("RACEFUZZ_PRINT_TRACE_HASH");
  static const bool check_determinism = EnvFlag("RACEFUZZ_CHECK_DETERMINISM");
#if defined(RACEFUZZ_TSAN)
  // TSan ends the process at its first report; in a campaign the target does that itself,
  // with the input saved (fuzz/death_exit.h says why).
  static const bool death_exit = [] {
    const CrashDirectory* crash_dir = CampaignCrashDirectory();
    return crash_dir != nullptr && InstallSanitizerDeathExit(crash_dir->dir());
  }();
  if (death_exit) NoteRunningInput(data, size);
#endif
  const Input input = Decode({data, size});
  ExecuteOptions options;
  options.observer = TargetInterleavingFeedback();
  options.summarize = print_trace_hash || check_determinism;
  options.report_footer = [&input] { return ReportFooter(input, TargetVariant(), current_file); };
  if (check_determinism) {
    // Both runs return their failure (if any) instead of aborting, so that they can be
    // compared; a bug that reproduces is then reported by the normal run below.
    options.on_failure = racefuzz::FailurePolicy::kReturn;
    const racefuzz::DeterminismVerdict verdict = racefuzz::RunTwiceAndCompare(
        [&] { return Execute(input, TargetVariant(), options); }, LastExecutionTrace);
    if (verdict.diverged) {
      std::fprintf(stderr, "%s\nInput: %s\n%s", verdict.Describe().c_str(),
                   current_file.empty() ? "<in memory>" : current_file.c_str(),
                   ReportFooter(input, TargetVariant(), current_file).c_str());
      std::fflush(stderr);
      std::_Exit(kNondeterminismExitCode);
    }
  }
  racefuzz::ExecutionResult result;
  if (SeenSignatures* seen = CampaignSeenSignatures()) {
    result = ExecuteReportingNewBugs(input, TargetVariant(), options, *seen,
                                     CampaignCrashDirectory(), {data, size});
    if (result.failed()) return 0;  // a bug this campaign already has
  } else {
    options.on_failure = racefuzz::FailurePolicy::kAbort;
    result = Execute(input, TargetVariant(), options);
  }
  if (print_trace_hash) {
    std::fprintf(stderr, "racefuzz: trace hash %016llx (%llu scheduling points)\n",
                 static_cast<unsigned long long>(result.trace_hash),
                 static_cast<unsigned long long>(result.steps));
  }
  return 0;
}
