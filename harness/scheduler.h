// Scheduler: runs one execution of logical threads on fibers, deterministically.
//
// An execution starts with one logical thread (T0) running the caller's function; it may
// spawn and join more. Exactly one logical thread runs at a time. Control changes hands only
// at scheduling points: yield points (where the Strategy may preempt), blocking, and thread
// exit. Nothing here depends on addresses, hash-map order, time or real threads, so the same
// strategy decisions always give the same trace.
//
// The scheduler owns every logical thread, stack and trace of the execution, and resets
// them between executions, so one process runs thousands of executions per second with
// nothing carried over.
#ifndef RACEFUZZ_HARNESS_SCHEDULER_H_
#define RACEFUZZ_HARNESS_SCHEDULER_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "harness/decision_list.h"
#include "harness/failure.h"
#include "harness/fiber.h"
#include "harness/interleaving_observer.h"
#include "harness/runnable_set.h"
#include "harness/source_location.h"
#include "harness/strategy.h"
#include "harness/thread_set.h"
#include "harness/trace.h"

namespace racefuzz {

// What happens when the harness finds a bug (deadlock, refcount misuse, failed check...).
enum class FailurePolicy {
  kReturn,  // stop the execution and return the failure to the caller (tests, exploration)
  kAbort,   // print the report and abort(), so a fuzzing engine records a crash
};

struct ExecutionOptions {
  Strategy* strategy = nullptr;  // required; not owned
  uint64_t step_budget = 200000;
  FailurePolicy on_failure = FailurePolicy::kReturn;
  InterleavingObserver* observer = nullptr;  // optional reads-from feedback
  // Whether the result carries trace_hash and the decision list (else 0 and empty). A fuzz
  // target needs neither for most inputs, and hashing the trace and copying the list were
  // about a tenth of a short execution. Reports compute the hash they print themselves.
  bool summarize = true;
  // Extra text printed after every report of this execution (for example the decoded
  // program and the command that replays it).
  std::function<std::string()> report_footer;
};

struct ExecutionResult {
  Failure failure;
  uint64_t steps = 0;
  uint64_t trace_hash = 0;  // 0 unless ExecutionOptions::summarize
  DecisionList decisions;   // empty unless ExecutionOptions::summarize
  bool failed() const { return failure.failed(); }
};

// Thrown through the frames of code under test when a failure stops an execution under
// FailurePolicy::kReturn, so their destructors run and nothing they own leaks. Code under
// test must let it pass (no catch (...) that swallows it).
struct ExecutionAbandoned {};

// What a blocked thread waits for; used to explain deadlocks as wait-for chains.
struct WaitTarget {
  const char* kind = "";       // "mutex", "rwlock", "completion", "join", ...
  const char* name = "";       // the object's name in the code under test
  ThreadId owner = kNoThread;  // the thread that holds it, when there is one
};

class Scheduler {
 public:
  explicit Scheduler(size_t stack_size = 256 * 1024);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs `main` as logical thread T0 until every logical thread has finished or a failure
  // stops the execution.
  ExecutionResult Run(const ExecutionOptions& options, absl::FunctionRef<void()> main);

  // The scheduler whose execution is running on this OS thread, or nullptr. Instrumented
  // primitives use real synchronisation when there is none (the stress-test baseline).
  static Scheduler* Active() { return active_; }

