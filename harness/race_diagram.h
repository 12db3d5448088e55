// RaceDiagram: draws an execution's trace the way kernel developers draw races in commit
// messages: one column per logical thread, time going down, each operation with its source
// location, and the failing step marked.
#ifndef RACEFUZZ_HARNESS_RACE_DIAGRAM_H_
#define RACEFUZZ_HARNESS_RACE_DIAGRAM_H_

#include <span>
#include <string>

#include "harness/failure.h"
#include "harness/trace.h"

namespace racefuzz {

// Long runs of yield points inside one thread are shortened to their first and last steps;
// annotations, blocking and wake-ups are always shown.
std::string RenderRaceDiagram(const Trace& trace, std::span<const std::string> thread_names,
                              const Failure& failure);

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_RACE_DIAGRAM_H_
