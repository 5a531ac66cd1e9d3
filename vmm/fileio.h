/* Small file helpers with errors that name the file: read a whole file or
 * a small kernel file, write all of a buffer, read exactly at an offset. */
#ifndef UVM_FILEIO_H
#define UVM_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Read all of `path` (at most max_size bytes) into a malloc'd buffer. */
int read_file(const char *path, size_t max_size, uint8_t **data, size_t *size,
	      struct uvm_error *err);

/* A small file under dirfd (AT_FDCWD: path as it is), kernel files included:
 * /proc, /sys and cgroup files report size 0, so read_file cannot read them.
 * Up to size - 1 bytes, NUL-terminated, their count in *got (NULL allowed,
 * for files holding NULs). 0, or -errno (-ENOENT when it is not there). */
int read_small_file(int dirfd, const char *path, char *buf, size_t size, size_t *got);

/* write(2)/pwrite(2)/pread(2) until done, retrying on EINTR and short counts.
 * Return 0 or -errno; read_full_at returns -EIO at end of file. */
int write_full(int fd, const void *buf, size_t len);
int pwrite_full(int fd, const void *buf, size_t len, off_t off);
int pread_full(int fd, void *buf, size_t len, off_t off);

/* snprintf for building paths: -ENAMETOOLONG instead of a cut-off path. */
int path_fmt(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
