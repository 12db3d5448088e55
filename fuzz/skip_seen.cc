#include "fuzz/skip_seen.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "fuzz/sanitizer_capture.h"
#include "fuzz/signature.h"

namespace racefuzz::fuzz {

bool SeenSignatures::FirstTime(const std::string& signature) {
  if (!known_.insert(signature).second) return false;
  const std::string path = absl::StrCat(dir_, "/", signature);
  const int fd = open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
  // Any error but "exists" (a missing directory, a full disk) reports the bug: a duplicate
  // report is better than a lost one.
  if (fd < 0) return errno != EEXIST;
  close(fd);
  return true;
}

std::string FindingText(FailureKind failure, absl::string_view sanitizer_output,
                        absl::string_view report) {
  if (failure != FailureKind::kNone && failure != FailureKind::kSanitizer) {
    return std::string(report);
  }
  return absl::StrCat(sanitizer_output, report);
}

ExecutionResult ExecuteReportingNewBugs(const Input& input, const heaps::Variant& variant,
                                        ExecuteOptions options, SeenSignatures& seen) {
  std::string report;
  options.on_failure = FailurePolicy::kReturn;
  options.report_out = &report;
  SanitizerCapture capture;
  const ExecutionResult result = Execute(input, variant, options);
  const std::string sanitizer_output = capture.Close();
  if (!result.failed() && sanitizer_output.empty()) return result;
  const std::string text = FindingText(result.failure.kind, sanitizer_output, report);
  if (!seen.FirstTime(SignatureFromReport(text, /*crashed=*/true))) return result;
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  std::abort();  // the engine saves this input as the crash of a new bug
}

}  // namespace racefuzz::fuzz
