// dma-buf export and release (drivers/dma-buf/dma-buf.c), as far as lifetimes go: the
// dma-buf's reference count is its file's f_count; ops->release runs exactly once, after the
// last reference; export pins the exporter's module (exp_info->owner) until release.
#ifndef RACEFUZZ_HEAPS_DMA_BUF_H_
#define RACEFUZZ_HEAPS_DMA_BUF_H_

#include <cstdint>

namespace racefuzz::heaps {

struct Kernel;
struct dma_buf;
struct file;
struct file_operations;
struct module;

struct dma_buf_ops {
  void (*release)(Kernel& k, dma_buf* dmabuf) = nullptr;
};

struct dma_buf_export_info {
  const char* exp_name = nullptr;  // KBUILD_MODNAME
  module* owner = nullptr;         // THIS_MODULE
  const dma_buf_ops* ops = nullptr;
  uint64_t size = 0;
  uint32_t flags = 0;
  void* priv = nullptr;
};

struct dma_buf {
  static constexpr const char* kSlabName = "dma_buf";
  uint64_t size = 0;
  struct file* file = nullptr;
  const dma_buf_ops* ops = nullptr;
  void* priv = nullptr;
  module* owner = nullptr;
  const char* exp_name = nullptr;
};

// Returns the dma-buf or ERR_PTR(-errno).
dma_buf* dma_buf_export(Kernel& k, const dma_buf_export_info* exp_info);
// get_unused_fd_flags() + fd_install(); -EMFILE when the table is full.
int dma_buf_fd(Kernel& k, dma_buf* dmabuf, uint32_t flags);
void dma_buf_put(Kernel& k, dma_buf* dmabuf);
// The dma-buf file operations (release = dma_buf_file_release -> dma_buf_release).
const file_operations* dma_buf_fops();

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_DMA_BUF_H_
