// Bookkeeping shared by the instrumented primitives: reads-from tracking and the yield
// before every access. Out of line (in an uninstrumented translation unit) so TSan never
// sees the harness's own bookkeeping, only the happens-before the primitives declare.
#ifndef RACEFUZZ_HARNESS_SYNC_ACCESS_H_
#define RACEFUZZ_HARNESS_SYNC_ACCESS_H_

#include <cstdint>

#include "harness/source_location.h"

namespace racefuzz {

class Scheduler;

// Per-object record of which site wrote it last.
struct SyncSite {
  uint32_t last_writer = 0;  // SourceLocation::SiteId of the last write, 0 = none
};

enum class Access : uint8_t { kRead, kWrite, kReadWrite };

// Inside an execution: yields (label, object), then reports the reads-from pair for a read
// and records the writer for a write. Returns the active scheduler, or nullptr outside an
// execution (the caller then uses real synchronisation).
Scheduler* SyncAccess(SyncSite& site, Access access, const char* label, const char* object,
                      SourceLocation location);

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_SYNC_ACCESS_H_
