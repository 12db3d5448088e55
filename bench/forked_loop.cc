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
// running (also the number of executions completed), and what the child found without
// dying (a harness report returned by the execution).
struct SharedProgress {
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> returned_reports{0};
  std::atomic<bool> found{false};
  char signature[512] = {};
};

// A child's output beyond this is dropped: a report is a few kilobytes.
constexpr size_t kMaxOutput = 1 << 20;

bool Wanted(const std::vector<std::string>& prefixes, const std::string& signature) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& prefix) { return signature.rfind(prefix, 0) == 0; });
}

[[noreturn]] void ChildLoop(const std::function<std::string(uint64_t)>& execute,
                            const ForkedLoopOptions& options, SharedProgress& progress,
                            int output_fd) {
  dup2(output_fd, STDOUT_FILENO);
  dup2(output_fd, STDERR_FILENO);
  close(output_fd);
  for (;;) {
    const uint64_t index = progress.next.load(std::memory_order_relaxed);
    const std::string signature = execute(index);
    if (!signature.empty()) {
      if (Wanted(options.wanted_signatures, signature)) {
        signature.copy(progress.signature, sizeof(progress.signature) - 1);
        progress.found.store(true, std::memory_order_release);
        std::fflush(stdout);
        _exit(0);
      }
      progress.returned_reports.fetch_add(1, std::memory_order_relaxed);
    }
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

ForkedLoopResult RunForkedLoop(const std::function<std::string(uint64_t)>& execute,
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
      ChildLoop(execute, options, *progress, fds[1]);
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
        result.other_returned_reports = progress->returned_reports.load();
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
      if (progress->found.load(std::memory_order_acquire)) {
        signature = progress->signature;  // returned by the harness; the child exited
      } else {
        signature = fuzz::SignatureFromReport(output, crashed);
        if (signature == fuzz::kCleanSignature) signature = "bench.child-exited";
      }
    }
    const uint64_t died_at = progress->next.load(std::memory_order_relaxed);
    if (Wanted(options.wanted_signatures, signature)) {
      result.found = true;
      result.seconds = SecondsSince(start);
      result.cpu_seconds = ChildrenCpuSeconds() - cpu_at_start;
      result.executions = died_at;
      result.other_returned_reports = progress->returned_reports.load();
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
