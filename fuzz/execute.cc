#include "fuzz/execute.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "fuzz/fd_results.h"
#include "fuzz/op_annotations.h"
#include "fuzz/text_form.h"
#include "harness/byte_strategy.h"
#include "harness/race_diagram.h"
#include "harness/random_strategy.h"
#include "harness/thread.h"
#include "harness/yield.h"
#include "heaps/world.h"

namespace racefuzz::fuzz {
namespace {

// One scheduler per process: it pools fiber stacks across executions, which is most of the
// speed of a fuzzing loop. Never destroyed, so it outlives every static that might run an
// execution during exit.
Scheduler& ProcessScheduler() {
  static Scheduler* scheduler = new Scheduler();
  return *scheduler;
}

// Each operation and its result are annotated as the operation runs, through one reused
// buffer (fuzz/op_annotations.h): formatting every label up front, as strings, cost an
// allocation per operation in every execution. (A trace hash covers the file and line of
// every yield point and annotation, so moving the calls below changes every trace hash of
// the fuzz targets.)

// The state of one execution of a program: the World and the fds its operations returned.
// Fd results are program variables in the (single) modelled process; they are written by
// the thread that ran the operation and read by any thread, like an fd passed between
// pthreads in a real test program (atomics, so the real-thread baseline is race-free too).
class ProgramRun {
 public:
  ProgramRun(const Program& program, heaps::World& world) : program_(program), world_(world) {
    // Results are numbered in lane order (fuzz/program.h): each lane's first one.
    int results = 0;
    for (int lane = 0; lane < kNumLanes; ++lane) {
      first_result_[lane] = results;
      for (const Op& op : program.lanes[lane]) results += ProducesFd(op.kind) ? 1 : 0;
    }
    // -1 until the operation has run: close(-1) is -EBADF. Inline for every program an
    // input can encode (fuzz/fd_results.h): no allocation per execution.
    results_.Reset(results);
  }

  void Main() {
    // The same exit path, for when the setup lane itself is what blocks (for example a tee
    // heap's device probe waiting on device_lock behind an unbind that waits for this
    // process's tee dma-bufs): then nobody reaches WaitForQuiescence below, and the
    // harness runs the exit path in a thread of its own before it would report a deadlock.
    SetExitPath([this] { world_.CloseAll(); }, "exit_path");
    RunLane(0);
    std::array<ThreadId, kNumLanes> threads;
    int num_threads = 0;
    for (int lane = 1; lane <= program_.num_threads; ++lane) {
      if (program_.lanes[lane].empty()) continue;
      threads[num_threads++] =
          SpawnThread([this, lane] { RunLane(lane); }, absl::StrFormat("T%d", lane));
    }
    // Process exit. tee_device_unregister() (in its own "tee_unbind" thread) waits until the
    // last tee dma-buf is released, and lanes may wait behind it (device_lock); in a real
    // system the process holding the buffers exits and closes its files. So whenever every
    // other thread has finished or blocked, the exit path (exit_files()) runs before the
    // joins: once for the lanes, once more for the unbind threads. A wait that even this
    // does not end is a deadlock the harness reports.
    if (WaitForQuiescence()) world_.CloseAll();
    for (int i = 0; i < num_threads; ++i) JoinThread(threads[i]);
    // Again: lanes that went on after the first exit path may hold new buffers.
    if (WaitForQuiescence()) world_.CloseAll();
    const int unbinds = std::min(num_unbinds_.load(std::memory_order_relaxed), kMaxUnbindThreads);
    for (int i = 0; i < unbinds; ++i) JoinThread(unbinds_[i].load(std::memory_order_relaxed));
    // The invariants read the final state, which the exit path's own threads (never joined
    // here) may have written last: without this the oracle's reads race their writes, a
    // TSan report about the checker, not the model.
    SynchronizeWithFinishedThreads();
    world_.CheckInvariants();
  }

  // Main() without the scheduler: racing lanes on std::threads.
  void MainOnRealThreads() {
    RunLane(0);
    std::vector<std::thread> threads;
    for (int lane = 1; lane <= program_.num_threads; ++lane) {
      if (!program_.lanes[lane].empty()) threads.emplace_back([this, lane] { RunLane(lane); });
    }
    for (std::thread& thread : threads) thread.join();
    world_.CheckInvariants();
  }

 private:
  void RunLane(int lane) {
    for (int result = first_result_[lane]; const Op& op : program_.lanes[lane]) {
      const int result_index = ProducesFd(op.kind) ? result++ : -1;
      AnnotateOp(op, result_index);
      const int ret = RunOp(op);
      AnnotateResult(ret);
      if (result_index >= 0) {
        results_[result_index].store(ret, std::memory_order_relaxed);
      }
    }
  }

  // tee_device_unregister() runs in the driver's context (an unbind or rmmod elsewhere),
  // not in the process whose open dma-bufs keep the tee device busy, and it waits for
  // those users. So in an execution it gets a logical thread of its own ("tee_unbind"),
  // which Main() joins after the process exit path; the lane goes on at once. (Run in the
  // lane itself, a program that unregisters before closing its own buffer would wait for
  // itself: a deadlock of the test program, not of the kernel.)
  int TeeUnregister(int heap) {
    if (Scheduler::Active() == nullptr) return world_.TeeUnregister(heap);
    const int slot = num_unbinds_.fetch_add(1, std::memory_order_relaxed);
    if (slot >= kMaxUnbindThreads) return world_.TeeUnregister(heap);
    const ThreadId unbind =
        SpawnThread([this, heap] { AnnotateResult(world_.TeeUnregister(heap)); },
                    absl::StrFormat("tee_unbind%d", slot));
    unbinds_[slot].store(unbind, std::memory_order_relaxed);
    return 0;
  }

