#include "fuzz/signature.h"

#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace racefuzz::fuzz {
namespace {

TEST(SignatureTest, AsanNamesTheFirstModelFrame) {
  const char* report = R"(=================================================================
==123==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020 at pc 0x55 bp 0x7f
READ of size 8 at 0x602000000010 thread T0
    #0 0x55 in racefuzz::KRef::Get(racefuzz::SourceLocation) harness/refcount.h:50:5
    #1 0x56 in racefuzz::heaps::(anonymous namespace)::dma_heap_ioctl(racefuzz::heaps::File*, unsigned int) heaps/dma_heap.cc:120:9
    #2 0x57 in racefuzz::heaps::World::Alloc(int, unsigned long) heaps/world.cc:80:3

freed by thread T0 here:
    #0 0x58 in operator delete(void*)
SUMMARY: AddressSanitizer: heap-use-after-free harness/refcount.h:50:5 in racefuzz::KRef::Get
)";
  EXPECT_EQ(SignatureFromReport(report, true), "asan.heap-use-after-free.dma_heap_ioctl");
}

// Without ASan a kfree is a write of the whole object to TSan (heaps/slab.h), so a race
// with a free names kfree<T>, a template whose symbol starts with its return type; the
// signature names the model code that freed, as FreeSite does.
TEST(SignatureTest, TsanRaceWithAFreeNamesWhoFreedNotTheAllocator) {
  const char* report = R"(==================
WARNING: ThreadSanitizer: data race (pid=10319)
  Write of size 8 at 0x7b0c00000010 by main thread:
    #0 racefuzz::sanitizer::WriteRange(void*, unsigned long) harness/sanitizer_hooks.h:63:51 (kref_v1_fuzzer+0x1)
    #1 void racefuzz::heaps::kfree<racefuzz::heaps::dma_heap>(racefuzz::heaps::SlabRegistry&, racefuzz::heaps::dma_heap*, char const*) heaps/slab.h:97:3 (kref_v1_fuzzer+0x2)
    #2 racefuzz::heaps::(anonymous namespace)::dma_heap_release(racefuzz::KRef*) heaps/dma_heap.cc:45:3 (kref_v1_fuzzer+0x3)

  Previous read of size 8 at 0x7b0c00000010 by thread T1:
    #0 racefuzz::heaps::chrdev_open(racefuzz::heaps::Kernel&) heaps/vfs.cc:10:3 (kref_v1_fuzzer+0x4)
)";
  EXPECT_EQ(SignatureFromReport(report, true), "tsan.data-race.dma_heap_release");
}

TEST(SignatureTest, FreeSiteIsTheFirstModelFrameThatFreedSkippingTheAllocator) {
  const char* report = R"(==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020
READ of size 8 at 0x602000000010 thread T0
    #0 0x56 in racefuzz::heaps::dma_heap_buffer_alloc(racefuzz::heaps::Kernel&) heaps/dma_heap.cc:120:9

freed by thread T0 here:
    #0 0x58 in operator delete(void*)
    #1 0x59 in void racefuzz::heaps::kfree<racefuzz::heaps::tee_module>(racefuzz::heaps::SlabRegistry&) heaps/slab.h:90:3
    #2 0x5a in racefuzz::heaps::(anonymous namespace)::FreeModuleImage(racefuzz::heaps::Kernel&) heaps/module.cc:40:3
    #3 0x5b in racefuzz::heaps::World::UnloadModule(int) heaps/world.cc:170:3

previously allocated by thread T0 here:
    #0 0x5c in operator new(unsigned long)
)";
  EXPECT_EQ(FreeSite(report), "freemoduleimage");
  EXPECT_EQ(FreeSite("==racefuzz== BUG [refcount]: refcount_t: underflow\n"), "");
}

// The function a one-frame TSan report names (a frame outside heaps/ is the fallback).
std::string FunctionOfFrame(const std::string& frame) {
  const std::string signature = SignatureFromReport(
      "WARNING: ThreadSanitizer: data race (pid=5)\n  Write of size 8 at 0x7b by thread T1:\n"
      "    #0 " +
          frame + "\n",
      true);
  constexpr std::string_view kPrefix = "tsan.data-race.";
  EXPECT_TRUE(signature.starts_with(kPrefix)) << signature;
  return signature.substr(kPrefix.size());
}

