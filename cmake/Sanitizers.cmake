# Sanitizer, fuzzing-instrumentation and coverage flags.
#
# The harness is special: its bookkeeping (scheduler, primitives' internal state) runs on
# every logical thread's fiber without happens-before between them, so TSan must not
# instrument it (it would report races on the scheduler's own state), and coverage
# instrumentation must not see it (framework edges would pollute the fuzzer's signal).
# racefuzz_sut_flags() is for code under test; racefuzz_framework_flags() for the harness.

set(RACEFUZZ_SAN_COMPILE "")
set(RACEFUZZ_SAN_LINK "")
if(RACEFUZZ_SANITIZER STREQUAL "address")
  set(RACEFUZZ_SAN_COMPILE -fsanitize=address,undefined -fno-sanitize-recover=all
      -fsanitize-address-use-after-scope -fno-omit-frame-pointer)
  set(RACEFUZZ_SAN_LINK -fsanitize=address,undefined)
elseif(RACEFUZZ_SANITIZER STREQUAL "thread")
  set(RACEFUZZ_SAN_COMPILE -fsanitize=thread -fno-omit-frame-pointer)
  set(RACEFUZZ_SAN_LINK -fsanitize=thread)
elseif(RACEFUZZ_SANITIZER STREQUAL "undefined")
  set(RACEFUZZ_SAN_COMPILE -fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  set(RACEFUZZ_SAN_LINK -fsanitize=undefined)
elseif(NOT RACEFUZZ_SANITIZER STREQUAL "none")
  message(FATAL_ERROR "RACEFUZZ_SANITIZER must be none, address, thread or undefined")
endif()
# libFuzzer campaigns that report each bug once (fuzz/skip_seen.h) let ASan recover from a
# report (ASAN_OPTIONS=halt_on_error=0, set by scripts/fuzz.sh) so that a known bug does not
# end the process. Without that option ASan still stops at the first report, as usual.
if(RACEFUZZ_SANITIZER STREQUAL "address" AND RACEFUZZ_FUZZ_ENGINE STREQUAL "libfuzzer")
  list(APPEND RACEFUZZ_SAN_COMPILE -fsanitize-recover=address)
endif()
# OSS-Fuzz / ClusterFuzzLite (fuzz/oss-fuzz/build.sh): $CXXFLAGS already carry the sanitizer
# flags OSS-Fuzz picked for $SANITIZER, and its bad_build_check counts sanitizer calls (an
# ASan build with our extra UBSan would fail it), so add none of ours. RACEFUZZ_SANITIZER
# still names the sanitizer: for the RACEFUZZ_* defines and for keeping TSan off the harness.
if(RACEFUZZ_FUZZ_ENGINE STREQUAL "oss-fuzz")
  set(RACEFUZZ_SAN_COMPILE "")
  set(RACEFUZZ_SAN_LINK "")
endif()

# Coverage feedback for the engines: only code under test is instrumented.
set(RACEFUZZ_FUZZ_COMPILE "")
if(RACEFUZZ_FUZZ_ENGINE STREQUAL "libfuzzer")
  # stack-depth measures against the OS thread's stack and is meaningless on fiber stacks.
  set(RACEFUZZ_FUZZ_COMPILE -fsanitize=fuzzer-no-link -fno-sanitize-coverage=stack-depth
      -fno-sanitize-coverage=trace-cmp)
elseif(RACEFUZZ_FUZZ_ENGINE STREQUAL "afl")
  # afl-clang-fast++ instruments every translation unit it compiles, except the files its
  # AFL_LLVM_DENYLIST names (the harness, the fuzz layer's framework code). The list is
  # passed through the compiler launcher so that every build of the preset honours it.
  set(RACEFUZZ_FUZZ_COMPILE "")
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_COMMAND} -E env
      AFL_LLVM_DENYLIST=${PROJECT_SOURCE_DIR}/fuzz/afl_denylist.txt AFL_QUIET=1)
