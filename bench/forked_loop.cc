#include "bench/forked_loop.h"

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "fuzz/signature.h"

namespace racefuzz::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Shared between the parent and its children: the index of the execution the child is
// running, which is also the number of executions completed.
struct SharedProgress {
  std::atomic<uint64_t> next{0};
};

// A child's output beyond this is dropped: a report is a few kilobytes.
constexpr size_t kMaxOutput = 1 << 20;

[[noreturn]] void ChildLoop(const std::function<void(uint64_t)>& execute, SharedProgress& progress,
                            int output_fd) {
  dup2(output_fd, STDOUT_FILENO);
  dup2(output_fd, STDERR_FILENO);
  close(output_fd);
  for (;;) {
    const uint64_t index = progress.next.load(std::memory_order_relaxed);
    execute(index);
    progress.next.store(index + 1, std::memory_order_relaxed);
  }
}

// User + system time of every reaped child of this process.
double ChildrenCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void KillAndReap(pid_t pid) {
  kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

ForkedLoopResult RunForkedLoop(const std::function<void(uint64_t)>& execute,
                               const ForkedLoopOptions& options) {
  void* memory = mmap(nullptr, sizeof(SharedProgress), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    std::perror("bench: mmap");
    std::exit(2);
  }
  auto* progress = new (memory) SharedProgress();
  ForkedLoopResult result;
  const double cpu_at_start = ChildrenCpuSeconds();
  const Clock::time_point start = Clock::now();
  for (;;) {
    int fds[2];
    if (pipe(fds) != 0) {
      std::perror("bench: pipe");
      std::exit(2);
    }
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) {
      std::perror("bench: fork");
      std::exit(2);
    }
    if (pid == 0) {
      close(fds[0]);
      ChildLoop(execute, *progress, fds[1]);
    }
    close(fds[1]);

    std::string output;
    bool child_ended = false;
    uint64_t last_index = progress->next.load(std::memory_order_relaxed);
    Clock::time_point last_progress = Clock::now();
    while (!child_ended) {
      pollfd poll_fd{fds[0], POLLIN, 0};
      const int ready = poll(&poll_fd, 1, 20);
      if (ready > 0) {
        char buffer[8192];
        const ssize_t n = read(fds[0], buffer, sizeof(buffer));
        if (n > 0) {
          if (output.size() < kMaxOutput) output.append(buffer, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
          child_ended = true;
        }
      }
      if (child_ended) break;
      if (SecondsSince(start) >= options.max_seconds) {
        KillAndReap(pid);
        close(fds[0]);
        result.seconds = SecondsSince(start);
        result.cpu_seconds = ChildrenCpuSeconds() - cpu_at_start;
        result.executions = progress->next.load(std::memory_order_relaxed);
        munmap(memory, sizeof(SharedProgress));
        return result;
      }
      const uint64_t index = progress->next.load(std::memory_order_relaxed);
      if (index != last_index) {
        last_index = index;
        last_progress = Clock::now();
      } else if (SecondsSince(last_progress) >= options.hang_seconds) {
        KillAndReap(pid);
        break;
      }
    }
    close(fds[0]);

    std::string signature = "bench.hang";  // killed above, already reaped
    if (child_ended) {
      int status = 0;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      const bool crashed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
      signature = fuzz::SignatureFromReport(output, crashed);
      if (signature == fuzz::kCleanSignature) signature = "bench.child-exited";
    }
    const uint64_t died_at = progress->next.load(std::memory_order_relaxed);
    const bool wanted = std::any_of(
        options.wanted_signatures.begin(), options.wanted_signatures.end(),
        [&](const std::string& prefix) { return signature.rfind(prefix, 0) == 0; });
    if (wanted) {
      result.found = true;
      result.seconds = SecondsSince(start);
      result.cpu_seconds = ChildrenCpuSeconds() - cpu_at_start;
      result.executions = died_at;
      result.signature = signature;
      result.report = std::move(output);
      munmap(memory, sizeof(SharedProgress));
      return result;
    }
    result.other_reports.push_back(signature);
    progress->next.store(died_at + 1, std::memory_order_relaxed);  // skip the reporting one
  }
}

}  // namespace racefuzz::bench
