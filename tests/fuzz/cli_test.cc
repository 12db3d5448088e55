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
           Case{"minimize.sh x --seconds soon", "--seconds needs a number"},
       }) {
    Outcome out = Shell(scripts + c.command);
    EXPECT_EQ(out.status, 2) << c.command << "\n" << out.output;
    EXPECT_THAT(out.output, HasSubstr(c.message)) << c.command;
  }
}

}  // namespace
