// The environment variables that switch the fuzz targets' behaviour (RACEFUZZ_SEEN_DIR,
// RACEFUZZ_CRASH_DIR, RACEFUZZ_PRINT_TRACE_HASH, ...): one reading of "set" for all of them.
// Callers read each variable once, into a function-local static.
#ifndef RACEFUZZ_FUZZ_ENV_H_
#define RACEFUZZ_FUZZ_ENV_H_

#include <cstdlib>
#include <optional>
#include <string_view>

namespace racefuzz::fuzz {

// The value of environment variable `name`, or nullopt when it is unset or empty (an empty
// value counts as unset: `RACEFUZZ_CRASH_DIR= cmd` saves nothing). The view is valid while
// the environment is not changed.
inline std::optional<std::string_view> EnvValue(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || value[0] == '\0') return std::nullopt;
  return std::string_view(value);
}

// A switch: `if_unset` when the variable is unset or empty, otherwise on unless its value
// starts with '0' ("1" and "yes" are on; "0", "00" and "0x" are off).
inline bool EnvFlag(const char* name, bool if_unset = false) {
  const std::optional<std::string_view> value = EnvValue(name);
  return value.has_value() ? value->front() != '0' : if_unset;
}

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_ENV_H_