  // --- Used by instrumented primitives and by code under test, inside an execution. ---
  ThreadId CurrentThread() const { return current_; }
  const std::string& ThreadName(ThreadId id) const;
  ThreadId Spawn(std::function<void()> body, std::string name);
  void Join(ThreadId thread, SourceLocation location);
  // A point where the running thread may be preempted.
  void YieldPoint(const char* label, SourceLocation location, const char* object = nullptr);
  // A spin: the running thread cannot progress until another one runs (an iteration of a
  // retry or busy-wait loop). When another thread can run, the running one is switched out
  // whatever the strategy would say (the strategy picks which of the others runs, and is
  // told of the spin, Strategy::OnSpin), so that no strategy livelocks on a retry loop: a
  // strategy that never preempts (bytes used up) or always runs the highest-priority thread
  // (PCT) would otherwise run the spinner until the step budget. As loom's and shuttle's
  // yield_now(). When no other thread can run, it is a plain scheduling point.
  void SpinPoint(const char* label, SourceLocation location, const char* object = nullptr);
  // Blocks the running thread until Wake(); returns once it runs again.
  void Block(const WaitTarget& target, SourceLocation location);
  void Wake(ThreadId thread);
  // Wakes every thread in `waiters` (a primitive's waiter set), by increasing id, and
  // empties it.
  void WakeAll(ThreadSet& waiters);
  void Annotate(std::string_view text, SourceLocation location);
  // Blocks the running thread until every other logical thread has finished or is blocked:
  // the moment a process would run its exit path (closing files, dropping references)
  // while some of its threads wait for that to happen. Only one thread may wait at a time.
  // Returns true if some other thread is still unfinished (blocked).
  bool WaitForQuiescence(SourceLocation location);
  // The same moment, for when no thread can wait for it: if no logical thread can run and
  // none waits in WaitForQuiescence (for example the thread that would run the exit path
  // is itself blocked), `exit_path` runs in a new logical thread named `name` before a
  // deadlock is reported; if that does not get the execution going, the deadlock is
  // reported as usual. At most kMaxExitPathRuns times per execution (each run is a new
  // thread); set anew in every execution that wants it.
  void SetExitPath(std::function<void()> exit_path, std::string name);
  static constexpr int kMaxExitPathRuns = 4;
  // Everything each finished logical thread did happens before the running thread's next
  // step, as if it had joined them all; no scheduling point, nothing in the trace. For an
  // oracle that inspects the final state: threads the caller cannot join (an exit path's
  // thread) finished before it, but only the scheduler saw them finish, and that creates
  // no happens-before.
  void SynchronizeWithFinishedThreads();
  // Reports a bug in the code under test. Does not return to the caller.
  [[noreturn]] void Fail(FailureKind kind, std::string title, std::string details,
                         SourceLocation location);
  // A sanitizer that recovers from its reports (ASan built with -fsanitize-recover=address
  // and run with ASAN_OPTIONS=halt_on_error=0) has reported a bug in this execution and let
  // the code go on. The execution stops at its next scheduling point (yield point, block,
  // thread exit; or when Run ends) with a FailureKind::kSanitizer failure, handled like any
  // other under the FailurePolicy: kAbort prints the report and aborts, kReturn unwinds and
  // returns it. A failure the harness detects before that point is reported as this
  // sanitizer failure too (the report came first; without recovery the process would have
  // died there). The harness calls this from ASan's error report callback; it only sets a
  // flag, so it is safe inside the sanitizer's report.
  void NoteSanitizerReport() { sanitizer_report_pending_ = true; }
  // Runs first in the sanitizer death callback, before the race diagram is printed: for a
  // caller that redirected the sanitizer's output (__sanitizer_set_report_fd) and must put
  // it back on stderr before the process dies. nullptr for none.
  static void SetSanitizerDeathPrelude(void (*prelude)());
  // Runs last in the sanitizer death callback, after the race diagram: for a caller that
  // ends the process itself instead of returning to the sanitizer, which would abort. It
  // runs inside the sanitizer's report, so it should make plain system calls only.
  // nullptr for none.
  static void SetSanitizerDeathEpilogue(void (*epilogue)());
  void ReadsFrom(uint32_t writer_site, uint32_t reader_site) {
    if (options_->observer != nullptr) options_->observer->OnReadsFrom(writer_site, reader_site);
  }
  uint64_t steps() const { return step_; }
  bool unwinding() const { return unwinding_; }
  const Trace& trace() const { return trace_; }

  // The full report (failure, race diagram, replay decisions, footer) for the running or
  // last execution.
  std::string FormatReport(const Failure& failure) const;

