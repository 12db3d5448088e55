#include "harness/fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <boost/context/detail/fcontext.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "harness/sanitizer_hooks.h"

namespace racefuzz {
namespace {

namespace bctx = boost::context::detail;

#if defined(RACEFUZZ_INLINE_SWITCH)
// A fresh fiber's first instruction, reached by SwitchContext's jump with the switching
// context in rdi and this one in rsi, on an empty 16-byte-aligned stack (so the call leaves
// the callee's stack aligned as the ABI wants). The return address is marked undefined:
// unwinders and debuggers stop here.
asm(R"(
  .text
  .globl racefuzz_fiber_start
  .hidden racefuzz_fiber_start
  .type racefuzz_fiber_start, @function
  .p2align 4
racefuzz_fiber_start:
  .cfi_startproc
  .cfi_undefined rip
  movq %rsi, %rdi          /* the context being started */
  call racefuzz_fiber_main
  ud2
  .cfi_endproc
  .size racefuzz_fiber_start, .-racefuzz_fiber_start
)");
#elif defined(RACEFUZZ_OWN_JUMP)
// The jump. Boost.Context 1.74's jump_fcontext (x86-64 SysV) costs about 13 ns here, of
// which two parts are avoidable without changing what a switch means:
//  - it restores MXCSR and the x87 control word with ldmxcsr and fldcw, which are microcoded
//    (about 4 ns together), although logical threads almost never differ in them. This jump
//    saves both exactly as Boost does, but restores each only when the incoming context's
//    saved value differs from the current one, so every fiber still keeps its own rounding
//    mode and exception masks.
//  - it leaves with `jmp *%r8`, so the return-stack-buffer entry pushed by its caller's
//    `call` is never popped and the resumed thread's returns are mispredicted one entry off.
//    This jump leaves with `ret`.
// It also takes the two FiberContexts and stores the outgoing stack pointer itself, where
// Boost's returns it for the resumed side to store. Builds with sanitizer annotations use
// it; the others switch inline (fiber.h), which costs less again.
// The frame layout is Boost's (0x00 MXCSR, 0x04 x87 CW, 0x08-0x30 r12-r15 rbx rbp, 0x38
// return address), so contexts made by make_fcontext (which saves the FP control state
// into them too), and its start trampoline, work as they are: a fresh context's entry gets
// transfer_t{from->fctx, from} in rdi:rsi, as from Boost's jump. Other targets, or
// -DRACEFUZZ_BOOST_JUMP, use Boost's jump. bench/: BM_RawFiberSwitch.
static_assert(offsetof(FiberContext, fctx) == 0, "racefuzz_switch_stacks stores fctx at 0");
asm(R"(
  .text
  .globl racefuzz_switch_stacks
  .hidden racefuzz_switch_stacks
  .type racefuzz_switch_stacks, @function
  .p2align 4
racefuzz_switch_stacks:    /* FiberContext* (FiberContext* from = rdi, FiberContext* to = rsi) */
  leaq -0x38(%rsp), %rsp
  stmxcsr (%rsp)
  fnstcw 0x4(%rsp)
  movq %r12, 0x8(%rsp)
  movq %r13, 0x10(%rsp)
  movq %r14, 0x18(%rsp)
  movq %r15, 0x20(%rsp)
  movq %rbx, 0x28(%rsp)
  movq %rbp, 0x30(%rsp)
  movl (%rsp), %ecx        /* our FP control state, to compare with the incoming one */
  movzwl 0x4(%rsp), %r8d
  movq %rsp, (%rdi)        /* from->fctx: where `from` resumes */
  movq (%rsi), %rsp        /* to->fctx: the context we enter */
  cmpl (%rsp), %ecx
  je 1f
  ldmxcsr (%rsp)
1:
  cmpw 0x4(%rsp), %r8w
  je 2f
  fldcw 0x4(%rsp)
2:
  movq 0x8(%rsp), %r12
  movq 0x10(%rsp), %r13
  movq 0x18(%rsp), %r14
  movq 0x20(%rsp), %r15
  movq 0x28(%rsp), %rbx
  movq 0x30(%rsp), %rbp
  leaq 0x38(%rsp), %rsp
  movq %rdi, %rax          /* a resumed context learns who switched to it */
  movq %rdi, %rsi          /* a fresh one gets transfer_t{from->fctx, from} in rdi:rsi */
  movq (%rdi), %rdi
  ret
  .size racefuzz_switch_stacks, .-racefuzz_switch_stacks
)");
#if !defined(RACEFUZZ_INLINE_SWITCH)  // else fiber.h calls it directly
FiberContext* Jump(FiberContext* from, FiberContext* to) {
  return racefuzz_switch_stacks(from, to);
}
#endif
#else
FiberContext* Jump(FiberContext* from, FiberContext* to) {
  bctx::transfer_t back = bctx::jump_fcontext(to->fctx, from);
  // Resumed: `back.data` is the context that switched to us, and back.fctx where it stopped.
  auto* incoming = static_cast<FiberContext*>(back.data);
  incoming->fctx = back.fctx;
  return incoming;
}
#endif

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "racefuzz: internal error: %s\n", what);
  std::abort();
}

