// The C API (harness/c_api.h) on the C++ primitives: each C struct holds its C++ object in
// place, constructed at the first use of a zeroed struct or by the *_init call.
#include "harness/c_api.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "harness/explore.h"
#include "harness/mutex.h"
#include "harness/refcount.h"
#include "harness/sanitizer_hooks.h"
#include "harness/scheduler.h"
#include "harness/sync_access.h"
#include "harness/thread.h"
#include "harness/wait_queue.h"
#include "harness/yield.h"

namespace racefuzz {
namespace {

// `ready` of a racefuzz_c_storage whose object was constructed.
constexpr uint32_t kReady = 0x52465a31;  // "RFZ1"

// The C++ object of type T in `storage`, constructed from `make` at its first use. Zeroed
// memory (kzalloc, a static struct) has not been constructed yet; *_init constructs anew.
template <typename T, typename Make>
T& ObjectIn(racefuzz_c_storage& storage, Make make) {
  static_assert(sizeof(T) <= sizeof(storage.object.bytes),
                "racefuzz_c_storage is too small for this primitive: raise "
                "RACEFUZZ_C_STORAGE_WORDS in harness/c_api.h");
  static_assert(alignof(T) <= alignof(decltype(storage.object)));
  if (storage.ready != kReady) {
    make(static_cast<void*>(storage.object.bytes));
    storage.ready = kReady;
  }
  return *std::launder(reinterpret_cast<T*>(storage.object.bytes));
}

const char* NameOr(const char* name, const char* otherwise) {
  return name != nullptr ? name : otherwise;
}

Mutex& MutexIn(racefuzz_mutex* m) {
  return ObjectIn<Mutex>(m->storage,
                         [m](void* at) { new (at) Mutex(NameOr(m->storage.name, "mutex")); });
}

Refcount& RefcountIn(racefuzz_refcount* r) {
  // A zeroed refcount_t reads 0, as in the kernel; refcount_set gives it its value.
  return ObjectIn<Refcount>(r->storage, [](void* at) { new (at) Refcount(0); });
}

WaitQueue& WaitQueueIn(racefuzz_wait_queue* q) {
  return ObjectIn<WaitQueue>(
      q->storage, [q](void* at) { new (at) WaitQueue(NameOr(q->storage.name, "wait_queue")); });
}

Completion& CompletionIn(racefuzz_completion* c) {
  return ObjectIn<Completion>(
      c->storage, [c](void* at) { new (at) Completion(NameOr(c->storage.name, "completion")); });
}

SourceLocation At(const char* file, int line) { return SourceLocation{file, line}; }

const char* ReasonLabel(racefuzz_yield_reason reason) {
  switch (reason) {
    case RACEFUZZ_YIELD_USER:
      return "yield";
    case RACEFUZZ_YIELD_LOCK:
      return "lock";
    case RACEFUZZ_YIELD_UNLOCK:
      return "unlock";
    case RACEFUZZ_YIELD_ATOMIC:
      return "atomic";
    case RACEFUZZ_YIELD_REFCOUNT:
      return "refcount";
    case RACEFUZZ_YIELD_WAIT:
      return "wait";
    case RACEFUZZ_YIELD_WAKE:
      return "wake";
    case RACEFUZZ_YIELD_ALLOC:
      return "alloc";
    case RACEFUZZ_YIELD_FREE:
      return "free";
    case RACEFUZZ_YIELD_SLEEP:
      return "might_sleep";
    case RACEFUZZ_YIELD_SPIN:
      return "spin";
  }
  return "yield";
}

FailureKind KindOf(racefuzz_bug_kind kind) {
  switch (kind) {
    case RACEFUZZ_BUG_INVARIANT:
      return FailureKind::kInvariant;
    case RACEFUZZ_BUG_REFCOUNT:
      return FailureKind::kRefcount;
    case RACEFUZZ_BUG_LOCK_MISUSE:
      return FailureKind::kLockMisuse;
    case RACEFUZZ_BUG_DEADLOCK:
      return FailureKind::kDeadlock;
  }
  return FailureKind::kInvariant;
}

}  // namespace
}  // namespace racefuzz

using racefuzz::At;

