// SourceLocation: where a yield point, primitive operation or annotation sits in the code
// under test. clang 14 has no std::source_location, but supports the builtins as default
// arguments, which is all we need.
#ifndef RACEFUZZ_HARNESS_SOURCE_LOCATION_H_
#define RACEFUZZ_HARNESS_SOURCE_LOCATION_H_

#include <cstdint>
#include <string_view>

namespace racefuzz {

struct SourceLocation {
  const char* file = "";
  int line = 0;

  static constexpr SourceLocation Current(const char* file = __builtin_FILE(),
                                          int line = __builtin_LINE()) {
    return SourceLocation{file, line};
  }

  // The file name without directories. Reports and trace hashes use only this, so a trace
  // does not depend on where the repository was cloned or built.
  std::string_view Basename() const {
    std::string_view path(file);
    const size_t slash = path.find_last_of('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
  }

  // A stable 32-bit identity of the site (basename and line), used for reads-from feedback.
  uint32_t SiteId() const;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_SOURCE_LOCATION_H_