#if !defined(RACEFUZZ_INLINE_SWITCH)  // the inline switch has its own start and no annotations
// ASan: called first thing after arriving on a stack. Records the bounds of the stack we
// came from (this is how the host context's bounds become known).
void FinishSwitch(void* fake_stack, FiberContext* came_from) {
#if defined(RACEFUZZ_ASAN)
  const void* old_bottom = nullptr;
  size_t old_size = 0;
  __sanitizer_finish_switch_fiber(fake_stack, &old_bottom, &old_size);
  if (came_from != nullptr && came_from->stack_bottom == nullptr) {
    came_from->stack_bottom = old_bottom;
    came_from->stack_size = old_size;
  }
#else
  (void)fake_stack;
  (void)came_from;
#endif
}

void Trampoline(bctx::transfer_t transfer) {
  auto* from = static_cast<FiberContext*>(transfer.data);
  from->fctx = transfer.fctx;
  FiberContext* self = from->switching_to;
  FinishSwitch(nullptr, from);
  self->entry(self->entry_arg);
  Die("a fiber entry function returned");
}
#endif

}  // namespace

#if defined(RACEFUZZ_INLINE_SWITCH)
// Called by racefuzz_fiber_start (above); never returns.
extern "C" [[noreturn]] __attribute__((used)) void racefuzz_fiber_main(FiberContext* self) {
  self->entry(self->entry_arg);
  Die("a fiber entry function returned");
}
#endif

StackPool::StackPool(size_t stack_size) {
  const size_t page = PageSize();
  stack_size_ = (stack_size + page - 1) / page * page;
}

StackPool::~StackPool() {
  for (FiberStack& s : free_) munmap(s.mapping, s.mapping_size);
  // Quarantined stacks stay mapped: LSan may still scan them as root regions.
}