extern "C" {

racefuzz_thread_t racefuzz_spawn(void (*fn)(void*), void* arg, const char* name) {
  return static_cast<racefuzz_thread_t>(
      racefuzz::SpawnThread([fn, arg] { fn(arg); }, name != nullptr ? name : ""));
}

void racefuzz_join_at(racefuzz_thread_t thread, const char* file, int line) {
  racefuzz::JoinThread(static_cast<racefuzz::ThreadId>(thread), At(file, line));
}

void racefuzz_yield_at(racefuzz_yield_reason reason, const char* object, const char* file,
                       int line) {
  racefuzz::sanitizer::HarnessScope harness_scope;
  racefuzz::Scheduler* s = racefuzz::Scheduler::Active();
  if (s == nullptr) return;
  if (reason == RACEFUZZ_YIELD_SPIN) {
    s->SpinPoint(racefuzz::ReasonLabel(reason), At(file, line), object);
  } else {
    s->YieldPoint(racefuzz::ReasonLabel(reason), At(file, line), object);
  }
}

void racefuzz_annotate_at(const char* text, const char* file, int line) {
  racefuzz::Annotate(text != nullptr ? text : "", At(file, line));
}

void racefuzz_report_bug_at(racefuzz_bug_kind kind, const char* title, const char* file, int line) {
  racefuzz::ReportBug(racefuzz::KindOf(kind), title != nullptr ? title : "bug", "", At(file, line));
}

void racefuzz_mutex_init(racefuzz_mutex* mutex, const char* name) {
  mutex->storage.ready = 0;
  mutex->storage.name = name;
  racefuzz::MutexIn(mutex);
}
void racefuzz_mutex_lock_at(racefuzz_mutex* mutex, const char* file, int line) {
  racefuzz::MutexIn(mutex).Lock(At(file, line));
}
int racefuzz_mutex_trylock_at(racefuzz_mutex* mutex, const char* file, int line) {
  return racefuzz::MutexIn(mutex).TryLock(At(file, line)) ? 1 : 0;
}
void racefuzz_mutex_unlock_at(racefuzz_mutex* mutex, const char* file, int line) {
  racefuzz::MutexIn(mutex).Unlock(At(file, line));
}
int racefuzz_mutex_is_locked(racefuzz_mutex* mutex) {
  return racefuzz::MutexIn(mutex).IsLocked() ? 1 : 0;
}
int racefuzz_mutex_held(racefuzz_mutex* mutex) {
  return racefuzz::MutexIn(mutex).HeldByCurrentThread() ? 1 : 0;
}

void racefuzz_refcount_set_at(racefuzz_refcount* r, int value, const char* file, int line) {
  racefuzz::RefcountIn(r).Set(value, At(file, line));
}
int racefuzz_refcount_read_at(racefuzz_refcount* r, const char* file, int line) {
  return racefuzz::RefcountIn(r).Read(At(file, line));
}
void racefuzz_refcount_inc_at(racefuzz_refcount* r, const char* file, int line) {
  racefuzz::RefcountIn(r).Inc(At(file, line));
}
int racefuzz_refcount_inc_not_zero_at(racefuzz_refcount* r, const char* file, int line) {
  return racefuzz::RefcountIn(r).IncNotZero(At(file, line)) ? 1 : 0;
}
void racefuzz_refcount_dec_at(racefuzz_refcount* r, const char* file, int line) {
  racefuzz::RefcountIn(r).Dec(At(file, line));
}
int racefuzz_refcount_dec_and_test_at(racefuzz_refcount* r, const char* file, int line) {
  return racefuzz::RefcountIn(r).DecAndTest(At(file, line)) ? 1 : 0;
}

// kref_put() (include/linux/kref.h): the put that reaches zero calls release.
int racefuzz_kref_put_at(racefuzz_kref* kref, void (*release)(racefuzz_kref*), const char* file,
                         int line) {
  if (racefuzz::RefcountIn(&kref->refcount).DecAndTest(At(file, line))) {
    release(kref);
    return 1;
  }
  return 0;
}

void racefuzz_wait_queue_init(racefuzz_wait_queue* queue, const char* name) {
  queue->storage.ready = 0;
  queue->storage.name = name;
  racefuzz::WaitQueueIn(queue);
}
void racefuzz_wait_event_at(racefuzz_wait_queue* queue, int (*condition)(void*), void* arg,
                            const char* file, int line) {
  racefuzz::WaitQueueIn(queue).WaitEvent([condition, arg] { return condition(arg) != 0; },
                                         At(file, line));
}
void racefuzz_wake_up_all_at(racefuzz_wait_queue* queue, const char* file, int line) {
  racefuzz::WaitQueueIn(queue).WakeUpAll(At(file, line));
}

void racefuzz_completion_init(racefuzz_completion* completion, const char* name) {
  completion->storage.ready = 0;
  completion->storage.name = name;
  racefuzz::CompletionIn(completion);
}
void racefuzz_complete_at(racefuzz_completion* completion, int all, const char* file, int line) {
  racefuzz::Completion& c = racefuzz::CompletionIn(completion);
  if (all != 0) {
    c.CompleteAll(At(file, line));
  } else {
    c.Complete(At(file, line));
  }
}
void racefuzz_wait_for_completion_at(racefuzz_completion* completion, const char* file, int line) {
  racefuzz::CompletionIn(completion).Wait(At(file, line));
}

void racefuzz_sync_access_at(uint32_t* last_writer, racefuzz_access access, const char* label,
                             const char* file, int line) {
  // The site record is the C struct's own word; SyncSite is that word.
  racefuzz::SyncSite site{*last_writer};
  const racefuzz::Access kind = access == RACEFUZZ_ACCESS_READ    ? racefuzz::Access::kRead
                                : access == RACEFUZZ_ACCESS_WRITE ? racefuzz::Access::kWrite
                                                                  : racefuzz::Access::kReadWrite;
  racefuzz::SyncAccess(site, kind, label, nullptr, At(file, line));
  *last_writer = site.last_writer;
}

int racefuzz_explore(const racefuzz_explore_options* options, void (*body)(void*), void* arg,
                     racefuzz_explore_result* result) {
  racefuzz::ExploreOptions explore;
  explore.strategy = options->strategy == RACEFUZZ_STRATEGY_RANDOM
                         ? racefuzz::ExploreStrategy::kRandom
                         : racefuzz::ExploreStrategy::kPct;
  if (options->executions != 0) explore.executions = options->executions;
  explore.seed = options->seed;
  if (options->pct_depth != 0) explore.pct_depth = options->pct_depth;
  const racefuzz::ExploreResult r = racefuzz::Explore(explore, [body, arg] { body(arg); });
  result->failed = r.failed() ? 1 : 0;
  result->executions_run = r.executions_run;
  result->report = static_cast<char*>(std::malloc(r.report.size() + 1));
  if (result->report != nullptr) std::memcpy(result->report, r.report.c_str(), r.report.size() + 1);
  return result->failed;
}

}  // extern "C"
