// SanitizerCapture: what the sanitizer prints during one input, kept off stderr.
//
// In a campaign that reports each bug once (fuzz/skip_seen.h), ASan runs in recover mode
// (halt_on_error=0) and a known bug may show up in thousands of inputs; printing each report
// would flood the log. While a capture is open, sanitizer reports go to an in-memory file
// (__sanitizer_set_report_fd) instead of stderr; Close() returns the text and puts stderr
// back. If a report the sanitizer cannot recover from (a SEGV, or any report with
// halt_on_error=1) ends the process while a capture is open, the captured text is copied to
// stderr first (the scheduler's sanitizer death prelude), so the log shows it as it would
// have without the capture, followed by the race diagram.
//
// Without ASan this does nothing and Close() returns "".
#ifndef RACEFUZZ_FUZZ_SANITIZER_CAPTURE_H_
#define RACEFUZZ_FUZZ_SANITIZER_CAPTURE_H_

#include <string>

namespace racefuzz::fuzz {

class SanitizerCapture {
 public:
  SanitizerCapture();
  ~SanitizerCapture() { Close(); }
  SanitizerCapture(const SanitizerCapture&) = delete;
  SanitizerCapture& operator=(const SanitizerCapture&) = delete;

  // What was printed since the capture opened, which stays open.
  std::string Peek() const;
  // Stops capturing (reports go to stderr again) and returns what was printed since the
  // capture opened. Later calls return "".
  std::string Close();

 private:
  bool open_ = false;
};

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_SANITIZER_CAPTURE_H_