FiberStack StackPool::Acquire() {
  if (!free_.empty()) {
    FiberStack s = free_.back();
    free_.pop_back();
    // A reused stack may still carry ASan poison from frames of its previous fiber.
    sanitizer::UnpoisonStack(s.dirty_bottom,
                             static_cast<size_t>(s.bottom + s.size - s.dirty_bottom));
    s.dirty_bottom = s.bottom;
    return s;
  }
  const size_t page = PageSize();
  FiberStack s;
  s.mapping_size = stack_size_ + page;
  s.mapping = mmap(nullptr, s.mapping_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (s.mapping == MAP_FAILED) Die("cannot map a fiber stack");
  if (mprotect(s.mapping, page, PROT_NONE) != 0) Die("cannot protect a fiber stack guard page");
  s.bottom = static_cast<char*>(s.mapping) + page;
  s.size = stack_size_;
  s.dirty_bottom = s.bottom;
  // The kernel may hand back the range of a stack an earlier StackPool unmapped, and clang
  // 14's ASan does not clear shadow on munmap/mmap: drop the old frames' poison.
  sanitizer::UnpoisonStack(s.bottom, s.size);
  return s;
}

void StackPool::Release(FiberStack stack, const void* last_stack_pointer) {
  stack.dirty_bottom = stack.bottom;
  const auto* sp = static_cast<const char*>(last_stack_pointer);
  if (sp != nullptr && sp > stack.bottom && sp <= stack.bottom + stack.size) {
    // A page of margin below the stack pointer, as __asan_handle_no_return clears: the
    // switch itself (uninstrumented assembly) pushes a few words there and poisons nothing.
    const size_t page = PageSize();
    const uintptr_t margin_start = (reinterpret_cast<uintptr_t>(sp) - page) & ~(page - 1);
    stack.dirty_bottom = std::max(stack.bottom, reinterpret_cast<char*>(margin_start));
  }
  free_.push_back(stack);
}

void StackPool::Quarantine(FiberStack stack) {
#if defined(RACEFUZZ_ASAN)
  __lsan_register_root_region(stack.bottom, stack.size);
#endif
  quarantined_.push_back(stack);
}

void FiberContext::InitFiber(const FiberStack& stack, void (*entry_fn)(void*), void* arg) {
  entry = entry_fn;
  entry_arg = arg;
  stack_bottom = stack.bottom;
  stack_size = stack.size;
  asan_fake_stack = nullptr;
#if defined(RACEFUZZ_INLINE_SWITCH)
  // As SwitchContext leaves a context: it resumes at racefuzz_fiber_start on its empty
  // stack, with the creator's floating-point control state (as make_fcontext does).
  fctx = reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(stack.bottom + stack.size) &
                                 ~uintptr_t{15});
  resume_at = reinterpret_cast<const void*>(&racefuzz_fiber_start);
  frame_pointer = nullptr;
  asm volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(x87_control));
#else
  fctx = bctx::make_fcontext(stack.bottom + stack.size, stack.size, &Trampoline);
#endif
#if defined(RACEFUZZ_TSAN)
  if (!owns_tsan_fiber || tsan_fiber == nullptr) tsan_fiber = __tsan_create_fiber(0);
  owns_tsan_fiber = true;
#endif
}

void FiberContext::InitHost() {
  fctx = nullptr;
  stack_bottom = nullptr;  // learned at the first switch away from the host
  stack_size = 0;
  asan_fake_stack = nullptr;
#if defined(RACEFUZZ_TSAN)
  tsan_fiber = __tsan_get_current_fiber();
  owns_tsan_fiber = false;
#endif
}

void FiberContext::Destroy(bool keep_tsan_fiber) {
  fctx = nullptr;
  if (keep_tsan_fiber && owns_tsan_fiber) return;
#if defined(RACEFUZZ_TSAN)
  if (owns_tsan_fiber && tsan_fiber != nullptr) __tsan_destroy_fiber(tsan_fiber);
#endif
  tsan_fiber = nullptr;
  owns_tsan_fiber = false;
}

FiberContext::~FiberContext() { Destroy(); }

#if !defined(RACEFUZZ_INLINE_SWITCH)
// Kept out of line so the annotations and the jump share one frame (a TSan requirement:
// __tsan_switch_to_fiber must be called immediately before the switch).
__attribute__((noinline)) void SwitchContext(FiberContext* from, FiberContext* to,
                                             bool leaving_for_good) {
  // What travels through the jump lives in the context objects, not in this frame: with
  // detect_stack_use_after_return a local could sit on a fake stack that a context leaving
  // for good frees during the switch.
  from->switching_to = to;
#if defined(RACEFUZZ_ASAN)
  __sanitizer_start_switch_fiber(leaving_for_good ? nullptr : &from->asan_fake_stack,
                                 to->stack_bottom, to->stack_size);
#endif
#if defined(RACEFUZZ_TSAN)
  if (leaving_for_good) sanitizer::EndHarnessForGood();
  __tsan_switch_to_fiber(to->tsan_fiber, __tsan_switch_to_fiber_no_sync);
#endif
  FiberContext* incoming = Jump(from, to);
  // Resumed by `incoming`.
  FinishSwitch(from->asan_fake_stack, incoming);
}
#endif

}  // namespace racefuzz
