// The racefuzz command line and the campaign scripts on bad input: every mistake a user
// can make gives a clear message and exit status 2 (1 means "a bug was found").
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;

struct Outcome {
  int status = -1;
  std::string output;
};

Outcome Shell(const std::string& command) {
  Outcome outcome;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return outcome;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) outcome.output.append(buffer, n);
  const int status = pclose(pipe);
  outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return outcome;
}

Outcome Racefuzz(const std::string& args) { return Shell(std::string(RACEFUZZ_BIN) + " " + args); }

std::string TempFile(const std::string& name, const std::string& contents) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

TEST(RacefuzzCliTest, MissingOrUnknownCommand) {
  Outcome none = Racefuzz("");
  EXPECT_EQ(none.status, 2);
  EXPECT_THAT(none.output, HasSubstr("missing command"));
  Outcome unknown = Racefuzz("frobnicate x");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_THAT(unknown.output, HasSubstr("unknown command `frobnicate`"));
}

TEST(RacefuzzCliTest, MissingFile) {
  Outcome out = Racefuzz("decode /nonexistent/input");
  EXPECT_EQ(out.status, 2);
  EXPECT_THAT(out.output, HasSubstr("/nonexistent/input"));
  EXPECT_EQ(Racefuzz("run /nonexistent/input --variant fixed").status, 2);
}

TEST(RacefuzzCliTest, EmptyFileIsAValidInput) {
  Outcome out = Racefuzz("decode " + TempFile("empty", ""));
  EXPECT_EQ(out.status, 0) << out.output;
  EXPECT_EQ(out.output, "threads 1\nschedule -\n");
}

TEST(RacefuzzCliTest, BadFlagsAndValues) {
  Outcome flag = Racefuzz("decode --no_such_flag " + TempFile("e1", ""));
  EXPECT_EQ(flag.status, 2);
  EXPECT_THAT(flag.output, HasSubstr("no_such_flag"));
  Outcome variant = Racefuzz("run " + TempFile("e2", "") + " --variant bogus");
  EXPECT_EQ(variant.status, 2);
  EXPECT_THAT(variant.output, HasSubstr("unknown variant `bogus`"));
  Outcome no_output = Racefuzz("encode " + TempFile("p.txt", "T1: open heap0\n"));
  EXPECT_EQ(no_output.status, 2);
  EXPECT_THAT(no_output.output, HasSubstr("needs -o"));
}

// The help goes to stdout, which here is a pipe, as in `racefuzz --help | less`: it must not
// be lost when the flag parser exits.
TEST(RacefuzzCliTest, HelpReachesAPipe) {
  Outcome help = Racefuzz("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_THAT(help.output, HasSubstr("racefuzz minimize FILE --variant V"));
  Outcome command_help = Racefuzz("run --help");
  EXPECT_EQ(command_help.status, 0);
  EXPECT_THAT(command_help.output, HasSubstr("--variant"));
}

TEST(RacefuzzCliTest, BadTextFormNamesTheLine) {
  const std::string text = TempFile("bad.txt", "threads 2\nT1: open heap9\n");
  Outcome out = Racefuzz("encode " + text + " -o " + ::testing::TempDir() + "/bad.bin");
  EXPECT_EQ(out.status, 2);
  EXPECT_THAT(out.output, HasSubstr("line 2: usage: <op> heapN"));
}

TEST(RacefuzzCliTest, RunExitStatusSaysWhetherABugWasFound) {
  const std::string clean = TempFile("clean.txt", "T0: add system heap0\nT1: f0 = open heap0\n");
  Outcome ok = Racefuzz("run " + clean + " --variant fixed");
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("SIGNATURE: fixed clean"));
  const std::string b8 =
      std::string(RACEFUZZ_SOURCE_DIR) + "/corpora/regressions/B8_unbalanced_put.bin";
  Outcome bug = Racefuzz("run " + b8 + " --variant kref_v1");
  EXPECT_EQ(bug.status, 1) << bug.output;
  EXPECT_THAT(bug.output, HasSubstr("SIGNATURE: kref_v1 racefuzz.refcount."));
  EXPECT_THAT(bug.output, HasSubstr("Race diagram"));
  EXPECT_THAT(bug.output, HasSubstr("Reproduce: scripts/reproduce.sh"));
#if defined(RACEFUZZ_TSAN)
  EXPECT_THAT(bug.output, HasSubstr("--variant kref_v1 --preset tsan"));
#else
  EXPECT_THAT(bug.output, HasSubstr("--variant kref_v1 --preset asan"));
#endif
}

TEST(RacefuzzCliTest, MinimizeRefusesASignatureTheInputDoesNotShow) {
  const std::string b8 =
      std::string(RACEFUZZ_SOURCE_DIR) + "/corpora/regressions/B8_unbalanced_put.bin";
  const std::string out = ::testing::TempDir() + "/min.bin";
  Outcome other = Racefuzz("minimize " + b8 + " --variant kref_v1 -o " + out +
                           " --signature asan.heap-use-after-free.nowhere");
  EXPECT_EQ(other.status, 2) << other.output;
  EXPECT_THAT(other.output, HasSubstr("not asan.heap-use-after-free.nowhere"));
  Outcome no_time =
      Racefuzz("minimize " + b8 + " --variant kref_v1 -o " + out + " --max_seconds 0");
  EXPECT_EQ(no_time.status, 2) << no_time.output;
  EXPECT_THAT(no_time.output, HasSubstr("--max_seconds must be more than 0"));
}

