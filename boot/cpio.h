/* Writing initramfs archives: the "newc" cpio format the kernel unpacks,
 * optionally gzip-compressed through zlib (or the same tree as a folder). Used by the UVM image builder
 * and by the tests' initrds. Entries get uid/gid 0 and mtime 0, so the
 * same tree always gives the same archive. */
#ifndef UVM_CPIO_H
#define UVM_CPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../vmm/error.h"

struct cpio_writer {
	void *gz;           /* gzFile; NULL when writing a folder */
	int dir_fd;         /* the folder (cpio_open_folder), else -1 */
	const char *path;
	uint32_t next_ino;
	uint64_t offset;    /* uncompressed bytes written, for padding */
};

int cpio_open(struct cpio_writer *w, const char *path, bool compress, struct uvm_error *err);
/* The same entries as files under an existing empty folder instead of an
 * archive (the root tree of a VHD-booted utility VM). cpio_abort leaves
 * what was written; the caller removes the folder. */
int cpio_open_folder(struct cpio_writer *w, const char *dir, struct uvm_error *err);
/* Write the trailer and close; on error the output file is removed. */
int cpio_close(struct cpio_writer *w, struct uvm_error *err);
void cpio_abort(struct cpio_writer *w);

int cpio_add_dir(struct cpio_writer *w, const char *name, mode_t mode, struct uvm_error *err);
int cpio_add_data(struct cpio_writer *w, const char *name, mode_t mode, const void *data,
		  size_t len, struct uvm_error *err);
int cpio_add_symlink(struct cpio_writer *w, const char *name, const char *target,
		     struct uvm_error *err);
/* Copy a host file's content (following symlinks) under `name`. */
int cpio_add_file(struct cpio_writer *w, const char *name, mode_t mode, const char *host_path,
		  struct uvm_error *err);
/* Add a host directory tree under `prefix` ("" for the root), keeping modes
 * and symlinks; device nodes and sockets are skipped. */
int cpio_add_tree(struct cpio_writer *w, const char *host_dir, const char *prefix,
		  struct uvm_error *err);

#endif
