// Loadable modules of the heap producers (kernel/module/main.c): the module reference count
// that try_module_get()/module_put() move, and unloading. A module's image (struct module,
// its ops tables and its name strings) is one heap allocation freed at unload, so any later
// use of a pointer into it is an ASan heap-use-after-free: exactly how a kernel that calls
// through a dangling ops pointer of an unloaded module fails (bug B13).
#ifndef RACEFUZZ_HEAPS_MODULE_H_
#define RACEFUZZ_HEAPS_MODULE_H_

#include "harness/atomic.h"

namespace racefuzz::heaps {

struct Kernel;

enum ModuleState : int { MODULE_STATE_LIVE = 0, MODULE_STATE_GOING = 1 };

struct module {
  const char* name = "";
  // MODULE_REF_BASE (1) while loaded, plus one per try_module_get()/__module_get().
  Atomic<int> refcnt{1};
  Atomic<int> state{MODULE_STATE_LIVE};
  // module_exit(); nullptr for a module without one, which can never be unloaded.
  void (*exit)(Kernel& k, module* mod) = nullptr;
};

// try_module_get(): false once the module is going away. A NULL owner (built-in code) always
// succeeds.
bool try_module_get(module* mod);
// __module_get(): the caller already holds a reference (or runs inside the module).
void __module_get(module* mod);
void module_put(module* mod);

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_MODULE_H_
