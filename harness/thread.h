// Logical threads for code under test: spawn and join inside an execution.
#ifndef RACEFUZZ_HARNESS_THREAD_H_
#define RACEFUZZ_HARNESS_THREAD_H_

#include <functional>
#include <string>

#include "harness/scheduler.h"

namespace racefuzz {

// Starts a logical thread in the running execution. It first runs when the strategy picks it.
inline ThreadId SpawnThread(std::function<void()> body, std::string name = "") {
  return Scheduler::Active()->Spawn(std::move(body), std::move(name));
}

// Waits for a logical thread to finish; establishes happens-before from its whole run.
inline void JoinThread(ThreadId thread, SourceLocation location = SourceLocation::Current()) {
  Scheduler::Active()->Join(thread, location);
}

// Waits until every other logical thread has finished or is blocked (see
// Scheduler::WaitForQuiescence): for modelling process exit while threads still wait.
// Returns true if some other thread is still blocked.
inline bool WaitForQuiescence(SourceLocation location = SourceLocation::Current()) {
  return Scheduler::Active()->WaitForQuiescence(location);
}

// Registers the running execution's exit path (see Scheduler::SetExitPath).
inline void SetExitPath(std::function<void()> exit_path, std::string name) {
  Scheduler::Active()->SetExitPath(std::move(exit_path), std::move(name));
}

// For an oracle over the final state (see Scheduler::SynchronizeWithFinishedThreads): what
// every finished logical thread did happens before the caller's next step.
inline void SynchronizeWithFinishedThreads() {
  Scheduler::Active()->SynchronizeWithFinishedThreads();
}

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_THREAD_H_
