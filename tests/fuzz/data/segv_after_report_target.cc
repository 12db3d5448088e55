// A libFuzzer target whose bug ends the process outright, for tests/fuzz/engine_death_test.sh.
//
// On an input starting with "SEGV" it reads a list node after freeing it: ASan reports a
// heap-use-after-free and, in a campaign (halt_on_error=0, built with
// -fsanitize-recover=address), goes on. The pointer it read is the node's `next`, null, and
// following it is a SEGV, which no sanitizer recovers from: the process dies, as a racefuzz
// campaign's does when a model bug's freed object is dereferenced after its recovered report.
// A replay with ASan's default options stops at the first report, the use-after-free.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

struct Node {
  Node* next;
  int value;
};

__attribute__((noinline)) int FollowFreedNode(Node* node) {
  Node* next = node->next;  // heap-use-after-free (reported, recovered in a campaign)
  return next->value;       // SEGV: `next` was null
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4 || std::memcmp(data, "SEGV", 4) != 0) return 0;
  Node* node = new Node{nullptr, 1};
  delete node;
  return FollowFreedNode(node);
}