TEST(RacefuzzCliTest, SearchRejectsBoundsItCannotSearch) {
  const std::string b8 =
      std::string(RACEFUZZ_SOURCE_DIR) + "/corpora/regressions/B8_unbalanced_put.bin";
  for (const char* bad : {"--alphabet 0", "--alphabet 300"}) {
    Outcome out = Racefuzz("search " + b8 + " " + bad);
    EXPECT_EQ(out.status, 2) << bad << ": " << out.output;
    EXPECT_THAT(out.output, HasSubstr("--alphabet must be 1 to 256")) << bad;
  }
  Outcome negative = Racefuzz("search " + b8 + " --max_schedule_bytes -3");
  EXPECT_EQ(negative.status, 2) << negative.output;
  EXPECT_THAT(negative.output, HasSubstr("--max_schedule_bytes must be at least 0"));
  // 256^4 schedules would take years; the count would also overflow an int.
  Outcome too_many = Racefuzz("search " + b8 + " --alphabet 256 --max_schedule_bytes 4");
  EXPECT_EQ(too_many.status, 2) << too_many.output;
  EXPECT_THAT(too_many.output, HasSubstr("schedules to try"));
}

// README.md's example of the text form is named after B1: it must show a bug on the posted
// patch and none on the safe design, as the regression B1 does.
TEST(RacefuzzCliTest, ReadmeTextFormExampleShowsItsBug) {
  std::ifstream readme(std::string(RACEFUZZ_SOURCE_DIR) + "/README.md");
  std::string line, example;
  bool inside = false;
  while (std::getline(readme, line)) {
    if (line.rfind("# B1:", 0) == 0) inside = true;
    if (inside && line == "```") break;
    if (inside) example += line + "\n";
  }
  ASSERT_THAT(example, HasSubstr("schedule")) << "no B1 example found in README.md";
  const std::string file = TempFile("readme_b1.txt", example);
  Outcome posted = Racefuzz("run " + file + " --variant kref_v1");
  EXPECT_EQ(posted.status, 1) << posted.output;
  Outcome fixed = Racefuzz("run " + file + " --variant fixed");
  EXPECT_EQ(fixed.status, 0) << fixed.output;
}

// racefuzz verify's three outcomes, on programs of the corpus (RACEFUZZ_SOURCE_DIR).
TEST(RacefuzzCliTest, VerifyProvesFindsOrRunsOutOfTime) {
  const std::string corpus = std::string(RACEFUZZ_SOURCE_DIR) + "/corpora/";
  const Outcome proved =
      Racefuzz("verify " + corpus + "seeds/dup_close.txt --variant fixed --preemptions 2");
  EXPECT_EQ(proved.status, 0) << proved.output;
  EXPECT_THAT(proved.output, HasSubstr("no bug with at most 2 preemptions"));
  // B8 is a bug of kref_v1's program itself: no preemption needed.
  const Outcome bug = Racefuzz("verify " + corpus +
                               "regressions/B8_unbalanced_put.txt --variant kref_v1 --preemptions 1");
  EXPECT_EQ(bug.status, 1) << bug.output;
  EXPECT_THAT(bug.output, HasSubstr("Race diagram"));
  const Outcome time = Racefuzz("verify " + corpus +
                                "seeds/add_remove_race.txt --variant fixed --preemptions 4 "
                                "--max_seconds 0.3");
  EXPECT_EQ(time.status, 3) << time.output;
  EXPECT_THAT(time.output, HasSubstr("incomplete"));
  const Outcome bound = Racefuzz("verify " + corpus + "seeds/dup_close.txt --preemptions 11");
  EXPECT_EQ(bound.status, 2);
  EXPECT_THAT(bound.output, HasSubstr("--preemptions must be 0 to 10"));
}

TEST(ScriptsTest, BadArgumentsFailBeforeAnyWork) {
  const std::string scripts = std::string(RACEFUZZ_SOURCE_DIR) + "/scripts/";
  struct Case {
    std::string command;
    std::string message;
  };
  for (const Case& c : {
           Case{"fuzz.sh --time soon", "--time must be a positive number"},
           Case{"fuzz.sh --engine honggfuzz", "unknown --engine"},
           Case{"fuzz.sh --target nosuchvariant", "unknown target 'nosuchvariant'"},
           Case{"fuzz.sh --engine afl --sanitizer thread", "supports only --sanitizer address"},
           Case{"fuzz.sh --jobs", "--jobs needs a value"},
           Case{"fuzz.sh --bogus", "unknown argument '--bogus'"},
           Case{"reproduce.sh", "missing FILE"},
           Case{"reproduce.sh /nonexistent/crash", "no such file: /nonexistent/crash"},
           Case{"reproduce.sh a b", "one FILE only"},
           Case{"encode-seeds.sh /nonexistent/dir", "no such directory"},
           Case{"minimize.sh", "missing FILE"},
           Case{"minimize.sh /nonexistent/crash", "no such file: /nonexistent/crash"},
           Case{"minimize.sh x --seconds soon", "--seconds must be a positive number"},
           Case{"fuzz.sh --fuzzer /nonexistent/fuzzer", "is not an executable file"},
           Case{"fuzz.sh --seeds /nonexistent/dir", "is not a directory"},
           Case{"test.sh --check nosuchcheck", "unknown check 'nosuchcheck'"},
           Case{"verify.sh --preemptions x", "--preemptions must be a number"},
           Case{"verify.sh --variants nope", "unknown variant 'nope'"},
       }) {
    Outcome out = Shell(scripts + c.command);
    EXPECT_EQ(out.status, 2) << c.command << "\n" << out.output;
    EXPECT_THAT(out.output, HasSubstr(c.message)) << c.command;
  }
}

}  // namespace
