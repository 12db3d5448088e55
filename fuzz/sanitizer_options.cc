// Default sanitizer options of every executable that runs executions (fuzz targets, the
// standalone driver, the racefuzz command line). Users can still override them with
// ASAN_OPTIONS / UBSAN_OPTIONS / TSAN_OPTIONS.
//
// Every sanitizer report must end in abort(): the harness installs its own sanitizer death
// callback (to print the race diagram), which replaces libFuzzer's, so a sanitizer that just
// exit()s would leave libFuzzer unaware of the crash and no artifact would be saved. With
// abort_on_error the SIGABRT reaches libFuzzer's (and AFL++'s) crash handling.
//
// TSan must stop at the first race (halt_on_error) and abort (abort_on_error), so that a
// fuzzing engine records the input that raced as a crash and the minimiser sees a dead
// child; by default TSan would report, continue, and exit 66 at the end.
//
// report_signal_unsafe=0: libFuzzer's SIGABRT handler prints a stack trace, which calls
// malloc; TSan, still inside its race report, would report that as a signal-unsafe call and
// wait forever for its own report lock, so the process hangs and no crash file is saved.
extern "C" const char* __tsan_default_options() {
  return "halt_on_error=1:abort_on_error=1:report_signal_unsafe=0";
}
// ASan: quarantine_size_mb=10, OSS-Fuzz's base-runner value (scripts/oss-fuzz-check.sh),
// instead of ASan's 256. Freed memory waits in a FIFO quarantine and is handed out again only
// once about 9 MB (90%) more have been freed after it, so a use-after-free is caught whenever
// less than that was freed between the free and the use. Every model object lives and dies
// within one execution (a World), and an execution frees 1-2 KB on the seeds, about 20 KB for
// a 63-operation program (the most an input encodes; libFuzzer's replay of a file adds 9 KB)
// and at most 1.6 MB more at the step budget (the decision list): a use-after-free within an
// execution is always caught, as with 256 MB. What the smaller quarantine saves is fresh
// memory: with 256 MB a run touches new pages (faults, zeroing, cold caches) for its first
// ~20,000 executions and then keeps 256 MB resident; with 10 MB the allocator reuses warm
// memory after about a thousand.
extern "C" const char* __asan_default_options() { return "abort_on_error=1:quarantine_size_mb=10"; }
extern "C" const char* __ubsan_default_options() { return "abort_on_error=1:print_stacktrace=1"; }

#if defined(RACEFUZZ_TSAN)
// libFuzzer + TSan: clang 14's TSan instruments the increments of SanitizerCoverage's inline
// 8-bit counters (it ignores their !nosanitize; later LLVM releases honour it). Two logical
// threads that pass the same edge with no happens-before between them then "race" on a
// coverage counter, a false positive on nearly every input. TSan lets the program veto a
// report (__tsan::OnReport, a weak hook); this one drops exactly the reports whose every
// memory access is to the coverage counters, and keeps every other report.
#include <cstddef>
#include <cstdint>

extern "C" {
// TSan's debugging interface (compiler-rt tsan_debugging.cpp).
int __tsan_get_report_data(void* report, const char** description, int* count,
                           int* stack_count, int* mop_count, int* loc_count, int* mutex_count,
                           int* thread_count, int* unique_tid_count, void** sleep_trace,
                           uintptr_t trace_size);
int __tsan_get_report_mop(void* report, uintptr_t idx, int* tid, void** addr, int* size,
                          int* write, int* atomic, void** trace, uintptr_t trace_size);
// Bounds of the counters' section, defined by the linker when the section exists.
extern uint8_t __start___sancov_cntrs[] __attribute__((weak));
extern uint8_t __stop___sancov_cntrs[] __attribute__((weak));
}

namespace __tsan {
struct ReportDesc;
bool OnReport(const ReportDesc* report, bool suppressed);
}  // namespace __tsan

namespace {
bool IsCoverageCounter(const void* address) {
  const auto* p = static_cast<const uint8_t*>(address);
  return __start___sancov_cntrs != nullptr && p >= __start___sancov_cntrs &&
         p < __stop___sancov_cntrs;
}
}  // namespace

bool __tsan::OnReport(const ReportDesc* report, bool suppressed) {
  if (suppressed) return true;
  void* r = const_cast<ReportDesc*>(report);
  const char* description = nullptr;
  int count = 0, stacks = 0, mops = 0, locs = 0, mutexes = 0, threads = 0, tids = 0;
  void* sleep_trace[1];
  if (!__tsan_get_report_data(r, &description, &count, &stacks, &mops, &locs, &mutexes,
                              &threads, &tids, sleep_trace, 1) ||
      mops == 0) {
    return false;
  }
  for (int i = 0; i < mops; ++i) {
    int tid = 0, size = 0, write = 0, atomic = 0;
    void* address = nullptr;
    void* trace[1];
    if (!__tsan_get_report_mop(r, i, &tid, &address, &size, &write, &atomic, trace, 1) ||
        !IsCoverageCounter(address)) {
      return false;
    }
  }
  return true;  // only coverage counters: not a race of the code under test
}
#endif  // RACEFUZZ_TSAN
