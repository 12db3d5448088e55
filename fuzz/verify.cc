#include "fuzz/verify.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_format.h"
#include "fuzz/execute.h"
#include "harness/exhaustive_strategy.h"

namespace racefuzz::fuzz {
namespace {

// The child: the whole search in this process. Returns its exit status.
int Search(const Input& input, const heaps::Variant& variant, const std::string& file,
           const VerifyOptions& options) {
  ExhaustiveStrategy exhaustive(options.max_preemptions);
  ExecuteOptions execute;
  execute.strategy = &exhaustive;
  execute.on_failure = FailurePolicy::kReturn;
  std::string report;
  execute.report_out = &report;
  execute.report_footer = [&] { return ReportFooter(input, variant, file); };
  const auto start = std::chrono::steady_clock::now();
  auto out_of_time = [&] {
    return options.max_seconds > 0 &&
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >=
               options.max_seconds;
  };
  while (!exhaustive.done() && !out_of_time()) {
    const ExecutionResult r = Execute(input, variant, execute);
    if (r.failed()) {
      std::fwrite(report.data(), 1, report.size(), stdout);
      std::printf("racefuzz verify: %s: %s\n", variant.Name().c_str(),
                  exhaustive.Outcome(&r.failure).Summary().c_str());
      return kVerifyBugFound;
    }
  }
  const ExhaustiveOutcome outcome = exhaustive.Outcome(nullptr);
  std::printf("racefuzz verify: %s: %s\n", variant.Name().c_str(), outcome.Summary().c_str());
  if (outcome.nondeterministic) return kVerifyBugFound;  // a racefuzz error, not a proof
  return outcome.complete ? kVerifyProved : kVerifyTimedOut;
}

}  // namespace

absl::StatusOr<int> Verify(const Input& input, const heaps::Variant& variant,
                           const std::string& file, const VerifyOptions& options) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrFormat("fork: %s", std::strerror(errno)));
  if (pid == 0) {
    const int status = Search(input, variant, file, options);
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(status);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return absl::InternalError(absl::StrFormat("waitpid: %s", std::strerror(errno)));
    }
  }
  if (WIFEXITED(status)) {
    const int code = WEXITSTATUS(status);
    if (code == kVerifyProved || code == kVerifyBugFound || code == kVerifyTimedOut) return code;
  }
  // A sanitizer report (it aborts: fuzz/sanitizer_options.cc) or another death: the search
  // stopped at a bug, whose report and race diagram the child printed.
  std::printf("racefuzz verify: %s: bug found: the search ended at a sanitizer report (above)\n",
              variant.Name().c_str());
  return kVerifyBugFound;
}

}  // namespace racefuzz::fuzz
