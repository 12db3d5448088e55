#include "harness/scheduler.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string_view>
#include <utility>

#include "absl/strings/str_format.h"
#include "harness/race_diagram.h"
#include "harness/sanitizer_hooks.h"

namespace racefuzz {

Scheduler* Scheduler::active_ = nullptr;

struct Scheduler::LogicalThread {
  ThreadId id = 0;
  std::string name;
  std::function<void()> body;
  ThreadState state = ThreadState::kRunnable;
  FiberContext context;
  FiberStack stack;
  bool started = false;
  bool abandoned = false;  // left mid-run without unwinding; its stack is quarantined
  // TSan ignores this fiber's accesses until it leaves for good (IgnoreUntilLeftForGood).
  bool ignored_for_good = false;
  WaitTarget waiting_on;
  SourceLocation wait_location;
  // The threads blocked in Join of this one, woken when it finishes. Kept here rather than
  // found by scanning every thread at each exit, which with many threads is quadratic.
  ThreadSet joiners;
  // Addresses TSan uses for the happens-before of spawn and of exit/join.
  char spawn_token = 0;
  char exit_token = 0;
};

namespace {
[[noreturn]] void InternalError(const char* what) {
  std::fprintf(stderr, "racefuzz: internal error: %s\n", what);
  std::abort();
}

void (*sanitizer_death_prelude)() = nullptr;
void (*sanitizer_death_epilogue)() = nullptr;

#if defined(RACEFUZZ_ASAN) || defined(RACEFUZZ_TSAN) || defined(RACEFUZZ_UBSAN)
// Sanitizer death callback: the process is about to die because ASan, TSan or UBSan found
// a bug. Print which interleaving led there before it does.
void OnSanitizerDeath() {
  // From here on TSan ignores this fiber's memory accesses, for good: the process is dying,
  // and what still runs on this fiber (this report, then the engine's crash handler saving
  // the input, called from abort's signal handler) touches memory other fibers touched. A
  // second TSan report while the first one dies waits forever for the report lock: a
  // libFuzzer + TSan campaign hung at its first real race.
  sanitizer::BeginHarnessForGood();
  if (sanitizer_death_prelude != nullptr) sanitizer_death_prelude();
  if (Scheduler* s = Scheduler::Active(); s != nullptr) {
    Failure failure;
    failure.kind = FailureKind::kSanitizer;
    failure.title = "sanitizer report above";
    failure.thread = s->CurrentThread();
    std::string report = s->FormatReport(failure);
    std::fwrite(report.data(), 1, report.size(), stderr);
    std::fflush(stderr);
  }
  if (sanitizer_death_epilogue != nullptr) sanitizer_death_epilogue();
}

#endif

#if defined(RACEFUZZ_ASAN)
// ASan calls this at the end of every report, before it dies or, in recover mode
// (halt_on_error=0), returns to the faulting code.
void OnAsanErrorReport(const char*) {
  Scheduler* s = Scheduler::Active();
  if (s == nullptr) return;
  s->NoteSanitizerReport();
  // In recover mode the failed execution runs on to its next scheduling point, and a freed
  // object is seldom touched once: a model function that reads a freed heap reads several
  // of its fields, and ASan reports each read, at about 1 ms a report (most of a known
  // bug's cost in a campaign). Only the first report of an execution counts, so the rest of
  // the freed block is unpoisoned: it stays in ASan's quarantine, and ASan poisons it again
  // when it recycles it. The execution's control flow, trace and first report are as before.
  if (std::string_view(__asan_get_report_description()) != "heap-use-after-free") return;
  void* block = nullptr;
  size_t block_size = 0;
  const char* kind =
      __asan_locate_address(__asan_get_report_address(), nullptr, 0, &block, &block_size);
  if (kind != nullptr && std::string_view(kind) == "heap" && block != nullptr) {
    __asan_unpoison_memory_region(block, block_size);
  }
}
#endif

void InstallDeathCallback() {
#if defined(RACEFUZZ_ASAN) || defined(RACEFUZZ_TSAN) || defined(RACEFUZZ_UBSAN)
  static const bool installed = [] {
    __sanitizer_set_death_callback(&OnSanitizerDeath);
#if defined(RACEFUZZ_ASAN)
    __asan_set_error_report_callback(&OnAsanErrorReport);
#endif
    return true;
  }();
  (void)installed;
#endif
}
}  // namespace

Scheduler::Scheduler(size_t stack_size) : stacks_(stack_size) { InstallDeathCallback(); }

Scheduler::~Scheduler() = default;

void Scheduler::SetSanitizerDeathPrelude(void (*prelude)()) { sanitizer_death_prelude = prelude; }

void Scheduler::SetSanitizerDeathEpilogue(void (*epilogue)()) {
  sanitizer_death_epilogue = epilogue;
}

const std::string& Scheduler::ThreadName(ThreadId id) const { return threads_[id]->name; }

Scheduler::LogicalThread& Scheduler::NewThread(std::function<void()> body, std::string name) {
  if (num_threads_ == threads_.size()) threads_.push_back(std::make_unique<LogicalThread>());
  LogicalThread& t = *threads_[num_threads_];
  t.id = static_cast<ThreadId>(num_threads_);
  t.name = std::move(name);
  t.body = std::move(body);
  t.started = false;
  t.abandoned = false;
  t.ignored_for_good = false;
  t.joiners = ThreadSet{};
  t.waiting_on = WaitTarget{};
  t.stack = stacks_.Acquire();
  t.context.InitFiber(t.stack, &Scheduler::ThreadEntry, this);
  contexts_[t.id] = &t.context;
  SetState(t, ThreadState::kRunnable);
  ++num_threads_;
  ++num_runnable_;
  return t;
}

ExecutionResult Scheduler::Run(const ExecutionOptions& options, absl::FunctionRef<void()> main) {
  sanitizer::HarnessScope harness_scope;
  if (active_ != nullptr) InternalError("Scheduler::Run while another execution is running");
  if (options.strategy == nullptr) InternalError("ExecutionOptions.strategy is required");
  options_ = &options;
  num_threads_ = 0;
  runnable_.Clear();
  num_runnable_ = 0;
  step_ = 0;
  trace_.Clear();
  decisions_.clear();
  failure_ = Failure{};
  unwinding_ = false;
  failed_thread_ = kNoThread;
  quiescence_waiter_ = kNoThread;
  exit_path_ = nullptr;
  exit_path_runs_ = 0;
  sanitizer_report_pending_ = false;
  options.strategy->BeginExecution();
  if (options.observer != nullptr) options.observer->OnExecutionStart();
  host_.InitHost();
  active_ = this;
  current_ = kNoThread;

  LogicalThread& main_thread = NewThread([main] { main(); }, "T0");
  sanitizer::Release(&main_thread.spawn_token);
  SwitchToThread(main_thread.id, /*leaving_for_good=*/false);
  // Back on the host: every thread finished, or a failure abandoned the execution.
  if (sanitizer_report_pending_ && !failure_.failed()) {
    // A recovered sanitizer report after the last scheduling point.
    failure_.kind = FailureKind::kSanitizer;
    failure_.title = "sanitizer report above";
    if (options.on_failure == FailurePolicy::kAbort) PrintReportAndAbort();
  }
  sanitizer_report_pending_ = false;
  FinishExecution();

  ExecutionResult result;
  result.failure = failure_;
  result.steps = step_;
  if (options.summarize) {
    result.trace_hash = trace_.Hash();
    result.decisions = decisions_;
  }
  options.strategy->EndExecution(step_);
  return result;
}

void Scheduler::FinishExecution() {
  active_ = nullptr;
  exit_path_ = nullptr;  // it may refer to the execution's state
  current_ = kNoThread;
  for (size_t i = 0; i < num_threads_; ++i) {
    LogicalThread& t = *threads_[i];
    sanitizer::Acquire(&t.exit_token);
    // Where the thread's stack pointer was when it left for good (set by the context it
    // switched to): only frames above it can still hold ASan poison (StackPool::Release).
    const void* last_stack_pointer = t.context.fctx;
    t.context.Destroy(/*keep_tsan_fiber=*/!t.abandoned);
    if (t.abandoned) {
      stacks_.Quarantine(t.stack);
    } else {
      stacks_.Release(t.stack, last_stack_pointer);
    }
    t.stack = FiberStack{};
    t.body = nullptr;
  }
}

void Scheduler::ThreadEntry(void* arg) {
  auto* self = static_cast<Scheduler*>(arg);
  LogicalThread& t = *self->threads_[self->current_];
  {
    sanitizer::HarnessScope harness_scope;
    t.started = true;
    sanitizer::Acquire(&t.spawn_token);
    self->trace_.Add({self->step_, t.id, EventKind::kThreadStart, -1, 0, "start", {}});
  }
  try {
    t.body();
    t.body = nullptr;  // destroy captures on this thread, before it finishes
  } catch (const ExecutionAbandoned&) {
    // A failure stopped the execution; this thread's frames are now unwound.
    t.body = nullptr;
  }
  // From here on this fiber runs only harness code, until it leaves for good; the switch
  // that leaves for good ends this ignore (SwitchContext), so TSan sees it balanced.
  self->IgnoreUntilLeftForGood(t);
  sanitizer::Release(&t.exit_token);  // everything this thread did happens before a join
  if (self->unwinding_) {
    self->SetState(t, ThreadState::kFinished);
    self->UnwindNextThread();
  }
  self->SetState(t, ThreadState::kFinished);
  --self->num_runnable_;
  self->trace_.Add({self->step_, t.id, EventKind::kThreadFinish, -1, 0, "exit", {}});
  self->WakeAll(t.joiners);
  try {
    self->Reschedule(/*leaving_for_good=*/true);
  } catch (const ExecutionAbandoned&) {
    // This exit revealed a deadlock among the remaining threads: unwind them.
    self->UnwindNextThread();
  }
  InternalError("a finished logical thread was resumed");
}

ThreadId Scheduler::Spawn(std::function<void()> body, std::string name) {
  sanitizer::HarnessScope harness_scope;
  if (num_threads_ >= kMaxThreads) {
    Fail(FailureKind::kInvariant, absl::StrFormat("more than %d logical threads", kMaxThreads), "",
         SourceLocation{});
  }
  if (name.empty()) name = absl::StrFormat("T%d", num_threads_);
  LogicalThread& t = NewThread(std::move(body), std::move(name));
  sanitizer::Release(&t.spawn_token);
  return t.id;
}

void Scheduler::Join(ThreadId thread, SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  if (thread >= num_threads_) InternalError("Join of an unknown thread");
  YieldPoint("join", location);
  LogicalThread& target = *threads_[thread];
  if (target.state != ThreadState::kFinished) {
    target.joiners.Insert(current_);
    Block(WaitTarget{"join", target.name.c_str(), thread}, location);
  }
  sanitizer::Acquire(&target.exit_token);
}

void Scheduler::SetState(LogicalThread& thread, ThreadState state) {
  thread.state = state;
  if (state == ThreadState::kRunnable) {
    runnable_.Insert(thread.id);
  } else {
    runnable_.Erase(thread.id);
  }
}

[[gnu::always_inline]] inline uint64_t Scheduler::BeginSchedulingPoint(const char* label,
                                                                       SourceLocation location,
                                                                       const char* object) {
  if (sanitizer_report_pending_) [[unlikely]] {
    StopForSanitizerReport(location);
  }
  const uint64_t step = ++step_;
  trace_.Add({step, current_, EventKind::kYield, -1, 0, label, location, object});
  if (step > options_->step_budget) [[unlikely]] {
    FailStepBudget(location);
  }
  return step;
}

// The hot path of every execution: one call per yield point of code under test, and with a
// preemption one switch (bench/: BM_FiberSwitch). Everything that formats text or reports
// is in out-of-line functions, so that this one saves few registers and builds no strings.
void Scheduler::YieldPoint(const char* label, SourceLocation location, const char* object) {
  sanitizer::HarnessScope harness_scope;
  if (unwinding_) [[unlikely]] {
    return;  // destructors of an abandoned execution run without scheduling
  }
  const uint64_t step = BeginSchedulingPoint(label, location, object);
  if (num_runnable_ < 2) return;
  Strategy& strategy = *options_->strategy;
  if (!strategy.ShouldPreempt(YieldContext{current_, step, label, location, object})) return;
  const ThreadId next = strategy.PickNext(runnable_.Ids(), current_, step);
  if (!runnable_.Contains(next)) [[unlikely]] {
    InternalError("strategy picked a thread that is not runnable");
  }
  if (next == current_) return;
  decisions_.push_back({step, next});
  trace_.MarkPreempted(next);
  SwitchToThread(next, /*leaving_for_good=*/false);
}

void Scheduler::SpinPoint(const char* label, SourceLocation location, const char* object) {
  sanitizer::HarnessScope harness_scope;
  if (unwinding_) return;
  const uint64_t step = BeginSchedulingPoint(label, location, object);
  Strategy& strategy = *options_->strategy;
  strategy.OnSpin(current_);
  if (num_runnable_ < 2) return;
  spin_choices_.clear();
  for (ThreadId t : runnable_.Ids()) {
    if (t != current_) spin_choices_.push_back(t);
  }
  // The spinner is not among the choices, so it is asked as after a block (kNoThread);
  // only a pick other than the first is a decision to record (DefaultPick's rule).
  ThreadId next = spin_choices_.front();
  if (spin_choices_.size() > 1) {
    next = strategy.PickNext(spin_choices_, kNoThread, step);
    if (next == current_ || !runnable_.Contains(next)) [[unlikely]] {
      InternalError("strategy picked a thread that is not runnable");
    }
    if (next != spin_choices_.front()) decisions_.push_back({step, next});
  }
  trace_.MarkPreempted(next);
  SwitchToThread(next, /*leaving_for_good=*/false);
}

void Scheduler::Block(const WaitTarget& target, SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  if (unwinding_) {
    if (std::uncaught_exceptions() == 0) throw ExecutionAbandoned{};
    AbandonCurrentThread();
  }
  LogicalThread& t = *threads_[current_];
  SetState(t, ThreadState::kBlocked);
  t.waiting_on = target;
  t.wait_location = location;
  --num_runnable_;
  const int32_t text = trace_.AddText(target.kind != nullptr ? target.kind : "",
                                      target.name != nullptr ? target.name : "");
  trace_.Add({step_, current_, EventKind::kBlock, text, 0, "blocks on", location});
  Reschedule(/*leaving_for_good=*/false);
  // Running again: someone woke us.
}

void Scheduler::Wake(ThreadId thread) {
  sanitizer::HarnessScope harness_scope;
  // While a failure unwinds the execution (destructors releasing locks), nobody is
  // scheduled any more, and the trace must stay as it was when the failure happened: the
  // report of a kReturn run is formatted after the unwinding and must equal the kAbort one.
  if (unwinding_) return;
  LogicalThread& t = *threads_[thread];
  if (t.state != ThreadState::kBlocked) return;
  SetState(t, ThreadState::kRunnable);
  t.waiting_on = WaitTarget{};
  ++num_runnable_;
  trace_.Add({step_, current_, EventKind::kWake, -1, thread, "wakes", {}});
}

void Scheduler::WakeAll(ThreadSet& waiters) {
  waiters.TakeEach([this](ThreadId t) { Wake(t); });
}

void Scheduler::Reschedule(bool leaving_for_good) {
  if (sanitizer_report_pending_) StopForSanitizerReport(SourceLocation{});
  const uint64_t step = ++step_;
  if (runnable_.empty() && quiescence_waiter_ != kNoThread) {
    // Everyone else is done or blocked: the thread waiting for quiescence runs.
    const ThreadId waiter = quiescence_waiter_;
    quiescence_waiter_ = kNoThread;
    Wake(waiter);
  }
  if (runnable_.empty() && exit_path_ && exit_path_runs_ < kMaxExitPathRuns &&
      num_threads_ < kMaxThreads && AnyThreadUnfinished()) {
    // Nobody waits for quiescence but it has come: run the exit path in a thread of its own.
    ++exit_path_runs_;
    LogicalThread& t = NewThread(exit_path_, exit_path_name_);
    sanitizer::Release(&t.spawn_token);
  }
  if (runnable_.empty()) {
    if (AnyThreadUnfinished()) ReportDeadlock(threads_[current_]->wait_location);
    SwitchToHost(leaving_for_good);
  }
  const std::span<const ThreadId> runnable = runnable_.Ids();
  ThreadId next = runnable.front();
  if (runnable.size() > 1) {
    next = options_->strategy->PickNext(runnable, kNoThread, step);
    if (!runnable_.Contains(next)) InternalError("strategy picked a thread that is not runnable");
    if (next != runnable.front()) decisions_.push_back({step, next});
  }
  if (next == current_) return;  // woken while blocking: cannot happen, kept for safety
  SwitchToThread(next, leaving_for_good);
}

void Scheduler::SwitchToThread(ThreadId next, bool leaving_for_good) {
  FiberContext* from = current_ == kNoThread ? &host_ : contexts_[current_];
  current_ = next;
  SwitchContext(from, contexts_[next], leaving_for_good);
  // Resumed. If the execution failed meanwhile, unwind this thread's frames.
  if (unwinding_ && current_ != kNoThread) {
    IgnoreUntilLeftForGood(*threads_[current_]);
    sanitizer::Acquire(&unwind_token_);  // see UnwindNextThread
    throw ExecutionAbandoned{};
  }
}

// The order of unwinding after a failure: the failing thread first, as it most likely holds
// what the others wait for (its unwinding releases it), unless it is T0; then the others by
// decreasing id, T0 last. A thread's frames usually own what the threads it spawned use,
// T0's above all (the state of an Explore body or a fuzz target's program), so their
// destructors, say the MutexLock of a thread waiting on a CondVar, still find those objects.
ThreadId Scheduler::NextToUnwind() {
  for (size_t i = num_threads_; i-- > 0;) {
    LogicalThread& t = *threads_[i];
    if (t.id == current_) continue;
    if (t.id == failed_thread_) return t.id;  // suspended in Fail until its turn
    if (t.state == ThreadState::kFinished) continue;
    if (!t.started) {
      SetState(t, ThreadState::kFinished);  // never ran: nothing on its stack to unwind
      continue;
    }
    return t.id;
  }
  return kNoThread;
}

void Scheduler::UnwindNextThread() {
  // The failure has decided the execution; what runs now is clean-up no real process would
  // run. Each thread that unwinds acquires what the failing thread and every thread unwound
  // before it did, so that destructors of shared state (T0's, last) race with none of them.
  sanitizer::Release(&unwind_token_);
  const ThreadId next = NextToUnwind();
  if (next == kNoThread) SwitchToHost(/*leaving_for_good=*/true);
  FiberContext* from = &threads_[current_]->context;
  current_ = next;
  SwitchContext(from, contexts_[next], /*leaving_for_good=*/true);
  InternalError("an unwound logical thread was resumed");
}

void Scheduler::SwitchToHost(bool leaving_for_good) {
  FiberContext* from = &threads_[current_]->context;
  current_ = kNoThread;
  SwitchContext(from, &host_, leaving_for_good);
  InternalError("an abandoned logical thread was resumed");
}

void Scheduler::ReportDeadlock(SourceLocation location) {
  std::string chain;
  for (size_t i = 0; i < num_threads_; ++i) {
    const LogicalThread& t = *threads_[i];
    if (t.state != ThreadState::kBlocked) continue;
    // Follow the wait-for chain from this thread until it ends or cycles.
    absl::StrAppendFormat(&chain, "  %s", t.name);
    std::vector<bool> seen(num_threads_, false);
    const LogicalThread* at = &t;
    while (at != nullptr && !seen[at->id]) {
      seen[at->id] = true;
      const WaitTarget& w = at->waiting_on;
      absl::StrAppendFormat(&chain, " waits for %s '%s' (%s:%d)", w.kind, w.name,
                            at->wait_location.Basename(), at->wait_location.line);
      if (w.owner == kNoThread || w.owner >= num_threads_) {
        chain += ", which no thread can signal any more";
        break;
      }
      const LogicalThread& owner = *threads_[w.owner];
      absl::StrAppendFormat(&chain, ",\n    held by %s", owner.name);
      if (seen[owner.id]) {
        chain += " (cycle)";
        break;
      }
      if (owner.state == ThreadState::kBlocked) chain += ", which";
      at = owner.state == ThreadState::kBlocked ? &owner : nullptr;
      if (at == nullptr) chain += ", which has finished without releasing it";
    }
    chain += '\n';
  }
  Fail(FailureKind::kDeadlock, "deadlock: no logical thread can run", "Wait-for chains:\n" + chain,
       location);
}

bool Scheduler::AnyThreadUnfinished() const {
  for (size_t i = 0; i < num_threads_; ++i) {
    if (threads_[i]->state != ThreadState::kFinished) return true;
  }
  return false;
}

void Scheduler::SetExitPath(std::function<void()> exit_path, std::string name) {
  sanitizer::HarnessScope harness_scope;
  exit_path_ = std::move(exit_path);
  exit_path_name_ = std::move(name);
}

void Scheduler::SynchronizeWithFinishedThreads() {
  sanitizer::HarnessScope harness_scope;
  for (size_t i = 0; i < num_threads_; ++i) {
    if (threads_[i]->state == ThreadState::kFinished) sanitizer::Acquire(&threads_[i]->exit_token);
  }
}

bool Scheduler::WaitForQuiescence(SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  YieldPoint("wait_for_quiescence", location);
  if (num_runnable_ >= 2) {
    if (quiescence_waiter_ != kNoThread) InternalError("two threads wait for quiescence");
    quiescence_waiter_ = current_;
    Block(WaitTarget{"quiescence", "every other thread", kNoThread}, location);
  }
  for (size_t i = 0; i < num_threads_; ++i) {
    if (i != current_ && threads_[i]->state != ThreadState::kFinished) return true;
  }
  return false;
}

void Scheduler::Annotate(std::string_view text, SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  if (unwinding_) return;  // the trace ends at the failure (see Wake)
  trace_.Add({step_, current_, EventKind::kAnnotation, trace_.AddText(text), 0, "", location});
}

void Scheduler::Fail(FailureKind kind, std::string title, std::string details,
                     SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  if (unwinding_) {
    // A second failure while cleaning up after the first: the first one is the report.
    if (std::uncaught_exceptions() == 0) throw ExecutionAbandoned{};
    AbandonCurrentThread();
  }
  failure_ = Failure{};  // also drops old string buffers (a moved-into string can hand
                         // its old buffer to the source, which here would never be freed)
  if (sanitizer_report_pending_) {
    // A recovered sanitizer report came first (see NoteSanitizerReport): it is the bug.
    sanitizer_report_pending_ = false;
    kind = FailureKind::kSanitizer;
    title = "sanitizer report above";
    details.clear();
  }
  failure_.kind = kind;
  failure_.title = std::move(title);
  failure_.details = std::move(details);
  failure_.thread = current_;
  failure_.location = location;
  if (options_->on_failure == FailurePolicy::kAbort || current_ == kNoThread) {
    PrintReportAndAbort();
  }
  unwinding_ = true;
  IgnoreUntilLeftForGood(*threads_[current_]);
  // T0 unwinds last (see NextToUnwind): the others first, then its turn resumes it here.
  if (const ThreadId next = NextToUnwind(); current_ == 0 && next != kNoThread) {
    failed_thread_ = current_;
    sanitizer::Release(&unwind_token_);
    FiberContext* from = contexts_[current_];
    current_ = next;
    SwitchContext(from, contexts_[next], /*leaving_for_good=*/false);
    failed_thread_ = kNoThread;
    sanitizer::Acquire(&unwind_token_);
  }
  throw ExecutionAbandoned{};
}

void Scheduler::IgnoreUntilLeftForGood(LogicalThread& thread) {
  if (thread.ignored_for_good) return;
  sanitizer::BeginHarnessForGood();
  thread.ignored_for_good = true;
}

void Scheduler::PrintReportAndAbort() const {
  const std::string report = FormatReport(failure_);
  std::fwrite(report.data(), 1, report.size(), stderr);
  std::fflush(stderr);
  std::abort();
}

void Scheduler::FailStepBudget(SourceLocation location) {
  Fail(FailureKind::kStepBudget,
       absl::StrFormat("step budget of %d scheduling points exhausted", options_->step_budget),
       "The execution did not finish: a livelock, an endless loop, or a budget too small "
       "for this program.",
       location);
}

void Scheduler::StopForSanitizerReport(SourceLocation location) {
  Fail(FailureKind::kSanitizer, "sanitizer report above", "", location);
}

void Scheduler::AbandonCurrentThread() {
  // Cannot unwind from here (a destructor is running): leave the thread for good. Its
  // stack is quarantined and registered with LSan, so what its frames own is not a leak.
  LogicalThread& t = *threads_[current_];
  t.abandoned = true;
  IgnoreUntilLeftForGood(t);
  sanitizer::Release(&t.exit_token);  // what it did happens before the host goes on
  SetState(t, ThreadState::kFinished);
  UnwindNextThread();
}

std::string Scheduler::FormatReport(const Failure& failure) const {
  sanitizer::HarnessScope harness_scope;
  std::vector<std::string> names;
  for (size_t i = 0; i < num_threads_; ++i) names.push_back(threads_[i]->name);
  std::string out = absl::StrFormat("\n==racefuzz== BUG [%s]: %s\n", FailureKindName(failure.kind),
                                    failure.title);
  if (failure.thread != kNoThread && failure.thread < num_threads_) {
    absl::StrAppendFormat(&out, "  in logical thread %s", names[failure.thread]);
    if (failure.location.line > 0) {
      absl::StrAppendFormat(&out, " at %s:%d", failure.location.Basename(), failure.location.line);
    }
    out += '\n';
  }
  if (!failure.details.empty()) absl::StrAppendFormat(&out, "%s\n", failure.details);
  absl::StrAppendFormat(&out,
                        "\nRace diagram (strategy %s, %d scheduling points, trace hash "
                        "%016x; time flows down):\n",
                        options_->strategy->Describe(), step_, trace_.Hash());
  out += RenderRaceDiagram(trace_, names, failure);
  absl::StrAppendFormat(&out, "\nReplay decisions: %s\n", FormatDecisionList(decisions_));
  if (options_->report_footer) out += options_->report_footer();
  return out;
}

}  // namespace racefuzz
