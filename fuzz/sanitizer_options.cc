// Default sanitizer options of every executable that runs executions (fuzz targets, the
// standalone driver, the racefuzz command line). Users can still override them with
// TSAN_OPTIONS / ASAN_OPTIONS.
//
// TSan must stop at the first race (halt_on_error) and abort (abort_on_error), so that a
// fuzzing engine records the input that raced as a crash and the minimiser sees a dead
// child; by default TSan would report, continue, and exit 66 at the end.
extern "C" const char* __tsan_default_options() { return "halt_on_error=1:abort_on_error=1"; }
