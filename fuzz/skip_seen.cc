#include "fuzz/skip_seen.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "fuzz/report_symbolizer.h"
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

namespace {

// A sanitizer report's key in the store: its signature, and for a use-after-free also who
// freed the memory, so that B1 and B13 (same use, different free) are each reported. The
// sanitizer's own report comes first in the text; the harness's "[sanitizer]" report after
// it carries no signature of its own.
std::string SanitizerKey(absl::string_view sanitizer_output) {
  std::string key = SignatureFromReport(sanitizer_output, /*crashed=*/true);
  const std::string free_site = FreeSite(sanitizer_output);
  if (!free_site.empty()) absl::StrAppend(&key, ".freed-in-", free_site);
  return key;
}

// The sanitizer's text with function names in its frames: campaigns run ASan with
// symbolize=0 (fuzz/report_symbolizer.h says why), and signatures need the names.
std::string Readable(std::string sanitizer_output) {
  if (!HasUnsymbolizedFrames(sanitizer_output)) return sanitizer_output;
  return SymbolizeReport(sanitizer_output);
}

}  // namespace

bool SeenSignatures::Known(const std::string& signature) const {
  if (known_.count(signature) != 0) return true;
  if (access(absl::StrCat(dir_, "/", signature).c_str(), F_OK) != 0) return false;
  known_.insert(signature);
  return true;
}

std::string FailureSignature(const Failure& failure, absl::string_view sanitizer_output) {
  if (failure.kind == FailureKind::kSanitizer) return SanitizerKey(sanitizer_output);
  // The report's first line: "==racefuzz== BUG [<kind>]: <title>".
  absl::string_view title = failure.title;
  return HarnessSignature(FailureKindName(failure.kind), title.substr(0, title.find('\n')));
}

std::string FindingText(FailureKind failure, absl::string_view sanitizer_output,
                        absl::string_view report) {
  if (failure != FailureKind::kNone && failure != FailureKind::kSanitizer) {
    return std::string(report);
  }
  return absl::StrCat(sanitizer_output, report);
}

ExecutionResult ExecuteReportingNewBugs(const Input& input, const heaps::Variant& variant,
                                        ExecuteOptions options, SeenSignatures& seen,
                                        const CrashDirectory* crash_dir,
                                        absl::Span<const uint8_t> bytes) {
  std::string report;
  std::string signature;
  SanitizerCapture capture;
  options.on_failure = FailurePolicy::kReturn;
  options.report_out = &report;
  // Only a new bug needs its report (the race diagram is costly to draw).
  options.report_if = [&](const Failure& failure) {
    signature = FailureSignature(failure, Readable(capture.Peek()));
    return !seen.Known(signature);
  };
  const ExecutionResult result = Execute(input, variant, options);
  const std::string sanitizer_output = Readable(capture.Close());
  if (!result.failed()) {
    if (sanitizer_output.empty()) return result;
    // A report outside the execution (e.g. while the World was destroyed).
    signature = SanitizerKey(sanitizer_output);
  }
  if (!seen.FirstTime(signature)) return result;
  const std::string text = FindingText(result.failure.kind, sanitizer_output, report);
  std::fwrite(text.data(), 1, text.size(), stderr);
  if (crash_dir != nullptr) {
    const absl::StatusOr<std::string> saved = crash_dir->Save(bytes);
    if (saved.ok()) {
      std::fprintf(stderr, "racefuzz: new bug %s; input saved as %s\n", signature.c_str(),
                   saved->c_str());
      std::fflush(stderr);
      return result;
    }
    std::fprintf(stderr, "racefuzz: %s; aborting so that the engine saves the input\n",
                 std::string(saved.status().message()).c_str());
  }
  std::fflush(stderr);
  std::abort();  // the engine saves this input as the crash of a new bug
}

}  // namespace racefuzz::fuzz
