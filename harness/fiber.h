// Fibers: stacks and context switches for logical threads, on Boost.Context's fcontext.
//
// Every switch is annotated for the sanitizers in the switching frame:
//  - ASan: __sanitizer_start_switch_fiber before the jump (with a per-context fake stack, or
//    nullptr when the context leaves for good) and __sanitizer_finish_switch_fiber after it,
//    so stack-use-after-return detection keeps working across fibers.
//  - TSan: __tsan_switch_to_fiber(.., __tsan_switch_to_fiber_no_sync), so TSan sees no
//    happens-before between logical threads merely because they share one OS thread. The
//    modelled primitives add exactly the happens-before they really create.
#ifndef RACEFUZZ_HARNESS_FIBER_H_
#define RACEFUZZ_HARNESS_FIBER_H_

#include <cstddef>
#include <vector>

// fiber.cc has its own x86-64 SysV jump; other targets, or -DRACEFUZZ_BOOST_JUMP, use
// Boost.Context's. Without ASan and TSan annotations SwitchContext is then inline.
#if defined(__x86_64__) && defined(__ELF__) && !defined(RACEFUZZ_BOOST_JUMP)
#define RACEFUZZ_OWN_JUMP 1
#if !defined(RACEFUZZ_ASAN) && !defined(RACEFUZZ_TSAN)
#define RACEFUZZ_INLINE_SWITCH 1
#endif
#endif

namespace racefuzz {

struct FiberContext;

#if defined(RACEFUZZ_OWN_JUMP)
// Saves the running context's registers and FP control state on its stack and its stack
// pointer in from->fctx, then resumes `to`. Returns, in `from`, the context that switched
// back to it. Assembly in fiber.cc.
extern "C" FiberContext* racefuzz_switch_stacks(FiberContext* from, FiberContext* to);
#endif

// A fiber stack with a PROT_NONE guard page below it.
struct FiberStack {
  void* mapping = nullptr;  // start of the mmap (the guard page)
  size_t mapping_size = 0;
  char* bottom = nullptr;  // lowest usable address
  size_t size = 0;         // usable bytes above the guard page
  // ASan: the lowest address that may still carry poison from frames of the last fiber
  // that ran on it (see StackPool::Release); bottom for a new or unknown stack.
  char* dirty_bottom = nullptr;
  bool valid() const { return mapping != nullptr; }
};

// Stacks are expensive to map; an execution takes them from here and gives them back.
class StackPool {
 public:
  explicit StackPool(size_t stack_size);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  FiberStack Acquire();
  // `last_stack_pointer`: the stack pointer at which the stack's fiber left for good (its
  // FiberContext::fctx after the switch), or nullptr if unknown. ASan poisons the redzones
  // of a frame on entry and clears them on return, and unpoisons everything above the stack
  // pointer when an exception is thrown (__asan_handle_no_return), so only the frames still
  // live at that final switch (above the stack pointer) can carry poison into the stack's
  // next use: Acquire clears that part, not the whole stack (a 32 KB shadow memset per
  // logical thread per execution was 1-2% of a fuzzing run).
  void Release(FiberStack stack, const void* last_stack_pointer = nullptr);
  // For a stack whose fiber was abandoned mid-run (after a failure): never reused, and
  // registered with LSan as a root region so objects it still points to are not leaks.
  void Quarantine(FiberStack stack);
  size_t stack_size() const { return stack_size_; }

 private:
  size_t stack_size_;
  std::vector<FiberStack> free_;
  std::vector<FiberStack> quarantined_;
};

// One switchable context: a fiber, or the host (the OS thread's own stack).
struct FiberContext {
  void* fctx = nullptr;                // boost::context::detail::fcontext_t
  const void* stack_bottom = nullptr;  // for ASan; learned on first switch for the host
  size_t stack_size = 0;
  void* asan_fake_stack = nullptr;
  void* tsan_fiber = nullptr;
  bool owns_tsan_fiber = false;
  void (*entry)(void*) = nullptr;  // what a new fiber runs first
  void* entry_arg = nullptr;
  FiberContext* switching_to = nullptr;  // set by SwitchContext for the jump

  // Prepares a fiber context on `stack` that calls entry(arg) when first switched to.
  // entry must never return; it leaves by SwitchContext(.., leaving_for_good=true).
  void InitFiber(const FiberStack& stack, void (*entry)(void*), void* arg);
  // Describes the currently running OS-thread context.
  void InitHost();
  // Frees sanitizer state; the context must not be running. With keep_tsan_fiber, TSan's
  // fiber is kept for the next InitFiber of this context: TSan (LLVM 14) never gives back
  // all of a destroyed fiber's memory (about 300 bytes each, more with history), so creating
  // one per logical thread per execution grows a TSan campaign by gigabytes. Only a fiber
  // that ran to its end may be reused (an abandoned one may hold TSan ignore state).
  void Destroy(bool keep_tsan_fiber = false);
  ~FiberContext();
};

// Switches from `from` (the running context) to `to`. Returns when something switches back
// to `from`. With leaving_for_good, `from` is never resumed and its fake stack is freed.
#if defined(RACEFUZZ_INLINE_SWITCH)
// No sanitizer annotations to make: the switch is the jump itself, called from the
// scheduler's frame (a switch is the hot path of every execution; bench/: BM_FiberSwitch).
inline void SwitchContext(FiberContext* from, FiberContext* to, bool /*leaving_for_good*/) {
  from->switching_to = to;  // for a fresh context's first frame (fiber.cc, Trampoline)
  racefuzz_switch_stacks(from, to);
}
#else
void SwitchContext(FiberContext* from, FiberContext* to, bool leaving_for_good);
#endif

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_FIBER_H_
