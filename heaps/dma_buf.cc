#include "heaps/dma_buf.h"

#include "harness/yield.h"
#include "heaps/kernel_state.h"
#include "heaps/module.h"

namespace racefuzz::heaps {
namespace {

// dma_buf_release() (the dentry's d_release, after the last fput): ops->release exactly
// once, then the exporter's module reference, then the dma_buf itself.
void dma_buf_release(Kernel& k, dma_buf* dmabuf) {
  Yield("dma_buf_release");
  dmabuf->ops->release(k, dmabuf);
  module_put(dmabuf->owner);
  kfree(k.slab, dmabuf, "kfree(dmabuf)");
}

int dma_buf_file_release(Kernel& k, inode* node, file* filp) {
  dma_buf_release(k, static_cast<dma_buf*>(filp->private_data));
  return 0;
}

// dma_buf_ioctl(): DMA_BUF_IOCTL_* use magic 'b'; anything else is -ENOTTY.
long dma_buf_ioctl(Kernel& k, file* filp, uint32_t cmd, UserPtr arg) { return -ENOTTY; }

constexpr file_operations kDmaBufFops = {
    .open = nullptr, .release = dma_buf_file_release, .unlocked_ioctl = dma_buf_ioctl};

}  // namespace

const file_operations* dma_buf_fops() { return &kDmaBufFops; }

dma_buf* dma_buf_export(Kernel& k, const dma_buf_export_info* exp_info) {
  if (exp_info->priv == nullptr || exp_info->ops == nullptr || exp_info->ops->release == nullptr) {
    return ERR_PTR<dma_buf>(-EINVAL);
  }
  if (!try_module_get(exp_info->owner)) return ERR_PTR<dma_buf>(-ENOENT);
  // dma_buf_getfile(): f_flags = flags & O_ACCMODE
  file* f = alloc_file(k, dma_buf_fops(), exp_info->flags & O_ACCMODE, nullptr);
  dma_buf* dmabuf = kzalloc<dma_buf>(k.slab, "kzalloc(dmabuf)");
  dmabuf->priv = exp_info->priv;
  dmabuf->ops = exp_info->ops;
  dmabuf->size = exp_info->size;
  dmabuf->exp_name = exp_info->exp_name;
  dmabuf->owner = exp_info->owner;
  f->private_data = dmabuf;
  dmabuf->file = f;
  return dmabuf;
}

int dma_buf_fd(Kernel& k, dma_buf* dmabuf, uint32_t flags) {
  const int fd = get_unused_fd_flags(k, flags);
  if (fd < 0) return fd;
  fd_install(k, fd, dmabuf->file);
  return fd;
}

void dma_buf_put(Kernel& k, dma_buf* dmabuf) { fput(k, dmabuf->file); }

}  // namespace racefuzz::heaps
