// A fixed concurrent program for the cross-build determinism check. Kept in its own file:
// its source lines appear in the golden traces.
#ifndef RACEFUZZ_TESTS_HARNESS_DETERMINISM_WORKLOAD_H_
#define RACEFUZZ_TESTS_HARNESS_DETERMINISM_WORKLOAD_H_

namespace racefuzz::testing {

// Three logical threads using a mutex, an rwlock, atomics, a refcount and a completion.
void DeterminismWorkload();
// Two threads that deadlock on some schedules (AB/BA).
void DeadlockWorkload();

}  // namespace racefuzz::testing

#endif  // RACEFUZZ_TESTS_HARNESS_DETERMINISM_WORKLOAD_H_
