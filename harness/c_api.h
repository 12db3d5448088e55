/* racefuzz's C API: the harness's logical threads and instrumented primitives for code
 * under test written in C (a kernel file compiled against a shim, a C library), usable from
 * translation units compiled with `clang -x c` (C11) as well as from C++.
 *
 * Each primitive is the C++ one of harness/ behind a C struct: the same scheduling points,
 * the same bug reports (recursive locking, unlock by a non-owner, refcount misuse, deadlocks
 * as wait-for chains) and the same happens-before told to TSan (an unlock releases, a lock
 * acquires; a put releases and the put that reaches zero acquires; a wake-up releases and
 * the woken waiter acquires). The structs hold the C++ object in place, so they may be
 * embedded in objects the code under test allocates and frees with malloc/free (as kernel
 * structs embed a struct mutex or a struct kref), and a zeroed struct is a valid one: it is
 * set up at its first use, as DEFINE_MUTEX or kzalloc'ed memory is in the kernel. No
 * destroy call is needed.
 *
 * Atomics are inline here, on the C11 __atomic builtins, so that they are compiled in the
 * code under test's own translation unit: TSan then sees real atomic accesses with their
 * orderings (the harness itself is not TSan-instrumented). Their kernel orderings: read,
 * set, inc, dec and add/sub are relaxed; the *_return, dec_and_test, xchg and cmpxchg
 * operations are fully ordered; read_acquire and set_release are smp_load_acquire and
 * smp_store_release (Documentation/atomic_t.txt).
 *
 * Every operation takes the caller's file and line through the macros below, for traces
 * and reports. Outside an execution (no scheduler running) the primitives fall back to
 * real synchronisation, as the C++ ones do.
 *
 * A failure stops the execution by unwinding the logical threads (until engine v2 leaves
 * them without unwinding): C frames on the way need unwind tables, which clang emits by
 * default on x86-64 Linux; locks a C frame holds are simply never released, since the
 * execution is over. */
#ifndef RACEFUZZ_HARNESS_C_API_H_
#define RACEFUZZ_HARNESS_C_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- Logical threads ------------------------------------------------------------------ */

typedef int32_t racefuzz_thread_t;

/* Starts a logical thread running fn(arg) in the running execution; it first runs when
 * the strategy picks it. `name` (may be NULL) is copied. */
racefuzz_thread_t racefuzz_spawn(void (*fn)(void*), void* arg, const char* name);
/* Waits for the thread to finish; everything it did happens before the return. */
#define racefuzz_join(thread) racefuzz_join_at((thread), __FILE__, __LINE__)
void racefuzz_join_at(racefuzz_thread_t thread, const char* file, int line);

/* Why a thread may be preempted here (the trace's label). */
typedef enum racefuzz_yield_reason {
  RACEFUZZ_YIELD_USER = 0,
  RACEFUZZ_YIELD_LOCK,
  RACEFUZZ_YIELD_UNLOCK,
  RACEFUZZ_YIELD_ATOMIC,
  RACEFUZZ_YIELD_REFCOUNT,
  RACEFUZZ_YIELD_WAIT,
  RACEFUZZ_YIELD_WAKE,
  RACEFUZZ_YIELD_ALLOC,
  RACEFUZZ_YIELD_FREE,
  RACEFUZZ_YIELD_SLEEP, /* might_sleep(), cond_resched() */
  RACEFUZZ_YIELD_SPIN,  /* a retry loop: see racefuzz_yield's comment */
} racefuzz_yield_reason;

/* A point where the running thread may be preempted, with why and on what object (a name
 * with static storage, or NULL). RACEFUZZ_YIELD_SPIN says the thread cannot progress
 * until another runs (an iteration of a retry or busy-wait loop): then another runnable
 * thread always runs next, whatever the strategy, so that no strategy livelocks there
 * (harness/yield.h, racefuzz::Spin). */
#define racefuzz_yield(reason, object) racefuzz_yield_at((reason), (object), __FILE__, __LINE__)
void racefuzz_yield_at(racefuzz_yield_reason reason, const char* object, const char* file,
                       int line);

/* Free text in the trace and race diagram (copied). */
#define racefuzz_annotate(text) racefuzz_annotate_at((text), __FILE__, __LINE__)
void racefuzz_annotate_at(const char* text, const char* file, int line);

/* --- Bug reports ----------------------------------------------------------------------- */

