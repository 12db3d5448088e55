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
#include <cstdint>
#include <vector>

// fiber.cc has its own x86-64 SysV jump; other targets, or -DRACEFUZZ_BOOST_JUMP, use
// Boost.Context's. Without ASan and TSan annotations SwitchContext is then inline.
// Builds that vectorise with AVX-512 may keep values in registers the inline switch does
// not list as clobbered (xmm16-31, mask registers); they take the out-of-line one.
#if defined(__x86_64__) && defined(__ELF__) && !defined(RACEFUZZ_BOOST_JUMP)
#define RACEFUZZ_OWN_JUMP 1
#if !defined(RACEFUZZ_ASAN) && !defined(RACEFUZZ_TSAN) && !defined(__AVX512F__)
#define RACEFUZZ_INLINE_SWITCH 1
#endif
#endif

namespace racefuzz {

struct FiberContext;

#if defined(RACEFUZZ_INLINE_SWITCH)
// Where a fresh fiber starts (assembly in fiber.cc): calls its entry function.
extern "C" void racefuzz_fiber_start();
#endif

#if defined(RACEFUZZ_OWN_JUMP) && !defined(RACEFUZZ_INLINE_SWITCH)
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
  // Where the context's stack pointer stands while it is switched out: a Boost
  // fcontext_t, or with the inline switch the stack pointer itself.
  void* fctx = nullptr;
#if defined(RACEFUZZ_INLINE_SWITCH)
  // The rest of what the inline switch keeps (see SwitchContext below).
  const void* resume_at = nullptr;  // instruction where the context resumes
  void* frame_pointer = nullptr;    // its rbp
  uint32_t mxcsr = 0;               // its SSE control and status register
  uint16_t x87_control = 0;         // its x87 control word
#endif
  const void* stack_bottom = nullptr;  // for ASan; learned on first switch for the host
  size_t stack_size = 0;
  void* asan_fake_stack = nullptr;
  void* tsan_fiber = nullptr;
  bool owns_tsan_fiber = false;
  void (*entry)(void*) = nullptr;  // what a new fiber runs first
  void* entry_arg = nullptr;
#if !defined(RACEFUZZ_INLINE_SWITCH)
  // Set by SwitchContext for a fresh context's first frame (fiber.cc, Trampoline); the
  // inline switch hands it over in a register instead.
  FiberContext* switching_to = nullptr;
#endif

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
// No sanitizer annotations to make: the switch is a few instructions inlined into the
// scheduler's frame (a switch is the hot path of every execution; bench/: BM_FiberSwitch).
//
// It tells the compiler that every register but rsp and rbp is clobbered, as a call would
// clobber the caller-saved ones and more. The compiler then keeps nothing it still needs
// in a register across the switch, and the enclosing function's own prologue and
// epilogue already save and restore the callee-saved registers it uses, on its own stack:
// so the switch itself saves only the stack pointer, the frame pointer, the resume address
// and the floating-point control state, where a switch called as a function must save
// all six callee-saved registers (12 memory accesses per switch). It leaves with an
// indirect jump, not `ret`: it pushes no return address, so the return-stack buffer stays
// as the code around it left it.
//
// The floating-point control state (MXCSR, x87 control word) is saved as Boost does, and
// restored only when the incoming context's value differs (ldmxcsr and fldcw are
// microcoded, and logical threads almost never differ), so every fiber keeps its own
// rounding mode and exception masks.
//
// On the other side of the jump rdi holds the context that switched (its `from`) and rsi
// this one; a fresh fiber starts at racefuzz_fiber_start with the same two, and takes
// itself from rsi.
inline void SwitchContext(FiberContext* from, FiberContext* to, bool /*leaving_for_good*/) {
  asm volatile(
      "stmxcsr %c[mxcsr](%%rdi)\n\t"
      "fnstcw %c[x87](%%rdi)\n\t"
      "leaq 1f(%%rip), %%rax\n\t"
      "movq %%rax, %c[pc](%%rdi)\n\t"
      "movq %%rbp, %c[fp](%%rdi)\n\t"
      "movq %%rsp, %c[sp](%%rdi)\n\t"
      "movl %c[mxcsr](%%rsi), %%eax\n\t"
      "cmpl %%eax, %c[mxcsr](%%rdi)\n\t"
      "je 2f\n\t"
      "ldmxcsr %c[mxcsr](%%rsi)\n"
      "2:\n\t"
      "movzwl %c[x87](%%rsi), %%eax\n\t"
      "cmpw %%ax, %c[x87](%%rdi)\n\t"
      "je 3f\n\t"
      "fldcw %c[x87](%%rsi)\n"
      "3:\n\t"
      "movq %c[sp](%%rsi), %%rsp\n\t"
      "movq %c[fp](%%rsi), %%rbp\n\t"
      "jmpq *%c[pc](%%rsi)\n"
      "1:"
      : "+D"(from), "+S"(to)
      : [sp] "i"(offsetof(FiberContext, fctx)), [pc] "i"(offsetof(FiberContext, resume_at)),
        [fp] "i"(offsetof(FiberContext, frame_pointer)), [mxcsr] "i"(offsetof(FiberContext, mxcsr)),
        [x87] "i"(offsetof(FiberContext, x87_control))
      : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "xmm0",
        "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
        "xmm12", "xmm13", "xmm14", "xmm15", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)",
        "st(6)", "st(7)", "mm0", "mm1", "mm2", "mm3", "mm4", "mm5", "mm6", "mm7", "fpsr", "dirflag",
        "cc", "memory");
}
#else
void SwitchContext(FiberContext* from, FiberContext* to, bool leaving_for_good);
#endif

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_FIBER_H_
