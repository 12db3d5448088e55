#include "fuzz/isolated_run.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_format.h"
#include "fuzz/execute.h"
#include "fuzz/signature.h"

namespace racefuzz::fuzz {

absl::StatusOr<IsolatedOutcome> RunIsolated(const Input& input, const heaps::Variant& variant,
                                            const std::string& file, int timeout_seconds) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) {
    return absl::InternalError(absl::StrFormat("pipe: %s", std::strerror(errno)));
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrFormat("fork: %s", std::strerror(errno)));
  if (pid == 0) {
    close(pipe_fds[0]);
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[1]);
    // Inside a fuzz target the engine's crash and timeout handlers are installed; the child
    // must die plainly instead of writing artifacts of its own.
    signal(SIGABRT, SIG_DFL);
    signal(SIGALRM, SIG_DFL);
    alarm(static_cast<unsigned>(timeout_seconds));
    ExecuteOptions options;
    options.on_failure = FailurePolicy::kAbort;
    options.report_footer = [&] { return ReportFooter(input, variant, file); };
    Execute(input, variant, options);
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(0);  // no exit-time work (leak checks, static destructors) in the child
  }
  close(pipe_fds[1]);
  IsolatedOutcome outcome;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer));
    if (n > 0) {
      outcome.output.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  outcome.crashed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
    outcome.output +=
        absl::StrFormat("\n==racefuzz== timeout: no result after %d s\n", timeout_seconds);
    outcome.signature = "racefuzz.timeout";
    return outcome;
  }
  outcome.signature = SignatureFromReport(outcome.output, outcome.crashed);
  return outcome;
}

}  // namespace racefuzz::fuzz
