#include "heaps/module.h"

#include "harness/yield.h"

namespace racefuzz::heaps {

bool try_module_get(module* mod) {
  if (mod == nullptr) return true;
  // module_is_live() && atomic_inc_not_zero(&mod->refcnt)
  if (mod->state.Load() != MODULE_STATE_LIVE) return false;
  int count = mod->refcnt.Load();
  while (count != 0) {
    if (mod->refcnt.CompareExchange(count, count + 1)) return true;
  }
  return false;
}

void __module_get(module* mod) {
  if (mod != nullptr) mod->refcnt.FetchAdd(1);
}

void module_put(module* mod) {
  if (mod == nullptr) return;
  const int old = mod->refcnt.FetchSub(1);
  // kernel/module/main.c: WARN_ON(ret < 0) /* Failed to put refcount */
  if (old <= 0) {
    ReportBug(FailureKind::kRefcount, "module_put: module refcount underflow",
              std::string("module ") + mod->name);
  }
}

}  // namespace racefuzz::heaps
