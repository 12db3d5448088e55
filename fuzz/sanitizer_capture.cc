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
