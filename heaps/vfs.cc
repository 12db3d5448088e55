#include "heaps/vfs.h"

#include <algorithm>
#include <cstring>

#include "harness/yield.h"
#include "heaps/kernel_state.h"

namespace racefuzz::heaps {
namespace {

// ktype_cdev_default / ktype_cdev_dynamic release: cdev_purge() drops every inode's cached
// i_cdev; a dynamic cdev is then freed. An embedded cdev's memory belongs to its owner.
void cdev_purge(Kernel& k, cdev* p) {
  MutexLock lock(k.vfs.cdev_lock);
  while (!list_empty(&p->list)) {
    inode* node = ContainerOf(p->list.next, &inode::i_devices);
    list_del_init(&node->i_devices);
    node->i_cdev = nullptr;
  }
}

void kobject_put_cdev(Kernel& k, cdev* p) {
  if (!p->kobj.kref.DecAndTest()) return;
  Yield("cdev_release");
  cdev_purge(k, p);
  if (p->dynamic) kfree(k.slab, p, "kfree(cdev)");
}

// kobj_lookup(cdev_map, dev): the newest cdev mapped on dev, with a reference (exact_lock).
cdev* kobj_lookup(Kernel& k, dev_t dev) {
  const uint32_t minor = MINOR(dev);
  if (minor >= kNumHeapMinors) return nullptr;
  MutexLock lock(k.vfs.chrdevs_lock);
  CdevProbes& probes = k.vfs.cdev_map[minor];
  if (probes.empty()) return nullptr;
  cdev* p = probes.back();
  return cdev_get(k, p) ? p : nullptr;
}

// iput(): the last reference of an unlinked node evicts it; cd_forget() unhooks it from
// the cdev it cached.
void iput(Kernel& k, inode* node) {
  if (!node->i_count.DecAndTest()) return;
  Yield("evict");
  {
    MutexLock lock(k.vfs.cdev_lock);  // cd_forget()
    list_del_init(&node->i_devices);
    node->i_cdev = nullptr;
  }
  kfree(k.slab, node, "kfree(inode)");
}

// __fput(): f_op->release first, then cdev_put() of the char device, then the inode.
void __fput(Kernel& k, file* f) {
  Yield("__fput");
  inode* node = f->f_inode;
  if (f->opened) {
    if (f->f_op != nullptr && f->f_op->release != nullptr) f->f_op->release(k, node, f);
    if (node != nullptr && node->i_cdev != nullptr) cdev_put(k, node->i_cdev);
  }
  if (node != nullptr) iput(k, node);
  kfree(k.slab, f, "kfree(file)");
}

// __fget() for a syscall: the file with a reference, or nullptr.
file* fget(Kernel& k, int fd) {
  if (fd < 0 || fd >= kNrOpen) return nullptr;
  MutexLock lock(k.vfs.file_lock);
  file* f = k.vfs.fd[fd];
  if (f != nullptr) f->f_count.Inc();
  return f;
}

int alloc_fd_locked(Kernel& k) {
  for (int fd = 0; fd < kNrOpen; ++fd) {
    if (!k.vfs.open_fds[fd]) {
      k.vfs.open_fds[fd] = true;
      return fd;
    }
  }
  return -EMFILE;
}

}  // namespace

size_t copy_from_user(void* to, UserPtr from, size_t n) {
  Yield("copy_from_user");
  if (n > from.size) return n;
  if (n > 0) std::memcpy(to, from.base, n);
  return 0;
}

size_t copy_to_user(UserPtr to, const void* from, size_t n) {
  Yield("copy_to_user");
  if (n > to.size) return n;
  if (n > 0) std::memcpy(to.base, from, n);
  return 0;
}

void cdev_init(cdev* p, const file_operations* fops) {
  p->kobj.kref.Set(1);  // kobject_init()
  INIT_LIST_HEAD(&p->list);
  p->ops = fops;
  p->dynamic = false;
}

cdev* cdev_alloc(Kernel& k) {
  cdev* p = kzalloc<cdev>(k.slab, "kzalloc(cdev)");
  INIT_LIST_HEAD(&p->list);
  p->dynamic = true;
  return p;
}

int cdev_add(Kernel& k, cdev* p, dev_t dev) {
  Yield("cdev_add");
  p->dev = dev;
  MutexLock lock(k.vfs.chrdevs_lock);
  k.vfs.cdev_map[MINOR(dev)].push_back(p);  // kobj_map(): live for open() from here on
  return 0;
}

void cdev_del(Kernel& k, cdev* p) {
  Yield("cdev_del");
  {
    MutexLock lock(k.vfs.chrdevs_lock);  // cdev_unmap(): no new lookups
    CdevProbes& probes = k.vfs.cdev_map[MINOR(p->dev)];
    auto it = std::find(probes.begin(), probes.end(), p);
    if (it != probes.end()) probes.erase(it);
  }
  kobject_put_cdev(k, p);
}

// cdev_get(): try_module_get(owner) (the heap cdevs have no owner) and
// kobject_get_unless_zero() (fs/char_dev.c since "chardev: Avoid potential use-after-free
// in 'chrdev_open()'").
bool cdev_get(Kernel& k, cdev* p) { return p->kobj.kref.IncNotZero(); }

void cdev_put(Kernel& k, cdev* p) {
  if (p != nullptr) kobject_put_cdev(k, p);
}

int chrdev_open(Kernel& k, inode* node, file* filp) {
  cdev* p = nullptr;
  cdev* fresh = nullptr;
  int ret = 0;
  MutexGuard lock(k.vfs.cdev_lock);
  p = node->i_cdev;
  if (p == nullptr) {
    lock.Unlock();
    fresh = kobj_lookup(k, node->i_rdev);
    if (fresh == nullptr) return -ENXIO;
    lock.Lock();
    // Check i_cdev again in case somebody beat us to it while we dropped the lock.
    p = node->i_cdev;
    if (p == nullptr) {
      node->i_cdev = p = fresh;
      list_add(&node->i_devices, &p->list);
      fresh = nullptr;
    } else if (!cdev_get(k, p)) {
      ret = -ENXIO;
    }
  } else if (!cdev_get(k, p)) {
    ret = -ENXIO;
  }
  lock.Unlock();
  cdev_put(k, fresh);
  if (ret != 0) return ret;

  ret = -ENXIO;
  const file_operations* fops = p->ops;  // fops_get(): the core is built in, no module pin
  if (fops == nullptr) goto out_cdev_put;
  filp->f_op = fops;  // replace_fops()
  if (filp->f_op->open != nullptr) {
    ret = filp->f_op->open(k, node, filp);
    if (ret != 0) goto out_cdev_put;
  }
  return 0;

out_cdev_put:
  cdev_put(k, p);
  return ret;
}

int device_create(Kernel& k, dev_t devt, const char* name) {
  Yield("device_create");
  MutexLock lock(k.vfs.devtmpfs_lock);
  for (device* dev : k.vfs.devices) {
    if (dev->name == name) return -EEXIST;  // sysfs: duplicate filename
  }
  device* dev = kzalloc<device>(k.slab, "kzalloc(device)");
  dev->devt = devt;
  dev->name = name;
  dev->node = kzalloc<inode>(k.slab, "devtmpfs_create_node");
  dev->node->i_rdev = devt;
  k.vfs.devices.push_back(dev);
  return 0;
}

void device_destroy(Kernel& k, dev_t devt) {
  Yield("device_destroy");
  device* dev = nullptr;
  {
    MutexLock lock(k.vfs.devtmpfs_lock);
    auto it = std::find_if(k.vfs.devices.begin(), k.vfs.devices.end(),
                           [devt](device* d) { return d->devt == devt; });
    if (it == k.vfs.devices.end()) return;
    dev = *it;
    k.vfs.devices.erase(it);
  }
  iput(k, dev->node);  // devtmpfs_delete_node(): unlink
  kfree(k.slab, dev, "kfree(device)");
}

file* alloc_file(Kernel& k, const file_operations* fops, uint32_t flags, void* private_data) {
  file* f = kzalloc<file>(k.slab, "alloc_empty_file");
  f->f_op = fops;
  f->f_flags = flags;
  f->private_data = private_data;
  f->opened = true;
  return f;
}

void fput(Kernel& k, file* f) {
  if (f->f_count.DecAndTest()) __fput(k, f);
}

int get_unused_fd_flags(Kernel& k, uint32_t flags) {
  MutexLock lock(k.vfs.file_lock);
  return alloc_fd_locked(k);
}

void put_unused_fd(Kernel& k, int fd) {
  MutexLock lock(k.vfs.file_lock);
  k.vfs.open_fds[fd] = false;
}

void fd_install(Kernel& k, int fd, file* f) {
  MutexLock lock(k.vfs.file_lock);
  k.vfs.fd[fd] = f;
}

int sys_open_dma_heap(Kernel& k, const char* name) {
  const int fd = get_unused_fd_flags(k, O_CLOEXEC);
  if (fd < 0) return fd;
  // Path walk of /dev/dma_heap/<name>: a reference on the node's inode.
  inode* node = nullptr;
  {
    MutexLock lock(k.vfs.devtmpfs_lock);
    for (device* dev : k.vfs.devices) {
      if (dev->name == name) {
        node = dev->node;
        node->i_count.Inc();
        break;
      }
    }
  }
  if (node == nullptr) {
    put_unused_fd(k, fd);
    return -ENOENT;
  }
  file* f = kzalloc<file>(k.slab, "alloc_empty_file");
  f->f_inode = node;
  f->f_flags = O_RDONLY | O_CLOEXEC;
  const int ret = chrdev_open(k, node, f);  // def_chr_fops.open
  if (ret != 0) {
    // Never opened (no FMODE_OPENED): no release, no cdev_put.
    iput(k, node);
    kfree(k.slab, f, "kfree(file)");
    put_unused_fd(k, fd);
    return ret;
  }
  f->opened = true;
  fd_install(k, fd, f);
  return fd;
}

int sys_close(Kernel& k, int fd) {
  if (fd < 0 || fd >= kNrOpen) return -EBADF;
  file* f = nullptr;
  {
    MutexLock lock(k.vfs.file_lock);
    f = k.vfs.fd[fd];
    if (f == nullptr) return -EBADF;
    k.vfs.fd[fd] = nullptr;
    k.vfs.open_fds[fd] = false;
  }
  fput(k, f);  // filp_close()
  return 0;
}

int sys_dup(Kernel& k, int oldfd) {
  if (oldfd < 0 || oldfd >= kNrOpen) return -EBADF;
  MutexLock lock(k.vfs.file_lock);
  file* f = k.vfs.fd[oldfd];
  if (f == nullptr) return -EBADF;
  const int newfd = alloc_fd_locked(k);
  if (newfd < 0) return newfd;
  f->f_count.Inc();  // get_file()
  k.vfs.fd[newfd] = f;
  return newfd;
}

long sys_ioctl(Kernel& k, int fd, uint32_t cmd, UserPtr arg) {
  file* f = fget(k, fd);
  if (f == nullptr) return -EBADF;
  long ret = -ENOTTY;
  if (f->f_op != nullptr && f->f_op->unlocked_ioctl != nullptr) {
    ret = f->f_op->unlocked_ioctl(k, f, cmd, arg);
  }
  fput(k, f);
  return ret;
}

}  // namespace racefuzz::heaps
