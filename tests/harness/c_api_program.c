/* Small C programs on the racefuzz C API (harness/c_api.h), compiled as C (clang -x c) with
 * the sanitizer flags of code under test, for tests/harness/c_api_test.cc. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "harness/c_api.h"

/* --- A lifetime bug and its fix ----------------------------------------------------------
 * An object with a kref, read by a second thread. The bug is the one the dma-heap review
 * names for dma_heap_open(): a thread uses an object without holding a reference of its
 * own, so the owner's last put can free it first. */

struct object {
  racefuzz_kref ref;
  int value;
};

static struct object* object_of(racefuzz_kref* ref) {
  return (struct object*)((char*)ref - offsetof(struct object, ref));
}

static void object_release(racefuzz_kref* ref) { free(object_of(ref)); }

static struct object* object_new(void) {
  struct object* o = malloc(sizeof *o);
  memset(o, 0, sizeof *o);
  racefuzz_kref_init(&o->ref);
  o->value = 42;
  return o;
}

static void reader_without_reference(void* arg) {
  struct object* o = arg;
  racefuzz_yield(RACEFUZZ_YIELD_USER, "object");
  int value = o->value; /* a heap-use-after-free when the owner's put came first */
  RACEFUZZ_C_CHECK(value == 42, "the object keeps its value");
}

void c_program_lifetime_bug(void* unused) {
  (void)unused;
  struct object* o = object_new();
  racefuzz_thread_t reader = racefuzz_spawn(reader_without_reference, o, "reader");
  racefuzz_kref_put(&o->ref, object_release);
  racefuzz_join(reader);
}

static void reader_with_reference(void* arg) {
  struct object* o = arg;
  racefuzz_yield(RACEFUZZ_YIELD_USER, "object");
  int value = o->value;
  RACEFUZZ_C_CHECK(value == 42, "the object keeps its value");
  racefuzz_kref_put(&o->ref, object_release);
}

void c_program_lifetime_fixed(void* unused) {
  (void)unused;
  struct object* o = object_new();
  racefuzz_kref_get(&o->ref); /* the reader's reference, taken before it starts */
  racefuzz_thread_t reader = racefuzz_spawn(reader_with_reference, o, "reader");
  racefuzz_kref_put(&o->ref, object_release);
  racefuzz_join(reader);
}

/* --- Locks and atomics ----------------------------------------------------------------- */

/* A statically initialised lock, as DEFINE_MUTEX gives: zeroed, named, set up at first use. */
static racefuzz_mutex counter_lock = RACEFUZZ_MUTEX_INIT("counter_lock");
static int counter;

static void add_under_lock(void* unused) {
  (void)unused;
  for (int i = 0; i < 3; i++) {
    racefuzz_mutex_lock(&counter_lock);
    int seen = counter;
    racefuzz_yield(RACEFUZZ_YIELD_USER, "counter");
    counter = seen + 1;
    racefuzz_mutex_unlock(&counter_lock);
  }
}

/* Three threads add 3 each under one lock: the count is always 9. */
void c_program_locked_counter(void* unused) {
  (void)unused;
  counter = 0;
  racefuzz_thread_t threads[3];
  for (int i = 0; i < 3; i++) threads[i] = racefuzz_spawn(add_under_lock, NULL, NULL);
  for (int i = 0; i < 3; i++) racefuzz_join(threads[i]);
  racefuzz_mutex_lock(&counter_lock);
  RACEFUZZ_C_CHECK(counter == 9, "every increment counted");
  racefuzz_mutex_unlock(&counter_lock);
}

static racefuzz_atomic hits = RACEFUZZ_ATOMIC_INIT(0);

static void increment_by_read_and_set(void* unused) {
  (void)unused;
  long seen = racefuzz_atomic_read(&hits);
  racefuzz_atomic_set(&hits, seen + 1); /* not atomic as a whole: a lost update */
}

static void increment_atomically(void* unused) {
  (void)unused;
  racefuzz_atomic_inc_return(&hits);
}

static void run_two(void (*fn)(void*), long expected) {
  racefuzz_atomic_set(&hits, 0);
  racefuzz_thread_t a = racefuzz_spawn(fn, NULL, "A");
  racefuzz_thread_t b = racefuzz_spawn(fn, NULL, "B");
  racefuzz_join(a);
  racefuzz_join(b);
  RACEFUZZ_C_CHECK(racefuzz_atomic_read(&hits) == expected, "both increments counted");
}

void c_program_lost_update(void* unused) {
  (void)unused;
  run_two(increment_by_read_and_set, 2);
}

void c_program_atomic_increments(void* unused) {
  (void)unused;
  run_two(increment_atomically, 2);
  long old = racefuzz_atomic_cmpxchg(&hits, 2, 7);
  RACEFUZZ_C_CHECK(old == 2 && racefuzz_atomic_read(&hits) == 7, "cmpxchg swapped 2 for 7");
}

/* --- Misuse the harness reports ------------------------------------------------------------ */

void c_program_recursive_lock(void* unused) {
  (void)unused;
  racefuzz_mutex lock;
  racefuzz_mutex_init(&lock, "recursive_lock");
  racefuzz_mutex_lock(&lock);
  racefuzz_mutex_lock(&lock);
}

static int releases;
static void count_release(racefuzz_kref* ref) {
  (void)ref;
  releases++;
}

/* One put too many (B8 of the dma-heap review): the second put finds the count at 0. The
 * object is static, so the bug is the harness's to find, not a sanitizer's. */
void c_program_unbalanced_put(void* unused) {
  (void)unused;
  static struct object o;
  releases = 0;
  racefuzz_kref_init(&o.ref);
  racefuzz_kref_put(&o.ref, count_release);
  RACEFUZZ_C_CHECK(releases == 1, "the last put released the object");
  racefuzz_kref_put(&o.ref, count_release);
}

/* --- Waiting ----------------------------------------------------------------------------- */

static racefuzz_completion done;
static racefuzz_wait_queue queue;
static racefuzz_atomic ready = RACEFUZZ_ATOMIC_INIT(0);

static int is_ready(void* arg) {
  (void)arg;
  return racefuzz_atomic_read_acquire(&ready) != 0;
}

static void signaller(void* unused) {
  (void)unused;
  racefuzz_atomic_set_release(&ready, 1);
  racefuzz_wake_up_all(&queue);
  racefuzz_complete(&done);
}

/* The waiter returns only after the signaller ran: a wait queue with a condition, and a
 * completion. */
void c_program_waits(void* unused) {
  (void)unused;
  racefuzz_completion_init(&done, "done");
  racefuzz_wait_queue_init(&queue, "queue");
  racefuzz_atomic_set(&ready, 0);
  racefuzz_thread_t t = racefuzz_spawn(signaller, NULL, "signaller");
  racefuzz_wait_event(&queue, is_ready, NULL);
  racefuzz_wait_for_completion(&done);
  racefuzz_join(t);
}

/* A completion nobody completes: a deadlock. */
void c_program_wait_forever(void* unused) {
  (void)unused;
  racefuzz_completion_init(&done, "never_done");
  racefuzz_wait_for_completion(&done);
}
