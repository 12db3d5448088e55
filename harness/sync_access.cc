#include "harness/sync_access.h"

#include "harness/sanitizer_hooks.h"
#include "harness/scheduler.h"

namespace racefuzz {

Scheduler* SyncAccess(SyncSite& site, Access access, const char* label, const char* object,
                      SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  Scheduler* s = Scheduler::Active();
  if (s == nullptr) return nullptr;
  s->YieldPoint(label, location, object);
  const uint32_t here = location.SiteId();
  if (access != Access::kWrite) s->ReadsFrom(site.last_writer, here);
  if (access != Access::kRead) site.last_writer = here;
  return s;
}

}  // namespace racefuzz