 private:
  struct LogicalThread;
  enum class ThreadState { kRunnable, kBlocked, kFinished };

  static void ThreadEntry(void* arg);
  LogicalThread& NewThread(std::function<void()> body, std::string name);
  void SwitchToThread(ThreadId next, bool leaving_for_good);
  [[noreturn]] void SwitchToHost(bool leaving_for_good);
  // After a failure: unwind the next abandoned logical thread, or return to the host.
  [[noreturn]] void UnwindNextThread();
  // The thread UnwindNextThread goes to next, or kNoThread when none is left.
  ThreadId NextToUnwind();
  [[noreturn]] void AbandonCurrentThread();
  // A failure stopped the execution and `thread` is being unwound (or is finishing): TSan
  // ignores its accesses from now until it leaves for good, once. What a thread's frames
  // free or touch on the way out after the execution's first report (a unique_ptr that T0
  // owns, freed while threads it never joined wrote to it) is no bug of the code under
  // test, and TSan (halt_on_error=1) would report it in place of the real one.
  void IgnoreUntilLeftForGood(LogicalThread& thread);
  // The running thread blocked or finished: choose who runs next.
  void Reschedule(bool leaving_for_good);
  // Every change of a thread's state goes through here, so runnable_ stays exact.
  void SetState(LogicalThread& thread, ThreadState state);
  // The bookkeeping every scheduling point of the running thread starts with: the
  // sanitizer-report stop, the step count, the trace event and the step budget.
  uint64_t BeginSchedulingPoint(const char* label, SourceLocation location, const char* object);
  // The cold ends of YieldPoint, out of line so that its common path keeps a small frame.
  [[noreturn]] void FailStepBudget(SourceLocation location);
  [[noreturn]] void ReportDeadlock(SourceLocation location);
  // FailurePolicy::kAbort: the report of failure_ on stderr, then abort() for the engine.
  [[noreturn]] void PrintReportAndAbort() const;
  bool AnyThreadUnfinished() const;
  void FinishExecution();
  // NoteSanitizerReport() came before this scheduling point: stop the execution.
  [[noreturn]] void StopForSanitizerReport(SourceLocation location);

  static Scheduler* active_;

  StackPool stacks_;
  std::vector<std::unique_ptr<LogicalThread>> threads_;  // pooled; first num_threads_ live
  size_t num_threads_ = 0;
  size_t num_runnable_ = 0;  // see runnable_
  FiberContext host_;
  ThreadId current_ = kNoThread;
  const ExecutionOptions* options_ = nullptr;
  uint64_t step_ = 0;
  Trace trace_;
  DecisionList decisions_;
  Failure failure_;
  // A failure stopped the execution: every started logical thread is being unwound (its
  // destructors run, so nothing it owns leaks) before control returns to the host.
  bool unwinding_ = false;
  // T0 when its failure started the unwinding, while it waits in Fail for its turn.
  ThreadId failed_thread_ = kNoThread;
  char unwind_token_ = 0;  // TSan: happens-before from each unwound thread to the next
  ThreadId quiescence_waiter_ = kNoThread;
  std::function<void()> exit_path_;
  std::string exit_path_name_;
  int exit_path_runs_ = 0;
  bool sanitizer_report_pending_ = false;  // see NoteSanitizerReport()
  std::vector<ThreadId> spin_choices_;     // SpinPoint's runnable threads but the spinner
  // The two members sized by kMaxThreads (kilobytes each) come last, so that the small
  // ones every yield point reads stay together (bench/: BM_FiberSwitch).
  //
  // The threads in state kRunnable. num_runnable_ counts them too, except while a failure
  // unwinds the execution (threads finish there without being counted, as before; nothing
  // is scheduled then).
  RunnableSet runnable_;
  // threads_[i]->context, without the two dependent loads (a switch needs two of them).
  // Entries are set as threads are made, never cleared: only the first num_threads_ count.
  std::array<FiberContext*, kMaxThreads> contexts_{};
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_SCHEDULER_H_
