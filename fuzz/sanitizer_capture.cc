#include "fuzz/sanitizer_capture.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "harness/scheduler.h"

#if defined(RACEFUZZ_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif

namespace racefuzz::fuzz {
namespace {

#if defined(RACEFUZZ_ASAN)
// One in-memory file per process, reused by every capture (truncated when closed).
int capture_fd = -1;
bool capturing = false;

int CaptureFd() {
  if (capture_fd < 0) {
    capture_fd = memfd_create("racefuzz-sanitizer-report", MFD_CLOEXEC);
    if (capture_fd < 0) {
      std::perror("racefuzz: memfd_create");
      std::abort();
    }
  }
  return capture_fd;
}

void SetReportFd(int fd) { __sanitizer_set_report_fd(reinterpret_cast<void*>(intptr_t{fd})); }

}  // namespace
}  // namespace racefuzz::fuzz

// ASan keeps a second copy of every line it prints: its printf hook appends the line to a 64
// KB log (the text later handed to __asan_set_error_report_callback), and clang 14 appends
// with internal_strncpy, which zero-fills the rest of the 64 KB on every line. A report has
// 40-120 lines, so that padding was about a sixth of a campaign's known-bug execution
// (2,000 replays of a known B1: 1.21-1.28 s of user time with it, 1.03-1.06 s without). While a
// capture is open the report already goes to the capture's file, and nothing of ours reads
// that log, so the hook is pointed at a function that drops the line, and put back when the
// capture closes. Both are the runtime's own hidden functions: linkable from this
// executable when ASan is linked in statically (clang's default), and null through these
// weak references otherwise, in which case nothing changes.
namespace __sanitizer {
void SetPrintfAndReportCallback(void (*callback)(const char*)) __attribute__((weak));
}  // namespace __sanitizer
namespace __asan {
void AppendToErrorMessageBuffer(const char* line) __attribute__((weak));
}  // namespace __asan

namespace racefuzz::fuzz {
namespace {

void DropLine(const char*) {}

void SetAsanLogKept(bool kept) {
  if (&__sanitizer::SetPrintfAndReportCallback == nullptr ||
      &__asan::AppendToErrorMessageBuffer == nullptr) {
    return;
  }
  // The end of every report copies the log, which exists only once a line was appended.
  static const bool log_exists = [] {
    __asan::AppendToErrorMessageBuffer("");
    return true;
  }();
  (void)log_exists;
  __sanitizer::SetPrintfAndReportCallback(kept ? &__asan::AppendToErrorMessageBuffer : &DropLine);
}

// The scheduler's sanitizer death prelude: the process dies with a capture open, so copy
// what the sanitizer printed to stderr before the race diagram follows. Plain syscalls: the
// sanitizer is in the middle of dying.
void CopyCaptureToStderr() {
  if (!capturing) return;
  capturing = false;
  SetReportFd(STDERR_FILENO);
  const off_t end = lseek(capture_fd, 0, SEEK_CUR);
  char buffer[4096];
  for (off_t at = 0; at < end;) {
    const ssize_t n = pread(capture_fd, buffer, sizeof(buffer), at);
    if (n <= 0) break;
    if (write(STDERR_FILENO, buffer, static_cast<size_t>(n)) < 0) break;
    at += n;
  }
}
#endif

}  // namespace

SanitizerCapture::SanitizerCapture() {
#if defined(RACEFUZZ_ASAN)
  static const bool prelude_installed = [] {
    Scheduler::SetSanitizerDeathPrelude(&CopyCaptureToStderr);
    return true;
  }();
  (void)prelude_installed;
  SetReportFd(CaptureFd());
  SetAsanLogKept(false);
  capturing = true;
  open_ = true;
#endif
}

std::string SanitizerCapture::Peek() const {
  std::string text;
#if defined(RACEFUZZ_ASAN)
  if (!open_) return text;
  const off_t end = lseek(capture_fd, 0, SEEK_CUR);
  if (end > 0) {
    text.resize(static_cast<size_t>(end));
    const ssize_t n = pread(capture_fd, text.data(), text.size(), 0);
    text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
#endif
  return text;
}

std::string SanitizerCapture::Close() {
  std::string text = Peek();
  if (!open_) return text;
  open_ = false;
#if defined(RACEFUZZ_ASAN)
  capturing = false;
  SetReportFd(STDERR_FILENO);
  SetAsanLogKept(true);
  if (!text.empty()) {
    if (ftruncate(capture_fd, 0) != 0 || lseek(capture_fd, 0, SEEK_SET) != 0) {
      std::perror("racefuzz: cannot reset the sanitizer capture");
      std::abort();
    }
  }
#endif
  return text;
}

}  // namespace racefuzz::fuzz
