// Thin wrappers over the sanitizer interfaces the harness needs, compiled to nothing when
// the sanitizer is off. The build defines RACEFUZZ_ASAN / RACEFUZZ_TSAN for the whole
// program, because the harness itself is compiled *without* TSan instrumentation (so
// __has_feature(thread_sanitizer) is false here even in a TSan build).
#ifndef RACEFUZZ_HARNESS_SANITIZER_HOOKS_H_
#define RACEFUZZ_HARNESS_SANITIZER_HOOKS_H_

#include <cstddef>

#if defined(RACEFUZZ_ASAN) || defined(RACEFUZZ_TSAN) || defined(RACEFUZZ_UBSAN)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(RACEFUZZ_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/lsan_interface.h>
#endif
#if defined(RACEFUZZ_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

#if defined(RACEFUZZ_TSAN)
extern "C" void __tsan_ignore_thread_begin();
extern "C" void __tsan_ignore_thread_end();
extern "C" void __tsan_write_range(void* addr, unsigned long size);
#endif

namespace racefuzz::sanitizer {

// Marks the harness's own bookkeeping invisible to TSan for the lifetime of the scope.
// Compiling the harness without TSan instrumentation is not enough: inline templates it
// shares with instrumented code under test (std::vector, std::string, ...) may be linked
// from an instrumented copy. Every harness entry point opens one of these; it is per fiber
// (TSan keeps ignore state per fiber), so a scope that spans a switch resumes with its fiber.
// Code under test called back from the harness (release functions, wait conditions) must
// run outside any scope.
class HarnessScope {
 public:
#if defined(RACEFUZZ_TSAN)
  HarnessScope() { __tsan_ignore_thread_begin(); }
  ~HarnessScope() { __tsan_ignore_thread_end(); }
#else
  HarnessScope() {}  // user-provided so that unused-variable warnings stay quiet
#endif
  HarnessScope(const HarnessScope&) = delete;
  HarnessScope& operator=(const HarnessScope&) = delete;
};

// For the tail of a fiber that will leave for good: opened here, closed by the final switch
// (EndHarnessForGood in SwitchContext), since no destructor runs after that switch.
#if defined(RACEFUZZ_TSAN)
inline void BeginHarnessForGood() { __tsan_ignore_thread_begin(); }
inline void EndHarnessForGood() { __tsan_ignore_thread_end(); }
#else
inline void BeginHarnessForGood() {}
inline void EndHarnessForGood() {}
#endif

#if defined(RACEFUZZ_TSAN)
inline constexpr bool kTsan = true;
inline void Acquire(void* addr) { __tsan_acquire(addr); }
inline void Release(void* addr) { __tsan_release(addr); }
// A write of [base, base + size) by the running thread, as TSan's free() records one.
inline void WriteRange(void* base, size_t size) { __tsan_write_range(base, size); }
#else
inline constexpr bool kTsan = false;
inline void Acquire(void*) {}
inline void Release(void*) {}
inline void WriteRange(void*, size_t) {}
#endif

#if defined(RACEFUZZ_ASAN)
inline constexpr bool kAsan = true;
inline void UnpoisonStack(void* base, size_t size) { __asan_unpoison_memory_region(base, size); }
// For memory kept for reuse: ASan reports any access until it is unpoisoned again.
inline void Poison(void* base, size_t size) { __asan_poison_memory_region(base, size); }
inline void Unpoison(void* base, size_t size) { __asan_unpoison_memory_region(base, size); }
#else
inline constexpr bool kAsan = false;
inline void UnpoisonStack(void*, size_t) {}
inline void Poison(void*, size_t) {}
inline void Unpoison(void*, size_t) {}
#endif

}  // namespace racefuzz::sanitizer

#endif  // RACEFUZZ_HARNESS_SANITIZER_HOOKS_H_