typedef enum racefuzz_bug_kind {
  RACEFUZZ_BUG_INVARIANT = 0, /* a check of the code under test failed */
  RACEFUZZ_BUG_REFCOUNT,      /* reference counting misuse */
  RACEFUZZ_BUG_LOCK_MISUSE,   /* a lock used against its rules */
  RACEFUZZ_BUG_DEADLOCK,
} racefuzz_bug_kind;

/* Reports a bug in the code under test and stops the execution; does not return. */
#define racefuzz_report_bug(kind, title) racefuzz_report_bug_at((kind), (title), __FILE__, __LINE__)
__attribute__((noreturn)) void racefuzz_report_bug_at(racefuzz_bug_kind kind, const char* title,
                                                      const char* file, int line);
/* WARN_ON-like check: a false condition is a bug report. */
#define RACEFUZZ_C_CHECK(condition, message)                                             \
  do {                                                                                   \
    if (!(condition)) {                                                                  \
      racefuzz_report_bug_at(RACEFUZZ_BUG_INVARIANT, "invariant violated: " message,     \
                             __FILE__, __LINE__);                                        \
    }                                                                                    \
  } while (0)

/* --- Storage of the C++ objects ---------------------------------------------------------- */

/* Room for the C++ object and its alignment; c_api.cc checks that it fits. */
#define RACEFUZZ_C_STORAGE_WORDS 64 /* 512 bytes */
typedef struct racefuzz_c_storage {
  uint32_t ready; /* the object was constructed (0 in zeroed memory) */
  const char* name;
  union {
    uint64_t align;
    void* pointer;
    unsigned char bytes[RACEFUZZ_C_STORAGE_WORDS * 8];
  } object;
} racefuzz_c_storage;

/* --- Mutex and spinlock (struct mutex, spinlock_t) ------------------------------------ */

typedef struct racefuzz_mutex {
  racefuzz_c_storage storage;
} racefuzz_mutex;
/* A static initializer naming the lock, like DEFINE_MUTEX(name). */
#define RACEFUZZ_MUTEX_INIT(name_literal) {{0, (name_literal), {0}}}

void racefuzz_mutex_init(racefuzz_mutex* mutex, const char* name);
#define racefuzz_mutex_lock(m) racefuzz_mutex_lock_at((m), __FILE__, __LINE__)
#define racefuzz_mutex_trylock(m) racefuzz_mutex_trylock_at((m), __FILE__, __LINE__)
#define racefuzz_mutex_unlock(m) racefuzz_mutex_unlock_at((m), __FILE__, __LINE__)
void racefuzz_mutex_lock_at(racefuzz_mutex* mutex, const char* file, int line);
/* 1 if it took the lock, 0 if another thread holds it (mutex_trylock). */
int racefuzz_mutex_trylock_at(racefuzz_mutex* mutex, const char* file, int line);
void racefuzz_mutex_unlock_at(racefuzz_mutex* mutex, const char* file, int line);
/* mutex_is_locked(). */
int racefuzz_mutex_is_locked(racefuzz_mutex* mutex);
/* lockdep_assert_held(): 1 if the running logical thread holds it. */
int racefuzz_mutex_held(racefuzz_mutex* mutex);

/* --- refcount_t and kref ---------------------------------------------------------------- */

typedef struct racefuzz_refcount {
  racefuzz_c_storage storage;
} racefuzz_refcount;

#define racefuzz_refcount_set(r, v) racefuzz_refcount_set_at((r), (v), __FILE__, __LINE__)
#define racefuzz_refcount_read(r) racefuzz_refcount_read_at((r), __FILE__, __LINE__)
#define racefuzz_refcount_inc(r) racefuzz_refcount_inc_at((r), __FILE__, __LINE__)
#define racefuzz_refcount_inc_not_zero(r) racefuzz_refcount_inc_not_zero_at((r), __FILE__, __LINE__)
#define racefuzz_refcount_dec(r) racefuzz_refcount_dec_at((r), __FILE__, __LINE__)
#define racefuzz_refcount_dec_and_test(r) racefuzz_refcount_dec_and_test_at((r), __FILE__, __LINE__)
void racefuzz_refcount_set_at(racefuzz_refcount* r, int value, const char* file, int line);
int racefuzz_refcount_read_at(racefuzz_refcount* r, const char* file, int line);
void racefuzz_refcount_inc_at(racefuzz_refcount* r, const char* file, int line);
int racefuzz_refcount_inc_not_zero_at(racefuzz_refcount* r, const char* file, int line);
void racefuzz_refcount_dec_at(racefuzz_refcount* r, const char* file, int line);
int racefuzz_refcount_dec_and_test_at(racefuzz_refcount* r, const char* file, int line);

