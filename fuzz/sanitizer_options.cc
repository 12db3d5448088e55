// Default sanitizer options of every executable that runs executions (fuzz targets, the
// standalone driver, the racefuzz command line). Users can still override them with
// ASAN_OPTIONS / UBSAN_OPTIONS / TSAN_OPTIONS.
//
// Every sanitizer report must end in abort(): the harness installs its own sanitizer death
// callback (to print the race diagram), which replaces libFuzzer's, so a sanitizer that just
// exit()s would leave libFuzzer unaware of the crash and no artifact would be saved. With
// abort_on_error the SIGABRT reaches libFuzzer's (and AFL++'s) crash handling.
//
// TSan must stop at the first race (halt_on_error) and abort (abort_on_error), so that a
// fuzzing engine records the input that raced as a crash and the minimiser sees a dead
// child; by default TSan would report, continue, and exit 66 at the end.
extern "C" const char* __tsan_default_options() { return "halt_on_error=1:abort_on_error=1"; }
extern "C" const char* __asan_default_options() { return "abort_on_error=1"; }
extern "C" const char* __ubsan_default_options() { return "abort_on_error=1:print_stacktrace=1"; }
