// drivers/dma-buf/dma-heap.c: the DMA_HEAP_IOCTL_ALLOC path, from the generic ioctl
// argument handling (command number, size and direction) down to ops->allocate and
// dma_buf_fd().
#include <algorithm>
#include <cstring>

#include "harness/yield.h"
#include "heaps/dma_buf.h"
#include "heaps/dma_heap.h"
#include "heaps/kernel_state.h"

namespace racefuzz::heaps {
namespace {

constexpr size_t kStackKdataSize = 128;
constexpr uint32_t kNumIoctlCmds = 1;  // ARRAY_SIZE(dma_heap_ioctl_cmds)

// kmalloc(ksize) for an argument larger than the on-stack buffer (ksize < 16 KiB).
struct ioctl_kdata {
  static constexpr const char* kSlabName = "kmalloc(ioctl kdata)";
  uint8_t bytes[1 << 14];
};

// dma_heap_bufferfd_alloc() of [PATCH 2/8] (mainline's static dma_heap_buffer_alloc()).
int dma_heap_bufferfd_alloc(Kernel& k, dma_heap* heap, uint64_t len, uint32_t fd_flags,
                            uint64_t heap_flags) {
  dma_buf* dmabuf = dma_heap_buffer_alloc(k, heap, len, fd_flags, heap_flags);
  if (IS_ERR(dmabuf)) return PTR_ERR(dmabuf);
  const int fd = dma_buf_fd(k, dmabuf, fd_flags);
  if (fd < 0) dma_buf_put(k, dmabuf);  // the last reference: the buffer is released
  return fd;
}

long dma_heap_ioctl_allocate(Kernel& k, file* filp, void* data) {
  dma_heap_allocation_data heap_allocation;
  std::memcpy(&heap_allocation, data, sizeof(heap_allocation));
  dma_heap* heap = static_cast<dma_heap*>(filp->private_data);  // no reference (B1, B7)
  if (heap_allocation.fd != 0) return -EINVAL;
  const int fd = dma_heap_bufferfd_alloc(k, heap, heap_allocation.len, heap_allocation.fd_flags,
                                         heap_allocation.heap_flags);
  if (fd < 0) return fd;
  heap_allocation.fd = static_cast<uint32_t>(fd);
  std::memcpy(data, &heap_allocation, sizeof(heap_allocation));
  return 0;
}

}  // namespace

dma_buf* dma_heap_buffer_alloc(Kernel& k, dma_heap* heap, uint64_t len, uint32_t fd_flags,
                               uint64_t heap_flags) {
  if (fd_flags & ~DMA_HEAP_VALID_FD_FLAGS) return ERR_PTR<dma_buf>(-EINVAL);
  if (heap_flags & ~DMA_HEAP_VALID_HEAP_FLAGS) return ERR_PTR<dma_buf>(-EINVAL);
  // Allocations from a heap *MUST* be page aligned; a length within a page of SIZE_MAX
  // wraps to 0.
  len = PAGE_ALIGN(len);
  if (len == 0) return ERR_PTR<dma_buf>(-EINVAL);
  Yield("heap->ops->allocate");
  return heap->ops->allocate(k, heap, len, fd_flags, heap_flags);
}

long dma_heap_ioctl(Kernel& k, file* filp, uint32_t ucmd, UserPtr arg) {
  uint8_t stack_kdata[kStackKdataSize];
  uint8_t* kdata = stack_kdata;
  ioctl_kdata* heap_kdata = nullptr;
  long ret = 0;

  uint32_t nr = _IOC_NR(ucmd);
  // Only the command number is checked: any cmd with nr 0 is DMA_HEAP_IOCTL_ALLOC.
  if (nr >= kNumIoctlCmds) return -EINVAL;
  nr = 0;  // array_index_nospec(nr, ARRAY_SIZE(dma_heap_ioctl_cmds))
  const uint32_t kcmd = DMA_HEAP_IOCTL_ALLOC;  // dma_heap_ioctl_cmds[nr]

  // Figure out the delta between user cmd size and kernel cmd size.
  const uint32_t drv_size = _IOC_SIZE(kcmd);
  uint32_t out_size = _IOC_SIZE(ucmd);
  uint32_t in_size = out_size;
  if ((ucmd & kcmd & IOC_IN) == 0) in_size = 0;
  if ((ucmd & kcmd & IOC_OUT) == 0) out_size = 0;
  const uint32_t ksize = std::max({in_size, out_size, drv_size});

  // If necessary, allocate buffer for ioctl argument.
  if (ksize > sizeof(stack_kdata)) {
    heap_kdata = kzalloc<ioctl_kdata>(k.slab, "kmalloc(kdata)");
    kdata = heap_kdata->bytes;
  }
  if (copy_from_user(kdata, arg, in_size) != 0) {
    ret = -EFAULT;
    goto err;
  }
  // Zero out any difference between the kernel/user structure size.
  if (ksize > in_size) std::memset(kdata + in_size, 0, ksize - in_size);

  switch (kcmd) {
    case DMA_HEAP_IOCTL_ALLOC:
      ret = dma_heap_ioctl_allocate(k, filp, kdata);
      break;
    default:
      ret = -ENOTTY;
      goto err;
  }
  // Runs even when ret < 0; after a successful ALLOC the new fd is already installed.
  if (copy_to_user(arg, kdata, out_size) != 0) ret = -EFAULT;

err:
  if (heap_kdata != nullptr) kfree(k.slab, heap_kdata, "kfree(kdata)");
  return ret;
}

}  // namespace racefuzz::heaps