/* struct kref (include/linux/kref.h), on a refcount_t as in the kernel. */
typedef struct racefuzz_kref {
  racefuzz_refcount refcount;
} racefuzz_kref;
#define racefuzz_kref_init(k) racefuzz_refcount_set(&(k)->refcount, 1)
#define racefuzz_kref_read(k) racefuzz_refcount_read(&(k)->refcount)
#define racefuzz_kref_get(k) racefuzz_refcount_inc(&(k)->refcount)
#define racefuzz_kref_get_unless_zero(k) racefuzz_refcount_inc_not_zero(&(k)->refcount)
/* kref_put: calls release(kref) when the count reaches zero; returns 1 then, else 0. */
#define racefuzz_kref_put(k, release) racefuzz_kref_put_at((k), (release), __FILE__, __LINE__)
int racefuzz_kref_put_at(racefuzz_kref* kref, void (*release)(racefuzz_kref*), const char* file,
                         int line);

/* --- Wait queue and completion ----------------------------------------------------------- */

typedef struct racefuzz_wait_queue {
  racefuzz_c_storage storage;
} racefuzz_wait_queue;
void racefuzz_wait_queue_init(racefuzz_wait_queue* queue, const char* name);
/* wait_event(queue, condition(arg)): returns once the condition holds; the waiter
 * evaluates it, after each wake-up. */
#define racefuzz_wait_event(q, condition, arg) \
  racefuzz_wait_event_at((q), (condition), (arg), __FILE__, __LINE__)
void racefuzz_wait_event_at(racefuzz_wait_queue* queue, int (*condition)(void*), void* arg,
                            const char* file, int line);
#define racefuzz_wake_up_all(q) racefuzz_wake_up_all_at((q), __FILE__, __LINE__)
void racefuzz_wake_up_all_at(racefuzz_wait_queue* queue, const char* file, int line);

typedef struct racefuzz_completion {
  racefuzz_c_storage storage;
} racefuzz_completion;
void racefuzz_completion_init(racefuzz_completion* completion, const char* name);
#define racefuzz_complete(c) racefuzz_complete_at((c), 0, __FILE__, __LINE__)
#define racefuzz_complete_all(c) racefuzz_complete_at((c), 1, __FILE__, __LINE__)
#define racefuzz_wait_for_completion(c) racefuzz_wait_for_completion_at((c), __FILE__, __LINE__)
void racefuzz_complete_at(racefuzz_completion* completion, int all, const char* file, int line);
void racefuzz_wait_for_completion_at(racefuzz_completion* completion, const char* file, int line);

/* --- Atomics (atomic_long_t) -------------------------------------------------------------- */

typedef struct racefuzz_atomic {
  long value;
  uint32_t last_writer; /* the site that wrote it last, for reads-from feedback */
} racefuzz_atomic;
#define RACEFUZZ_ATOMIC_INIT(v) {(v), 0}

typedef enum racefuzz_access { RACEFUZZ_ACCESS_READ, RACEFUZZ_ACCESS_WRITE, RACEFUZZ_ACCESS_RMW } racefuzz_access;
/* The scheduling point and reads-from record before an access (harness/sync_access.h). */
void racefuzz_sync_access_at(uint32_t* last_writer, racefuzz_access access, const char* label,
                             const char* file, int line);

#define RACEFUZZ_C_ATOMIC_OP_(name, access, label, expression)                         \
  static inline long racefuzz_atomic_##name##_at(racefuzz_atomic* a, long v,             \
                                                const char* file, int line) {          \
    racefuzz_sync_access_at(&a->last_writer, access, label, file, line);                \
    (void)v;                                                                           \
    return (expression);                                                               \
  }
RACEFUZZ_C_ATOMIC_OP_(read, RACEFUZZ_ACCESS_READ, "atomic_read",
                      __atomic_load_n(&a->value, __ATOMIC_RELAXED))
RACEFUZZ_C_ATOMIC_OP_(read_acquire, RACEFUZZ_ACCESS_READ, "atomic_read_acquire",
                      __atomic_load_n(&a->value, __ATOMIC_ACQUIRE))
RACEFUZZ_C_ATOMIC_OP_(set, RACEFUZZ_ACCESS_WRITE, "atomic_set",
                      (__atomic_store_n(&a->value, v, __ATOMIC_RELAXED), 0))