  int Fd(FdRef ref) const {
    return ref.raw ? ref.value : results_[ref.value].load(std::memory_order_relaxed);
  }

  int RunOp(const Op& op) {
    switch (op.kind) {
      case OpKind::kAddHeap:
        return world_.AddHeap(op.heap_kind, op.heap);
      case OpKind::kRemoveHeap:
        return world_.RemoveHeap(op.heap);
      case OpKind::kTeeUnregister:
        return TeeUnregister(op.heap);
      case OpKind::kUnloadModule:
        return world_.UnloadModule(op.heap_kind);
      case OpKind::kFindHeap:
        return world_.FindHeap(op.heap, op.slot);
      case OpKind::kPutHeap:
        return world_.PutHeap(op.slot);
      case OpKind::kPutHeapKeepSlot:
        // An unbalanced put is the caller's bug (B8): no core can survive it. The fixed
        // core's targets measure the core under correct callers, so there it is a put.
        if (world_.variant().core == heaps::CoreVariant::kFixed) return world_.PutHeap(op.slot);
        return world_.PutHeapKeepSlot(op.slot);
      case OpKind::kOpenHeap:
        return world_.OpenHeap(op.heap);
      case OpKind::kAlloc:
        return world_.Alloc(Fd(op.fd), op.len, op.fd_flags, op.heap_flags, op.cmd);
      case OpKind::kClose:
        return world_.Close(Fd(op.fd));
      case OpKind::kDup:
        return world_.Dup(Fd(op.fd));
    }
    return 0;
  }

  const Program& program_;
  heaps::World& world_;
  std::array<int, kNumLanes> first_result_{};
  FdResults results_;
  // Logical threads of tee unregisters (T0 + 4 lanes + these stay below kMaxThreads).
  static constexpr int kMaxUnbindThreads = 32;
  std::array<std::atomic<ThreadId>, kMaxUnbindThreads> unbinds_{};
  std::atomic<int> num_unbinds_{0};
};

}  // namespace

ExecutionResult Execute(const Input& input, const heaps::Variant& variant,
                        const ExecuteOptions& options) {
  ByteStrategy byte_strategy(input.schedule);
  RandomStrategy tail(TailSeed(input));
  if (input.random_tail) byte_strategy.SetTail(&tail);
  ExecutionOptions execution;
  execution.strategy = options.strategy != nullptr ? options.strategy : &byte_strategy;
  execution.step_budget = options.step_budget;
  execution.on_failure = options.on_failure;
  execution.observer = options.observer;
  execution.summarize = options.summarize;
  execution.report_footer = options.report_footer;

  std::optional<heaps::World> world(std::in_place, variant);  // on the stack: no allocation
  ProgramRun run(input.program, *world);
  ExecutionResult result = ProcessScheduler().Run(execution, [&run] { run.Main(); });
  if (result.failed() && options.report_out != nullptr &&
      (!options.report_if || options.report_if(result.failure))) {
    *options.report_out = ProcessScheduler().FormatReport(result.failure);
  }
  world.reset();
  return result;
}

void ExecuteOnRealThreads(const Program& program, const heaps::Variant& variant) {
  heaps::World world(variant);
  ProgramRun run(program, world);
  run.MainOnRealThreads();
}

std::string LastExecutionDiagram(const Input& input) {
  // Thread ids follow spawn order: T0, then each racing lane that has operations.
  std::vector<std::string> names = {"T0"};
  for (int lane = 1; lane <= input.program.num_threads; ++lane) {
    if (!input.program.lanes[lane].empty()) names.push_back(absl::StrFormat("T%d", lane));
  }
  return RenderRaceDiagram(ProcessScheduler().trace(), names, Failure{});
}

const Trace& LastExecutionTrace() { return ProcessScheduler().trace(); }

std::string ReportFooter(const Input& input, const heaps::Variant& variant,
                         const std::string& file) {
  std::string out = "\nProgram (racefuzz text form; `racefuzz encode` turns it into bytes):\n";
  for (absl::string_view line : absl::StrSplit(FormatText(input), '\n', absl::SkipEmpty())) {
    absl::StrAppendFormat(&out, "  %s\n", line);
  }
  // A race TSan reports needs a TSan build to show again: the default (asan) build would run
  // the same schedule and show another bug, or none.
#if defined(RACEFUZZ_TSAN)
  constexpr const char* kReproducePreset = "tsan";
#else
  constexpr const char* kReproducePreset = "asan";
#endif
  absl::StrAppendFormat(
      &out, "Variant: %s\nReproduce: scripts/reproduce.sh %s --variant %s --preset %s\n",
      variant.Name(), file.empty() ? "<the crash file>" : file, variant.Name(), kReproducePreset);
  return out;
}

}  // namespace racefuzz::fuzz
