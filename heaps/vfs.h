// The VFS and char-device objects the dma-heap core depends on (fs/char_dev.c, fs/file.c,
// fs/file_table.c, devtmpfs), modelled as far as lifetimes go:
//  - cdev with its kobject refcount; cdev_add/cdev_del; kobj_map lookups by dev_t;
//  - inodes of /dev/dma_heap/<name> (devtmpfs), with the i_cdev cache that chrdev_open
//    fills and cdev_purge / cd_forget clear (spec a.3);
//  - struct file with its f_count; __fput runs f_op->release *before* cdev_put;
//  - one process's fd table (lowest free fd, close, dup), shared by every logical thread.
#ifndef RACEFUZZ_HEAPS_VFS_H_
#define RACEFUZZ_HEAPS_VFS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "harness/mutex.h"
#include "harness/refcount.h"
#include "heaps/kernel.h"

namespace racefuzz::heaps {

struct Kernel;
struct file;
struct inode;

// A userspace buffer the kernel copies from and to (the ioctl argument).
struct UserPtr {
  uint8_t* base = nullptr;
  size_t size = 0;  // bytes that are mapped; copies past this fault
};
// Return the number of bytes not copied, like the kernel's.
size_t copy_from_user(void* to, UserPtr from, size_t n);
size_t copy_to_user(UserPtr to, const void* from, size_t n);

struct file_operations {
  int (*open)(Kernel& k, inode* inode, file* filp) = nullptr;
  int (*release)(Kernel& k, inode* inode, file* filp) = nullptr;
  long (*unlocked_ioctl)(Kernel& k, file* filp, uint32_t cmd, UserPtr arg) = nullptr;
};

struct kobject {
  Refcount kref{1};
};

struct cdev {
  static constexpr const char* kSlabName = "cdev";  // cdev_alloc()'ed ones only
  kobject kobj;
  const file_operations* ops = nullptr;
  list_head list;  // inodes whose i_cdev caches this cdev (inode->i_devices)
  dev_t dev = 0;
  // cdev_alloc() (ktype_cdev_dynamic): the kobject release frees the cdev. Otherwise the
  // cdev is embedded in its owner (ktype_cdev_default), and the release frees nothing.
  bool dynamic = false;
};

struct inode {
  static constexpr const char* kSlabName = "inode";
  Refcount i_count{1};  // the devtmpfs dentry's reference, plus one per open file
  dev_t i_rdev = 0;
  cdev* i_cdev = nullptr;  // chrdev_open's cache; not a reference (cleared by cdev_purge)
  list_head i_devices;
};

struct file {
  static constexpr const char* kSlabName = "file";
  Refcount f_count{1};
  const file_operations* f_op = nullptr;
  inode* f_inode = nullptr;  // the char-device inode; nullptr for dma-buf (anon) files
  void* private_data = nullptr;
  uint32_t f_flags = 0;
  bool opened = false;  // FMODE_OPENED: __fput runs release and cdev_put only then
};

// A class device with its devtmpfs node (device_create).
struct device {
  static constexpr const char* kSlabName = "device";
  dev_t devt = 0;
  std::string name;  // kobject_set_name() copies it
  inode* node = nullptr;
};

inline constexpr int kNumHeapMinors = 128;  // NUM_HEAP_MINORS
inline constexpr int kNrOpen = 32;          // RLIMIT_NOFILE of the modelled process

// The cdevs mapped on one minor. Inline storage (for the Vfs is rebuilt for every
// execution): a program rarely maps more than two on a minor, and each std::vector was one
// more allocation, with ASan's stack traces, per add.
using CdevProbes = absl::InlinedVector<cdev*, 2>;

struct Vfs {
  // kobj_map (cdev_map) by minor; several cdevs can be mapped on one dev_t, newest last.
  Mutex chrdevs_lock{"chrdevs_lock"};
  CdevProbes cdev_map[kNumHeapMinors];
  Mutex cdev_lock{"cdev_lock"};
  // The dma_heap class devices and their /dev/dma_heap/<name> nodes, in creation order.
  Mutex devtmpfs_lock{"devtmpfs_lock"};
  absl::InlinedVector<device*, 4> devices;  // inline: one per heap slot
  // current->files
  Mutex file_lock{"file_lock"};
  file* fd[kNrOpen] = {};
  bool open_fds[kNrOpen] = {};
};

// --- fs/char_dev.c ---
void cdev_init(cdev* p, const file_operations* fops);
cdev* cdev_alloc(Kernel& k);
int cdev_add(Kernel& k, cdev* p, dev_t dev);
void cdev_del(Kernel& k, cdev* p);
bool cdev_get(Kernel& k, cdev* p);
void cdev_put(Kernel& k, cdev* p);
int chrdev_open(Kernel& k, inode* inode, file* filp);

// --- drivers/base/core.c + devtmpfs ---
int device_create(Kernel& k, dev_t devt, const char* name);
void device_destroy(Kernel& k, dev_t devt);

// --- fs/file_table.c, fs/file.c, fs/open.c, fs/ioctl.c ---
file* alloc_file(Kernel& k, const file_operations* fops, uint32_t flags, void* private_data);
void fput(Kernel& k, file* f);
int get_unused_fd_flags(Kernel& k, uint32_t flags);
void put_unused_fd(Kernel& k, int fd);
void fd_install(Kernel& k, int fd, file* f);
// open("/dev/dma_heap/<name>", O_RDONLY | O_CLOEXEC)
int sys_open_dma_heap(Kernel& k, const char* name);
int sys_close(Kernel& k, int fd);
int sys_dup(Kernel& k, int fd);
long sys_ioctl(Kernel& k, int fd, uint32_t cmd, UserPtr arg);

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_VFS_H_
