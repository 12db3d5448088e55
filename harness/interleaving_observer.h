// InterleavingObserver: receives the interleaving behaviour of an execution as reads-from
// pairs: which site last wrote a synchronisation object and which site then read it. A new
// pair is new scheduling behaviour (RFF, ASPLOS'24; XNU unit-test fibers). The fuzz layer
// turns pairs into coverage for the engines; the harness knows nothing of engines.
#ifndef RACEFUZZ_HARNESS_INTERLEAVING_OBSERVER_H_
#define RACEFUZZ_HARNESS_INTERLEAVING_OBSERVER_H_

#include <cstdint>

namespace racefuzz {

class InterleavingObserver {
 public:
  virtual ~InterleavingObserver() = default;
  // Called by Scheduler::Run before the execution's first step.
  virtual void OnExecutionStart() {}
  virtual void OnReadsFrom(uint32_t writer_site, uint32_t reader_site) = 0;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_INTERLEAVING_OBSERVER_H_
