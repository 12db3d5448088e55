// SourceLocation: where a yield point, primitive operation or annotation sits in the code
// under test. clang 14 has no std::source_location, but supports the builtins as default
// arguments, which is all we need.
#ifndef RACEFUZZ_HARNESS_SOURCE_LOCATION_H_
#define RACEFUZZ_HARNESS_SOURCE_LOCATION_H_

#include <string.h>  // memrchr (GNU)

#include <cstdint>
#include <cstring>
#include <string_view>

namespace racefuzz {

struct SourceLocation {
  // A string with static storage that never changes (__builtin_FILE gives a literal): a
  // trace keeps the pointer, and digests of the name are memoised by it.
  const char* file = "";
  int line = 0;

  static constexpr SourceLocation Current(const char* file = __builtin_FILE(),
                                          int line = __builtin_LINE()) {
    return SourceLocation{file, line};
  }

  // The file name without directories. Reports and trace hashes use only this, so a trace
  // does not depend on where the repository was cloned or built.
  // (memrchr, not string_view::find_last_of: the byte loop of the latter was a quarter of
  // the cost of Trace::Hash.)
  std::string_view Basename() const {
    const size_t length = std::strlen(file);
    const void* slash = memrchr(file, '/', length);
    if (slash == nullptr) return std::string_view(file, length);
    const char* base = static_cast<const char*>(slash) + 1;
    return std::string_view(base, static_cast<size_t>(file + length - base));
  }

  // A stable 32-bit identity of the site (basename and line), used for reads-from feedback.
  uint32_t SiteId() const;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_SOURCE_LOCATION_H_