RACEFUZZ_C_ATOMIC_OP_(set_release, RACEFUZZ_ACCESS_WRITE, "atomic_set_release",
                      (__atomic_store_n(&a->value, v, __ATOMIC_RELEASE), 0))
RACEFUZZ_C_ATOMIC_OP_(add, RACEFUZZ_ACCESS_RMW, "atomic_add",
                      (__atomic_fetch_add(&a->value, v, __ATOMIC_RELAXED), 0))
RACEFUZZ_C_ATOMIC_OP_(add_return, RACEFUZZ_ACCESS_RMW, "atomic_add_return",
                      __atomic_add_fetch(&a->value, v, __ATOMIC_SEQ_CST))
RACEFUZZ_C_ATOMIC_OP_(fetch_add, RACEFUZZ_ACCESS_RMW, "atomic_fetch_add",
                      __atomic_fetch_add(&a->value, v, __ATOMIC_SEQ_CST))
RACEFUZZ_C_ATOMIC_OP_(xchg, RACEFUZZ_ACCESS_RMW, "atomic_xchg",
                      __atomic_exchange_n(&a->value, v, __ATOMIC_SEQ_CST))
#undef RACEFUZZ_C_ATOMIC_OP_

static inline long racefuzz_atomic_cmpxchg_at(racefuzz_atomic* a, long old, long desired,
                                              const char* file, int line) {
  racefuzz_sync_access_at(&a->last_writer, RACEFUZZ_ACCESS_RMW, "atomic_cmpxchg", file, line);
  __atomic_compare_exchange_n(&a->value, &old, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  return old; /* the value it held, as atomic_cmpxchg() returns */
}

#define racefuzz_atomic_read(a) racefuzz_atomic_read_at((a), 0, __FILE__, __LINE__)
#define racefuzz_atomic_read_acquire(a) racefuzz_atomic_read_acquire_at((a), 0, __FILE__, __LINE__)
#define racefuzz_atomic_set(a, v) ((void)racefuzz_atomic_set_at((a), (v), __FILE__, __LINE__))
#define racefuzz_atomic_set_release(a, v) \
  ((void)racefuzz_atomic_set_release_at((a), (v), __FILE__, __LINE__))
#define racefuzz_atomic_add(v, a) ((void)racefuzz_atomic_add_at((a), (v), __FILE__, __LINE__))
#define racefuzz_atomic_inc(a) racefuzz_atomic_add(1, (a))
#define racefuzz_atomic_dec(a) racefuzz_atomic_add(-1, (a))
#define racefuzz_atomic_add_return(v, a) racefuzz_atomic_add_return_at((a), (v), __FILE__, __LINE__)
#define racefuzz_atomic_inc_return(a) racefuzz_atomic_add_return(1, (a))
#define racefuzz_atomic_dec_return(a) racefuzz_atomic_add_return(-1, (a))
#define racefuzz_atomic_dec_and_test(a) (racefuzz_atomic_add_return(-1, (a)) == 0)
#define racefuzz_atomic_fetch_add(v, a) racefuzz_atomic_fetch_add_at((a), (v), __FILE__, __LINE__)
#define racefuzz_atomic_xchg(a, v) racefuzz_atomic_xchg_at((a), (v), __FILE__, __LINE__)
#define racefuzz_atomic_cmpxchg(a, old, desired) \
  racefuzz_atomic_cmpxchg_at((a), (old), (desired), __FILE__, __LINE__)

/* --- Exploring a C program ------------------------------------------------------------------ */

typedef enum racefuzz_strategy { RACEFUZZ_STRATEGY_PCT = 0, RACEFUZZ_STRATEGY_RANDOM } racefuzz_strategy;

typedef struct racefuzz_explore_options {
  racefuzz_strategy strategy;
  uint64_t executions; /* 0: 1000 */
  uint64_t seed;
  uint32_t pct_depth; /* 0: 2 */
} racefuzz_explore_options;

typedef struct racefuzz_explore_result {
  int failed;
  uint64_t executions_run;
  char* report; /* malloc'd: the first failure's report (race diagram, replay); free() it */
} racefuzz_explore_result;

/* Runs body(arg) as the first logical thread of many executions (harness/explore.h) and
 * stops at the first failure. Returns result->failed. */
int racefuzz_explore(const racefuzz_explore_options* options, void (*body)(void*), void* arg,
                     racefuzz_explore_result* result);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RACEFUZZ_HARNESS_C_API_H_ */