TEST(SignatureTest, FunctionNamesOfTheShapesOfFrames) {
  // Qualified, in an anonymous namespace, a member of a class template, const.
  EXPECT_EQ(FunctionOfFrame("racefuzz::(anonymous namespace)::Helper<int, char>::Run() const "
                            "fuzz/a.cc:1 (x+0x1)"),
            "run");
  // A function template's return type, with spaces in template arguments on both.
  EXPECT_EQ(FunctionOfFrame("std::pair<int, int> racefuzz::make<std::pair<int, int> >(int) "
                            "fuzz/a.cc:3 (x+0x1)"),
            "make");
  // A lambda is named by the function it is in.
  EXPECT_EQ(FunctionOfFrame("racefuzz::Lane(int)::$_0::operator()() const fuzz/a.cc:5 (x+0x1)"),
            "lane");
  // No argument list (a C function), with and without the module.
  EXPECT_EQ(FunctionOfFrame("dma_heap_put fuzz/dma_heap.cc:200:3 (x+0x1)"), "dma_heap_put");
  EXPECT_EQ(FunctionOfFrame("dma_heap_put"), "dma_heap_put");
  // Operators: the operator's word.
  EXPECT_EQ(FunctionOfFrame("operator delete(void*) (x+0x1)"), "delete");
  EXPECT_EQ(FunctionOfFrame("operator new[](unsigned long) (x+0x1)"), "new");
  // No symbol at all.
  EXPECT_EQ(FunctionOfFrame("<null> <null> (libc.so.6+0x29d8f)"), "unknown");
}

TEST(SignatureTest, HarnessBugUsesKindAndTitle) {
  const char* report =
      "\n==racefuzz== BUG [refcount]: refcount_t: underflow; use-after-free\n"
      "  in logical thread T2 at dma_heap.cc:77\n";
  EXPECT_EQ(SignatureFromReport(report, true),
            "racefuzz.refcount.refcount_t-underflow-use-after-free");
}

TEST(SignatureTest, NumbersInTitlesDoNotSplitABug) {
  EXPECT_EQ(SignatureFromReport("==racefuzz== BUG [invariant]: fd 3 refers to heap 12\n", true),
            SignatureFromReport("==racefuzz== BUG [invariant]: fd 4 refers to heap 0\n", true));
  EXPECT_EQ(HarnessSignature("invariant", "fd 3 refers to heap 12"),
            "racefuzz.invariant.fd-n-refers-to-heap-n");
}

TEST(SignatureTest, SanitizerReportWinsOverTheHarnessEcho) {
  const char* report =
      "==9==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000010\n"
      "    #0 0x1 in dma_heap_put heaps/dma_heap.cc:200:3\n"
      "==racefuzz== BUG [sanitizer]: sanitizer report above\n";
  EXPECT_EQ(SignatureFromReport(report, true), "asan.segv.dma_heap_put");
}

TEST(SignatureTest, TsanAndUbsan) {
  EXPECT_EQ(SignatureFromReport("WARNING: ThreadSanitizer: data race (pid=5)\n"
                                "  Write of size 8 at 0x7b by thread T1:\n"
                                "    #0 racefuzz::heaps::dma_heap_release(racefuzz::KRef*) "
                                "heaps/dma_heap.cc:55 (x+0x1)\n",
                                true),
            "tsan.data-race.dma_heap_release");
  EXPECT_EQ(SignatureFromReport("heaps/dma_heap.cc:12:5: runtime error: member access within "
                                "null pointer of type 'Heap'\n",
                                true),
            "ubsan.member-access-within-null-pointer-of-type-heap.dma_heap-cc");
}

TEST(SignatureTest, CleanAndUnknown) {
  EXPECT_EQ(SignatureFromReport("Running: x\nExecuted x: clean\n", false), "clean");
  EXPECT_EQ(SignatureFromReport("==1== deadly signal\n", true), "crash.unknown");
  EXPECT_EQ(SignatureFromReport("==1== ERROR: libFuzzer: timeout after 25 seconds\n", true),
            "libfuzzer.timeout");
}

}  // namespace
}  // namespace racefuzz::fuzz
