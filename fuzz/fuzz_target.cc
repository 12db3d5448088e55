// The fuzz target: one executable per model variant (<variant>_fuzzer), the same source for
// libFuzzer, AFL++ (libAFLDriver), OSS-Fuzz engines and the standalone replay driver.
// RACEFUZZ_TARGET_VARIANT is the variant's canonical name, set by fuzz/CMakeLists.txt.
//
// A bug found by the harness prints its report (race diagram, decoded program, reproduce
// command) and aborts, which every engine records as a crash; sanitizer reports end the
// process the same way. The target itself always returns 0.
//
// Two environment variables serve the reliability checks (scripts/check-determinism.sh):
//   RACEFUZZ_PRINT_TRACE_HASH=1   print "racefuzz: trace hash H (N scheduling points)" after
//                                 each clean execution (a report carries its own hash).
//   RACEFUZZ_CHECK_DETERMINISM=1  run each input twice and compare (harness/
//                                 determinism_check.h); a divergence prints "racefuzz error:
//                                 nondeterminism ..." and exits with kNondeterminismExitCode.
#include "fuzz/fuzz_target.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/execute.h"
#include "fuzz/input_codec.h"
#include "fuzz/interleaving_feedback.h"
#include "fuzz/isolated_run.h"
#include "fuzz/signature.h"
#include "harness/determinism_check.h"
#include "heaps/variant.h"

#ifndef RACEFUZZ_TARGET_VARIANT
#error "RACEFUZZ_TARGET_VARIANT must name the model variant of this fuzz target"
#endif

namespace racefuzz::fuzz {
namespace {

std::string current_file;

// RACEFUZZ_SEEN_DIR (set by scripts/fuzz.sh): each bug signature is reported as a crash only
// the first time it shows up in the campaign; later inputs with the same signature are
// treated as clean, so the engine keeps exploring instead of restarting its process on the
// same shallow bug again and again (on kref_v1 about one input in five hits a known bug).
// Each input first runs in a forked child (IsolatedRun), since a sanitizer report ends the
// process; only a clean input then runs here, where the engine sees its coverage and
// interleaving feedback. The directory holds one empty file per signature seen.
const char* SeenDir() {
  static const char* const dir = std::getenv("RACEFUZZ_SEEN_DIR");
  return dir;
}

bool FirstTimeSeen(const std::string& signature) {
  const std::string path = std::string(SeenDir()) + "/" + signature;
  const int fd = open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
  if (fd < 0) return errno != EEXIST;
  close(fd);
  return true;
}

// Exit status of a nondeterminism error: distinct from a bug (abort) and a usage error (2).
constexpr int kNondeterminismExitCode = 3;

bool EnvFlag(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && value[0] != '\0' && value[0] != '0';
}

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
  const Input input = Decode({data, size});
  ExecuteOptions options;
  options.observer = TargetInterleavingFeedback();
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
  if (SeenDir() != nullptr) {
    absl::StatusOr<IsolatedOutcome> probe = RunIsolated(input, TargetVariant(), current_file);
    if (probe.ok() && probe->signature != kCleanSignature) {
      if (FirstTimeSeen(probe->signature)) {
        std::fwrite(probe->output.data(), 1, probe->output.size(), stderr);
        std::fflush(stderr);
        std::abort();  // the engine saves this input as the crash of a new bug
      }
      return 0;  // a bug this campaign already has
    }
  }
  options.on_failure = racefuzz::FailurePolicy::kAbort;
  const racefuzz::ExecutionResult result = Execute(input, TargetVariant(), options);
  if (print_trace_hash) {
    std::fprintf(stderr, "racefuzz: trace hash %016llx (%llu scheduling points)\n",
                 static_cast<unsigned long long>(result.trace_hash),
                 static_cast<unsigned long long>(result.steps));
  }
  return 0;
}
