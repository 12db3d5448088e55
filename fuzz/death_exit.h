// DeathExit: how a TSan campaign survives its races.
//
// TSan cannot recover from a report: it aborts, and the SIGABRT lands in libFuzzer's crash
// handler, which prints and hashes the input through intercepted calls while TSan, still in
// its report on a fiber, holds its trace; the handler then waits forever (gdb:
// TraceSwitchPartImpl under fflush, or ReportRace under DumpCurrentUnit), before it saves
// anything. A campaign on kref_v1 met its first races within seconds and then hung in every
// fork-mode job until scripts/fuzz.sh killed it, so it fuzzed for about 10 s of 60.
//
// In a campaign (RACEFUZZ_CRASH_DIR, set by scripts/fuzz.sh) a TSan build therefore ends
// the process itself, after the race diagram (Scheduler::SetSanitizerDeathEpilogue): it
// saves the input as <crash dir>/crash-<FNV-1a hash>, as CrashDirectory::Save names it, and
// exits with libFuzzer's crash status, 77, after the "stat::number_of_executed_units" line
// libFuzzer's fork mode counts a job's executions by. Only plain system calls, no interceptor, no
// allocation: the process is inside TSan's report. libFuzzer's fork mode counts the job as
// a crash and starts the next one; scripts/run-libfuzzer.sh restarts a single process.
// Everywhere else (no crash directory, other sanitizers) nothing changes.
#ifndef RACEFUZZ_FUZZ_DEATH_EXIT_H_
#define RACEFUZZ_FUZZ_DEATH_EXIT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace racefuzz::fuzz {

inline constexpr int kSanitizerDeathExitCode = 77;  // libFuzzer's -error_exitcode default

// Installs the exit for this process (once; later calls do nothing). Returns false, and
// installs nothing, when `crash_dir` does not fit the fixed buffer the exit writes into.
bool InstallSanitizerDeathExit(std::string_view crash_dir);

// The input now running, which the exit saves. The bytes must stay alive while it runs.
void NoteRunningInput(const uint8_t* data, size_t size);

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_DEATH_EXIT_H_