elseif(RACEFUZZ_FUZZ_ENGINE STREQUAL "oss-fuzz")
  # OSS-Fuzz's $COVERAGE_FLAGS, which build.sh takes out of $CXXFLAGS so that they reach
  # code under test only (AFL++ builds: build.sh exports AFL_LLVM_DENYLIST instead).
  set(RACEFUZZ_OSS_FUZZ_COVERAGE_FLAGS "" CACHE STRING
      "oss-fuzz: the engine's coverage flags ($COVERAGE_FLAGS), for code under test only")
  separate_arguments(RACEFUZZ_FUZZ_COMPILE UNIX_COMMAND "${RACEFUZZ_OSS_FUZZ_COVERAGE_FLAGS}")
  if(RACEFUZZ_OSS_FUZZ_COVERAGE_FLAGS MATCHES "fuzzer-no-link")
    list(APPEND RACEFUZZ_FUZZ_COMPILE -fno-sanitize-coverage=stack-depth)
  endif()
endif()

set(RACEFUZZ_COV_COMPILE "")
set(RACEFUZZ_COV_LINK "")
if(RACEFUZZ_COVERAGE)
  # runtime-counter-relocation lets LLVM_PROFILE_FILE=...%c... keep the counters in the
  # mapped .profraw as they change (continuous mode), so an input whose bug report aborts
  # the process still counts (scripts/coverage.sh); profiles are otherwise written at exit.
  set(RACEFUZZ_COV_COMPILE -fprofile-instr-generate -fcoverage-mapping
      "SHELL:-mllvm -runtime-counter-relocation")
  set(RACEFUZZ_COV_LINK -fprofile-instr-generate)
endif()
# Every link of the program: the coverage and sanitizer runtimes. harness/CMakeLists.txt
# passes the same on to projects that link racefuzz_harness from outside.
set(RACEFUZZ_LINK ${RACEFUZZ_COV_LINK} ${RACEFUZZ_SAN_LINK})

# Source paths stay absolute, so sanitizer stack traces point at real files. Traces and
# report signatures never depend on them: racefuzz records only a file's basename.
add_compile_options(-Wall -Wextra -Wno-unused-parameter)
add_link_options(${RACEFUZZ_LINK})

# The flags live in global properties, not only in this directory's variables: a function
# sees its caller's variables, and a project that includes racefuzz with add_subdirectory()
# calls racefuzz_sut_flags() from its own directory, where these variables do not exist.
# (racefuzz_framework_flags() is for racefuzz's own targets and reads the variable.)
set_property(GLOBAL PROPERTY RACEFUZZ_SUT_COMPILE_OPTIONS
             ${RACEFUZZ_SAN_COMPILE} ${RACEFUZZ_FUZZ_COMPILE} ${RACEFUZZ_COV_COMPILE})

function(racefuzz_sut_flags target)
  get_property(opts GLOBAL PROPERTY RACEFUZZ_SUT_COMPILE_OPTIONS)
  target_compile_options(${target} PRIVATE ${opts})
endfunction()

function(racefuzz_framework_flags target)
  set(opts ${RACEFUZZ_SAN_COMPILE})
  if(RACEFUZZ_SANITIZER STREQUAL "thread")
    # Keep TSan's interceptors and fiber API, drop instrumentation of our own bookkeeping.
    list(APPEND opts -fno-sanitize=thread)
  endif()
  # afl: the framework is kept out of AFL++'s instrumentation by fuzz/afl_denylist.txt.
  target_compile_options(${target} PRIVATE ${opts})
endfunction()

# The whole program knows which sanitizer is on, including the harness whose own code is
# not TSan-instrumented (so __has_feature cannot tell it). harness/CMakeLists.txt also gives
# these defines and RACEFUZZ_LINK to everything that links racefuzz_harness, so that a
# project including racefuzz with add_subdirectory() sees the same FiberContext layout and
# sanitizer hooks as the harness, and links the sanitizer runtime.
set(RACEFUZZ_SAN_DEFINES "")
if(RACEFUZZ_SANITIZER STREQUAL "address")
  set(RACEFUZZ_SAN_DEFINES RACEFUZZ_ASAN=1 RACEFUZZ_UBSAN=1)
elseif(RACEFUZZ_SANITIZER STREQUAL "thread")
  set(RACEFUZZ_SAN_DEFINES RACEFUZZ_TSAN=1)
elseif(RACEFUZZ_SANITIZER STREQUAL "undefined")
  set(RACEFUZZ_SAN_DEFINES RACEFUZZ_UBSAN=1)
endif()
add_compile_definitions(${RACEFUZZ_SAN_DEFINES})
